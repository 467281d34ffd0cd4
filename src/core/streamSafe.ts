/**
 * Unicode normalisation with a bounded cost: the Stream-Safe Text Format of UAX #15 (section 13)
 * before `String.prototype.normalize`.
 *
 * Canonical ordering sorts each run of combining marks (non-starters) by combining class, and
 * ICU (V8's `normalize`) sorts by insertion, as CPython's `unicodedata` does: a run of n marks
 * of alternating classes (stacked "Zalgo" marks) costs n² steps. 80,000 marks took 2.4 s of CPU,
 * 160,000 nearly 8 s, and the 30 MB line limit lets one record hold millions.
 *
 * UAX #15's remedy: no real text has more than 30 non-starters in a row (the longest in use has
 * about a dozen), so after 30 a COMBINING GRAPHEME JOINER (U+034F, a starter that changes nothing
 * when displayed) is put in, which ends the run: the sort then never sees more than 30 marks. A
 * text without such a run is given to `normalize` unchanged, so the result of ordinary text is the
 * same as before. The count follows the standard: per code point, the non-starters its (compatibility)
 * decomposition starts and ends with, so the process gives the same answer on a text already
 * normalised (idempotence).
 */

/** Most non-starters in a row that Stream-Safe text holds (UAX #15, D4). */
export const MAX_NON_STARTERS = 30;

/** COMBINING GRAPHEME JOINER, the starter put in after MAX_NON_STARTERS non-starters. */
export const CGJ = '\u034f';

/**
 * Per BMP code unit and decomposition (0: canonical, 1: compatibility), 0 when not yet known,
 * else 1 + lead + 8 * trail + 64 * all, where lead and trail count the non-starters the code
 * point's decomposition starts and ends with and `all` says every one of them is a non-starter.
 */
const tables = [new Uint8Array(0x10000), new Uint8Array(0x10000)];
const astral = [new Map<number, number>(), new Map<number, number>()];

/** Whether the single code point `x` (its own decomposition) has a combining class other than 0. */
function nonStarter(x: string): boolean {
  // A mark of class k in 1..239 moves before U+0345 (class 240); U+0345 itself moves after U+0334 (class 1).
  const a = '\u0345' + x;
  if (a.normalize('NFD') !== a) return true;
  const b = x + '\u0334';
  return b.normalize('NFD') !== b;
}

/** The code point's entry (see `tables`), computed from Unicode data through `normalize`. */
function describe(ch: string, compat: boolean): number {
  const d = Array.from(ch.normalize(compat ? 'NFKD' : 'NFD'));
  const flags = d.map(nonStarter);
  let lead = 0;
  while (lead < flags.length && flags[lead]) lead++;
  let trail = 0;
  while (trail < flags.length && flags[flags.length - 1 - trail]) trail++;
  const all = lead === flags.length ? 1 : 0;
  return 1 + Math.min(lead, 7) + 8 * Math.min(trail, 7) + 64 * all;
}

/**
 * `s` in the Stream-Safe Text Format: a CGJ put in before a code point whose leading non-starters
 * would make the run longer than MAX_NON_STARTERS. `compat` counts by compatibility
 * decompositions (for NFKC/NFKD). Returns `s` itself when it has no such run (all ordinary text).
 */
export function streamSafe(s: string, compat = false): string {
  return mayHaveLongRun(s) ? insertJoiners(s, compat) : s;
}

/**
 * Code points made only of non-starters are combining marks (\p{M}), but for the half-width
 * kana voicing marks U+FF9E and U+FF9F under compatibility decomposition; their decompositions
 * are at most 2 long, and any other code point's decomposition starts with a starter and ends
 * with at most 3 non-starters (a test checks these facts for every code point). So a run of more
 * than 30 non-starters needs at least 14 such code points in a row: MIN_MARKS code units of the
 * `marks` table (surrogates count, conservatively), which a cheap scan looks for first.
 */
const MIN_MARKS = 14;
/** Per BMP code unit: 0 not yet known, 1 a mark (or a surrogate, or U+FF9E/U+FF9F), 2 not; filled as units are met. */
const marks = new Uint8Array(0x10000);
const MARK = /\p{M}/u;

function isMark(c: number): boolean {
  let v = marks[c];
  if (v === 0) {
    v = marks[c] = (c >= 0xd800 && c <= 0xdfff) || c === 0xff9e || c === 0xff9f || MARK.test(String.fromCharCode(c)) ? 1 : 2;
  }
  return v === 1;
}

/** Whether `s` has MIN_MARKS code units in a row that may be parts of code points made only of non-starters. */
export function mayHaveLongRun(s: string): boolean {
  const n = s.length;
  // Every run of MIN_MARKS holds one of the positions MIN_MARKS - 1, 2 * MIN_MARKS - 1, ...: only
  // those are read, and the neighbours of the ones that are marks.
  let i = MIN_MARKS - 1;
  while (i < n) {
    if (!isMark(s.charCodeAt(i))) {
      i += MIN_MARKS;
      continue;
    }
    let lo = i;
    while (lo > 0 && i - lo + 1 < MIN_MARKS && isMark(s.charCodeAt(lo - 1))) lo--;
    let hi = i;
    while (hi + 1 < n && hi - lo + 1 < MIN_MARKS && isMark(s.charCodeAt(hi + 1))) hi++;
    if (hi - lo + 1 >= MIN_MARKS) return true;
    // s[hi + 1] is no mark: the next run starts after it.
    i = hi + 1 + MIN_MARKS;
  }
  return false;
}

function insertJoiners(s: string, compat: boolean): string {
  const table = tables[compat ? 1 : 0];
  const cache = astral[compat ? 1 : 0];
  const n = s.length;
  let run = 0;
  let out: string[] | null = null;
  let copied = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xa0) {
      run = 0;
      continue;
    }
    let v: number;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        width = 2;
        v = cache.get(cp) ?? 0;
        if (v === 0) {
          v = describe(String.fromCodePoint(cp), compat);
          cache.set(cp, v);
        }
      } else v = 1;
    } else if (c >= 0xd800 && c <= 0xdfff) v = 1;
    else {
      v = table[c];
      if (v === 0) v = table[c] = describe(String.fromCharCode(c), compat);
    }
    v -= 1;
    const lead = v & 7;
    if (lead > 0 && run + lead > MAX_NON_STARTERS) {
      (out ??= []).push(s.slice(copied, i), CGJ);
      copied = i;
      run = 0;
    }
    run = v & 64 ? run + lead : (v >> 3) & 7;
    i += width - 1;
  }
  if (out === null) return s;
  out.push(s.slice(copied));
  return out.join('');
}

/** `s.normalize(form)` of `streamSafe(s)`: the same as `s.normalize(form)` but for runs of more than 30 combining marks, in time linear in the length. */
export function normalizeBounded(s: string, form: 'NFC' | 'NFKC' | 'NFD' | 'NFKD'): string {
  return streamSafe(s, form === 'NFKC' || form === 'NFKD').normalize(form);
}
