import { cp1252Byte } from './cp1252.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Code points a correct repair never produces: controls, unassigned, private use, lone surrogates, U+FFFD. */
const IMPLAUSIBLE = /[\p{Cc}\p{Cn}\p{Co}\p{Cs}\uFFFD]/u;
/** The same without C1 controls, which the inner layer of double mojibake legitimately holds. */
const IMPLAUSIBLE_BUT_C1 = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\p{Cn}\p{Co}\p{Cs}\uFFFD]/u;
const C1 = /[\x80-\x9F]/;
/** One lowercase letter of Latin-1 Supplement or Latin Extended-A/B. */
const LATIN_LOWER = /^(?=\p{Ll}$)[\u00C0-\u024F]$/u;
const UPPER = /^\p{Lu}$/u;

/**
 * True when `s` may hold UTF-8 mojibake: some character is a UTF-8 lead byte read as
 * Latin-1/cp1252 (Â…ô, U+00C2–U+00F4) next to another non-ASCII character with a cp1252 byte. A
 * cheap scan that lets clean text skip the repair: `repairMojibake` only repairs runs of two or
 * more such characters holding a lead, so when this is false it returns `s` with no run repaired
 * (a text whose accented letters stand alone, `café`, `Straße`, `3×4`, has none).
 */
export function mayBeMojibake(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xc2 && c <= 0xf4 && (inRun(s.charCodeAt(i - 1)) || inRun(s.charCodeAt(i + 1)))) return true;
  }
  return false;
}

/** Whether code unit `c` (NaN past either end) can be part of a run `repairMojibake` looks at. */
function inRun(c: number): boolean {
  return c >= 0x80 && cp1252Byte(c) >= 0;
}

/**
 * Repair UTF-8 text that was decoded as cp1252 or Latin-1 (`Ã©` → `é`, `æ‰€` → `所`).
 *
 * The text is cut into maximal runs of non-ASCII characters that each map back to one cp1252
 * byte (mojibake of one UTF-8 character is always such a run, since every byte of a multi-byte
 * sequence is ≥ 0x80). A run is replaced only when its bytes are valid UTF-8 under a strict
 * decoder AND the result holds no control, unassigned, private-use or replacement character.
 * Anything else — a run mixing real Latin-1 with mojibake, a lone `é`, bytes lost by a lossy
 * decoder — is left as it is: the repair is made only where it is unambiguous.
 *
 * Text mis-decoded twice is repaired when its inner layer is unambiguous too.
 * Returns the repaired text and how many runs were repaired (0: `s` itself is returned).
 */
export function repairMojibake(s: string, depth = 0): { text: string; runs: number } {
  // First find every run and its repair; then decide which to apply.
  const starts: number[] = [];
  const ends: number[] = [];
  const fixes: string[] = [];
  // Every non-ASCII character of the text lies in a run that repairs: the text reads as
  // mojibake throughout. A lone «, “ or a real CJK character says it holds real non-ASCII text.
  let consistent = true;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    if (cp1252Byte(c) < 0) {
      consistent = false;
      i++;
      continue;
    }
    const start = i;
    let hasLead = false;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d < 0x80 || cp1252Byte(d) < 0) break;
      if (d >= 0xc2 && d <= 0xf4) hasLead = true;
      i++;
    }
    const fixed = hasLead && i - start >= 2 ? repairRun(s, start, i, depth) : null;
    if (fixed === null) {
      consistent = false;
      continue;
    }
    starts.push(start);
    ends.push(i);
    fixes.push(fixed);
  }
  let out = '';
  let last = 0;
  let runs = 0;
  for (let k = 0; k < fixes.length; k++) {
    // A two-character run is one 2-byte character: "É»" may be mojibake of "ɻ" or real French
    // in guillemets ("«CAFÉ»"). In a text that also holds real non-ASCII characters, repair it
    // only when it gives a lowercase Latin letter ("Å‘" → "ő", "Ã©" → "é"), the common case,
    // and is not preceded by a capital: a word in capitals ending in an accented capital before
    // closing punctuation ("«IRMÃ»") is real text. Longer runs (3- and 4-byte characters: curly
    // quotes, CJK, emoji) are evidence enough on their own.
    if (ends[k] - starts[k] === 2 && !consistent && (!LATIN_LOWER.test(fixes[k]) || (starts[k] > 0 && UPPER.test(s[starts[k] - 1])))) continue;
    out += s.slice(last, starts[k]) + fixes[k];
    last = ends[k];
    runs++;
  }
  if (runs === 0) return { text: s, runs: 0 };
  return { text: out + s.slice(last), runs };
}

/** The repair of one run `s[start, end)`, or null when it is not unambiguous mojibake. */
function repairRun(s: string, start: number, end: number, depth: number): string | null {
  const bytes = new Uint8Array(end - start);
  for (let k = start; k < end; k++) bytes[k - start] = cp1252Byte(s.charCodeAt(k));
  let fixed: string;
  try {
    fixed = strictUtf8.decode(bytes);
  } catch {
    return null;
  }
  if (IMPLAUSIBLE.test(fixed)) {
    // Text mis-decoded twice: the first layer may hold C1 controls that are bytes of the
    // second. Accept only when repairing that layer too leaves nothing implausible.
    if (depth >= 2 || !C1.test(fixed) || IMPLAUSIBLE_BUT_C1.test(fixed)) return null;
    const inner = repairMojibake(fixed, depth + 1);
    if (inner.runs === 0 || IMPLAUSIBLE.test(inner.text)) return null;
    fixed = inner.text;
  } else if (depth < 2 && mayBeMojibake(fixed)) {
    // The repaired run may itself be mojibake (text mis-decoded twice): "Ã„Â«" → "Ä«" → "ī".
    const inner = repairMojibake(fixed, depth + 1);
    if (inner.runs > 0) fixed = inner.text;
  }
  return fixed;
}
