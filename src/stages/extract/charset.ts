/**
 * The character set of an HTML document: a byte-order mark first, then the HTTP `Content-Type`
 * header, then a `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 4 KiB
 * (the order of the WHATWG encoding sniffing algorithm). Labels are resolved by `TextDecoder`,
 * so `gb2312` decodes as GBK and `big5-hkscs` as Big5, as browsers do.
 *
 * Departures from a browser, for mislabelled and unlabelled pages:
 * - A declared charset other than UTF-8/UTF-16 loses to UTF-8 when the bytes are valid UTF-8 and
 *   hold a multibyte sequence, unless they are short (under 8 multibyte sequences) and read
 *   better in the declared charset by the Chinese score below: real GBK or Big5 text is almost
 *   never valid UTF-8 (none of 20,000 GBK windows of 6+ Chinese characters were), while UTF-8
 *   pages that say `gbk` or `gb2312` are common in Chinese crawls. `declared` then names the
 *   charset that was overruled.
 * - The reverse mislabel: a page declared UTF-8 whose bytes are mostly invalid UTF-8 and read
 *   plainly in another charset (the guess below) is read so (`legacyOverUtf8`), again with
 *   `declared: 'utf-8'`; when no reading is plain it stays UTF-8, marked `guess: 'low'`. A short
 *   one (under the bar of a score of 4) is read so, marked low, when the UTF-8 reading would keep
 *   none of its non-ASCII characters; else it stays UTF-8, marked low.
 * - With no declaration, UTF-8 if the bytes are valid UTF-8; else the best-scoring reading
 *   (`READINGS`, ties in that order): UTF-8 with U+FFFD for its invalid bytes, GB18030 (a
 *   superset of GBK and GB2312, the usual undeclared charset of Chinese crawls), Big5,
 *   Shift_JIS, EUC-JP, EUC-KR, windows-1252 and windows-1251; windows-1252 (WHATWG's default for
 *   most locales) when none scores above 0. Double-byte charsets accept most byte pairs, so a
 *   decoding without errors proves nothing: each reading is scored as the language its charset
 *   is for. Chinese counts the characters among the 800 most frequent of Simplified or
 *   Traditional Chinese (hanFrequency.ts, made by scripts/han-frequency.mjs) and takes off kana,
 *   bopomofo, box drawing, private-use, compatibility and Extension A characters, which the
 *   wrong one of GBK and Big5 produces (Big5 read as GBK: `硂琌⊿Τ絪絏羉砰いゅ`); Japanese counts
 *   kana and common kanji (jaKoFrequency.ts, scripts/ja-ko-frequency.mjs) and needs a kana;
 *   Korean counts common Hangul syllables; windows-1252 and windows-1251 count accented or
 *   Cyrillic letters in words shaped like words (`alphabetScore`). U+FFFD counts -2 everywhere.
 *   `from: 'sniffed'`, and `guess: 'low'` when even the best reading is poor.
 *   The cost: passes over the bytes (`utf8Counts`, `scanPairs`) rule out, without decoding them, the UTF-8
 *   and single-byte readings that cannot beat the best so far and the Japanese and Korean ones
 *   without a kana or Hangul byte pair; a decisive reading (`decisive`) ends the search. So an
 *   undeclared GBK page is decoded once, as GB18030 (bench/charset.ts; bench/charset-same.ts
 *   finds no page decoded otherwise than by the search over every reading).
 */
import { isUtf8 } from 'node:buffer';
import { COMMON_SIMPLIFIED, COMMON_TRADITIONAL } from './hanFrequency.js';
import { COMMON_HANGUL, COMMON_KANJI } from './jaKoFrequency.js';

// `\s*(?:["']\s*)?` rather than `\s*["']?\s*`: two runs of spaces with nothing required between
// them split a run of tabs every possible way, quadratic on a hostile header (issue #10).
const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*(?:["']\s*)?([A-Za-z0-9._:-]+)/i;
const HEADER_CHARSET = /;\s*charset\s*=\s*(?:["']\s*)?([A-Za-z0-9._:-]+)/i;

/** The `charset` parameter of a `Content-Type` value, or undefined. */
export function charsetOfContentType(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  return HEADER_CHARSET.exec(contentType)?.[1];
}

/** What decodes a page: a `TextDecoder`, or `Windows1252` in its place. */
export interface PageDecoder {
  readonly encoding: string;
  decode(bytes: Uint8Array): string;
}

/**
 * The WHATWG windows-1252 decoder (the one `latin1`, `iso-8859-1`, `ascii` and `windows-1252`
 * name). Node 20's `TextDecoder` takes those labels for ISO-8859-1 (nodejs/node#56542): bytes
 * 0x80-0x9F come out as C1 control characters (`d\u0092Engel`) instead of `€ ‚ ƒ „ … ’ “ ” –` and
 * the rest. This decodes as ISO-8859-1 and then maps those 27 bytes, leaving the 5 that
 * windows-1252 does not define as their C1 characters, as WHATWG does.
 */
const C1_1252 = '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';
const C1 = /[\x80-\x9f]/g;
class Windows1252 implements PageDecoder {
  readonly encoding = 'windows-1252';
  decode(bytes: Uint8Array): string {
    const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    C1.lastIndex = 0;
    return C1.test(s) ? s.replace(C1, (c) => C1_1252[c.charCodeAt(0) - 0x80]) : s;
  }
}
const windows1252 = new Windows1252();

/**
 * Decoders by label, made once: a `TextDecoder` costs more to build than to decode a small page
 * with, and a non-streaming `decode` keeps no state between calls. `null`: a label it does not know.
 */
const decoders = new Map<string, PageDecoder | null>();

/** A (non-fatal) decoder for a label, or undefined when `TextDecoder` does not know it. */
export function decoderFor(label: string): PageDecoder | undefined {
  const key = label.toLowerCase();
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key);
      if (d.encoding === 'windows-1252') d = windows1252;
    } catch {
      d = null;
    }
    // Labels come from pages: keep the map from growing without bound on made-up ones.
    if (decoders.size < 256) decoders.set(key, d);
  }
  return d ?? undefined;
}

/** The decoder of a label known to exist (`utf-8`, `gb18030`, `big5`, a decoder's `encoding`). */
const decoder = (label: string): PageDecoder => decoderFor(label) as PageDecoder;

/** How an HTML document was decoded. */
export interface DecodedHtml {
  html: string;
  /** The WHATWG name of the encoding used (`utf-8`, `gbk`, `gb18030`, `big5`, ...). */
  charset: string;
  /**
   * Where it came from: `bom`, `header`, `meta`, `sniffed` (read from the bytes: a guess for an
   * undeclared page, or valid UTF-8 over a declared legacy charset) or `default` (UTF-8).
   */
  from: 'bom' | 'header' | 'meta' | 'sniffed' | 'default';
  /** The charset the header or `<meta>` declared, when the bytes overruled it (`gbk`, `big5`, `utf-8` ...). */
  declared?: string;
  /**
   * `low` when the text may well be garbage: the charset was guessed and even the best reading
   * scores poorly (under half its non-ASCII characters look like text of its language; then
   * windows-1252 when nothing scores at all), or a page declared UTF-8 is mostly invalid UTF-8 and
   * reads plainly in no other charset either.
   */
  guess?: 'low';
}

/** Decode HTML bytes (see the module comment for the order); invalid bytes become U+FFFD. */
export function decodeHtml(bytes: Uint8Array, contentType?: string | null): DecodedHtml {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { html: decoder('utf-8').decode(bytes.subarray(3)), charset: 'utf-8', from: 'bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { html: decoder('utf-16le').decode(bytes.subarray(2)), charset: 'utf-16le', from: 'bom' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { html: decoder('utf-16be').decode(bytes.subarray(2)), charset: 'utf-16be', from: 'bom' };
  const fromHeader = charsetOfContentType(contentType);
  let d = fromHeader === undefined ? undefined : decoderFor(fromHeader);
  let from: DecodedHtml['from'] = 'header';
  if (d === undefined) {
    // The head is ASCII-compatible in every charset meant here: read it as Latin-1 to find <meta>.
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).toString('latin1');
    const label = META_CHARSET.exec(head)?.[1];
    d = label === undefined ? undefined : decoderFor(label);
    from = 'meta';
  }
  // A page that says UTF-16 in a <meta> is not UTF-16 (it would not be readable as ASCII): UTF-8.
  if (d !== undefined && from === 'meta' && d.encoding.startsWith('utf-16')) d = undefined;
  if (d === undefined) return guess(bytes);
  if (d.encoding === 'utf-8' && !isUtf8(bytes)) {
    const legacy = legacyOverUtf8(bytes);
    if (legacy === 'low') return { html: d.decode(bytes), charset: 'utf-8', from, guess: 'low' };
    if (legacy !== undefined) return { ...legacy, declared: 'utf-8' };
  }
  if (d.encoding !== 'utf-8' && !d.encoding.startsWith('utf-16') && utf8Overrules(bytes, d.encoding)) {
    return { html: decoder('utf-8').decode(bytes), charset: 'utf-8', from: 'sniffed', declared: d.encoding };
  }
  return { html: d.decode(bytes), charset: d.encoding, from };
}

/**
 * The record fields that show a declaration overruled: `{charset_declared: 'gbk'}` beside
 * `charset: 'utf-8'` (or `utf-8` beside `gb18030`), nothing when the declared charset was used (or
 * none was declared); and `charset_guess: 'low'` when the text may be garbage (`DecodedHtml.guess`).
 */
export function declaredOf(d: DecodedHtml): { charset_declared?: string; charset_guess?: 'low' } {
  return { ...(d.declared === undefined ? {} : { charset_declared: d.declared }), ...(d.guess === undefined ? {} : { charset_guess: d.guess }) };
}

/** Bytes read to score a decoding (the whole page is decoded once, by the winner). */
const SAMPLE_BYTES = 256 * 1024;
/** Multibyte UTF-8 sequences from which valid UTF-8 overrules a declaration without scoring. */
const SURE_UTF8 = 8;

/** Whether valid UTF-8 with multibyte sequences should overrule the declared `encoding`. */
function utf8Overrules(bytes: Uint8Array, encoding: string): boolean {
  let leads = 0;
  for (let i = 0; i < bytes.length && leads < SURE_UTF8; i++) if (bytes[i] >= 0xc0) leads++;
  if (leads === 0 || !isUtf8(bytes)) return false;
  if (leads >= SURE_UTF8) return true;
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  // Without punctuation: windows-1252 reads UTF-8's continuation bytes as “ ” — …
  return hanScore(decoder('utf-8').decode(sample), false) >= hanScore(decoder(encoding).decode(sample), false);
}

/** Flags per BMP code unit: common Chinese Han, common Japanese kanji (or Chinese Han), common Hangul syllable. */
const ZH = 1;
const JA = 2;
const KO = 4;
let common: Uint8Array | undefined;
function commonChars(): Uint8Array {
  if (common === undefined) {
    common = new Uint8Array(0x10000);
    for (const list of [COMMON_SIMPLIFIED, COMMON_TRADITIONAL]) for (let i = 0; i < list.length; i++) common[list.charCodeAt(i)] |= ZH | JA;
    for (let i = 0; i < COMMON_KANJI.length; i++) common[COMMON_KANJI.charCodeAt(i)] |= JA;
    for (let i = 0; i < COMMON_HANGUL.length; i++) common[COMMON_HANGUL.charCodeAt(i)] |= KO;
  }
  return common;
}

/** Characters a wrong double-byte reading makes: box drawing, private use, CJK compatibility, Extension A, half-width katakana. */
function oddCjk(x: number): boolean {
  return (
    (x >= 0x2500 && x <= 0x257f) || // box drawing
    (x >= 0xe000 && x <= 0xf8ff) || // private use (GBK's user-defined rows, Shift_JIS's)
    (x >= 0xf900 && x <= 0xfaff) || // CJK compatibility ideographs
    (x >= 0x3400 && x <= 0x4dbf) || // CJK Extension A
    (x >= 0xff61 && x <= 0xff9f) // half-width katakana
  );
}
const isKana = (x: number): boolean => (x >= 0x3041 && x <= 0x3096) || (x >= 0x30a1 && x <= 0x30fa) || x === 0x30fc;
const isHangulJamo = (x: number): boolean => x >= 0x3131 && x <= 0x318e;
const isHangul = (x: number): boolean => x >= 0xac00 && x <= 0xd7a3;

/** The common punctuation of Chinese text: ，。、；：？！（）《》“”‘’…— */
const CJK_PUNCT = new Set([0xff0c, 0x3002, 0x3001, 0xff1b, 0xff1a, 0xff1f, 0xff01, 0xff08, 0xff09, 0x300a, 0x300b, 0x201c, 0x201d, 0x2018, 0x2019, 0x2026, 0x2014]);

/**
 * The non-ASCII code units of the string `hanScore`, `kanaScore` or `hangulScore` scored last
 * (counted on the way, so that the guess needs no pass of its own for them).
 */
let scoredUnits = 0;

/**
 * How much a decoding reads like Chinese: +1 for each character among the most frequent of
 * Simplified or Traditional Chinese and each common Chinese punctuation mark (，。“”…), -1 for each kana, bopomofo, box-drawing, private-use,
 * CJK-compatibility or Extension A character, -2 for each U+FFFD; other characters count 0.
 */
export function hanScore(s: string, punctuation = true): number {
  const c = commonChars();
  let score = 0;
  let units = 0;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x < 0x80) continue;
    units++;
    if ((c[x] & ZH) !== 0 || (punctuation && CJK_PUNCT.has(x))) score++;
    else if (x === 0xfffd) score -= 2;
    else if ((x >= 0x3040 && x <= 0x312f) || oddCjk(x)) score--; // kana, bopomofo, ...
  }
  scoredUnits = units;
  return score;
}

/**
 * How much a decoding reads like Japanese: +1 for each kana and each common kanji (the most
 * frequent of Japanese, jaKoFrequency.ts, or of Chinese), -1 for each Hangul, bopomofo and what
 * `oddCjk` names (half-width katakana among them), -2 for each U+FFFD. A reading without a single
 * kana is not Japanese: its score is at most 0.
 */
export function kanaScore(s: string): number {
  const c = commonChars();
  let score = 0;
  let kana = 0;
  let units = 0;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x < 0x80) continue;
    units++;
    if (isKana(x)) {
      kana++;
      score++;
    } else if ((c[x] & JA) !== 0) score++;
    else if (x === 0xfffd) score -= 2;
    else if (isHangul(x) || isHangulJamo(x) || (x >= 0x3100 && x <= 0x312f) || oddCjk(x)) score--;
  }
  scoredUnits = units;
  return kana === 0 ? Math.min(0, score) : score;
}

/**
 * How much a decoding reads like Korean: +1 for each common Hangul syllable (jaKoFrequency.ts),
 * -1 for each lone jamo, kana, bopomofo and what `oddCjk` names, -2 for each U+FFFD; Hanja and
 * other syllables count 0. Without a common syllable the score is at most 0.
 */
export function hangulScore(s: string): number {
  const c = commonChars();
  let score = 0;
  let hits = 0;
  let units = 0;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x < 0x80) continue;
    units++;
    if ((c[x] & KO) !== 0) {
      hits++;
      score++;
    } else if (x === 0xfffd) score -= 2;
    else if (isHangulJamo(x) || (x >= 0x3040 && x <= 0x312f) || oddCjk(x)) score--;
  }
  scoredUnits = units;
  return hits === 0 ? Math.min(0, score) : score;
}

/** Letter classes for the alphabetic scores, per code unit below U+0500: 1 lower, 2 upper. */
let cases: Uint8Array | undefined;
function caseOf(): Uint8Array {
  if (cases === undefined) {
    cases = new Uint8Array(0x500);
    for (let x = 0x41; x < 0x500; x++) {
      const ch = String.fromCharCode(x);
      if (!/\p{L}/u.test(ch)) continue;
      cases[x] = ch.toLowerCase() !== ch ? 2 : 1;
    }
  }
  return cases;
}
/** Russian vowels, lower and upper case. */
const VOWELS = new Set([...'аеёиоуыэюяАЕЁИОУЫЭЮЯіїєІЇЄ'].map((c) => c.charCodeAt(0)));
function hasVowel(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (VOWELS.has(s.charCodeAt(k))) return true;
  return false;
}
/** Punctuation that stands next to words in Latin and Cyrillic text: quotes, dashes, ellipsis, ¡ ¿, №. */
const besideWords = new Set([0x2018, 0x2019, 0x201c, 0x201d, 0x201e, 0xab, 0xbb, 0x2013, 0x2014, 0x2026, 0xa1, 0xbf, 0x2116]);

/**
 * How much a decoding reads like text in a small alphabet, Latin (`script` 0: letters U+00C0-U+024F
 * besides ASCII) or Cyrillic (1: U+0400-U+045F), the two scored single-byte readings
 * (windows-1252, windows-1251). A word (a run of letters) holding letters of the script scores
 * +1 per such letter when its case is that of a word (lower, Capitalised or UPPER) and, for Latin,
 * it is one letter or holds ASCII letters too and at most 2 or at most half its letters are
 * accented (+2 when it holds two or more ASCII letters: `également`); for Cyrillic, it mixes no
 * ASCII letter in and holds a vowel, and counts its length less 2 (a Chinese character read as
 * windows-1251 is two letters); else -1 per such letter. Double-byte text read in a single-byte charset gives runs of accented
 * letters and symbols, in random case (GBK `中文` in windows-1252 is `ÖÐÎÄ`); UTF-8 read as
 * windows-1252 gives `Ã©`. Other characters in U+0080-U+02FF and the charset's punctuation:
 * +1 between ASCII characters (a `©`, a `’` in `don’t`), 0 for quotes and dashes beside a word,
 * else -1; C1 controls and U+FFFD -2.
 */
export function alphabetScore(s: string, script: 0 | 1): number {
  const cs = caseOf();
  const lo = script === 0 ? 0xc0 : 0x400;
  const hi = script === 0 ? 0x24f : 0x45f;
  let score = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const x = s.charCodeAt(i);
    const ascii = x < 0x80;
    if (ascii && !((x >= 0x61 && x <= 0x7a) || (x >= 0x41 && x <= 0x5a))) {
      i++;
      continue;
    }
    if (ascii || (x >= lo && x <= hi && cs[x] !== 0)) {
      // One word (a run of ASCII letters and letters of the script): its letters of the script, its case and mix.
      let own = 0;
      let len = 0;
      let shapeOk = true;
      let upper = 0;
      let lower = 0;
      for (; i < n; i++) {
        const y = s.charCodeAt(i);
        let c: number;
        if (y < 0x80) {
          if (y >= 0x61 && y <= 0x7a) c = 1;
          else if (y >= 0x41 && y <= 0x5a) c = 2;
          else break;
        } else if (y >= lo && y <= hi && cs[y] !== 0) {
          c = cs[y];
          own++;
        } else break;
        len++;
        if (c === 2) {
          // An upper-case letter after a lower-case one (`cAfÉ`) is not a word's case,
          if (lower > 0) shapeOk = false;
          upper++;
        } else {
          // nor a lower-case letter after two upper-case ones (`ÖÐa`).
          if (upper > 1) shapeOk = false;
          lower++;
        }
      }
      if (own === 0) continue;
      const ok =
        shapeOk &&
        (script === 0
          ? // Latin: a few accented letters among ASCII ones, or a one-letter word (`à`, `é`).
            len === 1 || (own < len && (own <= 2 || own * 2 <= len))
          : // Cyrillic: no ASCII letter in it, and a vowel.
            own === len && hasVowel(s, i - len, i));
      // A well-formed Cyrillic word counts its letters but two: a Chinese character read as
      // windows-1251 is two letters, so `на` is no evidence, and `Хвёц` (这个) no more than 这个.
      if (script === 1 && ok) {
        score += len - 2;
        continue;
      }
      // A good word with two or more ASCII letters (`également`, `Größe`) is the common case of real
      // text, and rare in a wrong reading: its letters count twice.
      score += ok ? (len - own >= 2 ? 2 * own : own) : -own;
      continue;
    }
    // A character that is not a letter of either kind.
    if (x === 0xfffd || (x >= 0x80 && x <= 0x9f)) score -= 2;
    else if (x <= 0x2ff || (x >= 0x2000 && x <= 0x2122)) {
      const p = i > 0 ? s.charCodeAt(i - 1) : 0x20;
      const q = i + 1 < n ? s.charCodeAt(i + 1) : 0x20;
      if (p < 0x80 && q < 0x80) score++;
      else if (!(besideWords.has(x) && (p < 0x80 || (p >= lo && p <= hi && cs[p] !== 0)) && (q < 0x80 || (q >= lo && q <= hi && cs[q] !== 0)))) score--;
      // (a quote or dash beside a word counts neither for nor against)
    }
    i++;
  }
  return score;
}

/** A reading of undeclared bytes, and the score that judges it (by the language its charset is for). */
interface Reading {
  label: string;
  score: (s: string) => number;
  /**
   * What the byte scan must have found for this reading to score above 0 (`kanaScore` needs a
   * kana, `hangulScore` a common Hangul syllable), or `single` for a single-byte charset, whose
   * `scoreBound` is the number of bytes >= 0x80 (no byte decodes to U+FFFD in windows-1252 or 1251).
   */
  needs?: 'sjisKana' | 'eucJpKana' | 'hangul' | 'single';
}
const latinScore = (s: string): number => alphabetScore(s, 0);
const cyrillicScore = (s: string): number => alphabetScore(s, 1);
/** The UTF-8 reading (with U+FFFD for its invalid bytes) may hold any language: its best score. */
const anyScore = (s: string): number => Math.max(hanScore(s), kanaScore(s), hangulScore(s), latinScore(s), cyrillicScore(s));

/**
 * The readings tried for a page that declares nothing and is not valid UTF-8, ties in this order.
 * windows-1252 is WHATWG's default for most locales, and the fallback when nothing scores.
 */
const READINGS: Reading[] = [
  { label: 'utf-8', score: anyScore },
  { label: 'gb18030', score: hanScore },
  { label: 'big5', score: hanScore },
  { label: 'shift_jis', score: kanaScore, needs: 'sjisKana' },
  { label: 'euc-jp', score: kanaScore, needs: 'eucJpKana' },
  { label: 'euc-kr', score: hangulScore, needs: 'hangul' },
  { label: 'windows-1252', score: latinScore, needs: 'single' },
  { label: 'windows-1251', score: cyrillicScore, needs: 'single' },
];

/** The non-ASCII code units of a string. */
function nonAscii(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) n++;
  return n;
}

/**
 * The most any score can give a decoding: +1 per non-ASCII character that is not U+FFFD, -2 per
 * U+FFFD (one cheap pass; a reading that cannot beat the best so far is not scored).
 */
function scoreBound(s: string): number {
  let bound = 0;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x >= 0x80) bound += x === 0xfffd ? -2 : 1;
  }
  return bound;
}

/** What a pass over the bytes tells before a reading is decoded (`scanPairs`). */
interface PairScan {
  /** Bytes >= 0x80: the `scoreBound` of a single-byte reading. */
  high: number;
  /** A byte pair that Shift_JIS / EUC-JP reads as a kana, one that EUC-KR reads as a common Hangul syllable. */
  sjisKana: boolean;
  eucJpKana: boolean;
  hangul: boolean;
}

/**
 * One pass over the bytes: the bytes >= 0x80, and whether some pair of adjacent bytes is one that
 * Shift_JIS or EUC-JP decodes to a kana (`isKana`) or EUC-KR to a common Hangul syllable. Every
 * kana or syllable those decoders give comes from two adjacent bytes that decode to it on their
 * own, wherever the decoder stands, so "no such pair" proves the reading has none
 * (test/stages/extract/sniff.test.ts checks the pairs against `TextDecoder`):
 *   Shift_JIS kana: 81 5B, 82 9F-F1, 83 40-96;  EUC-JP: A1 BC, A4 A1-F3, A5 A1-F6;
 *   EUC-KR common Hangul: B0-C8 then A1-FE (a superset).
 */
function scanPairs(b: Uint8Array): PairScan {
  const n = b.length;
  let high = 0;
  let sjisKana = false;
  let eucJpKana = false;
  let hangul = false;
  for (let i = 0; i < n; i++) {
    const x = b[i];
    if (x < 0x80) continue;
    high++;
    const y = i + 1 < n ? b[i + 1] : 0;
    if (x <= 0x83) sjisKana ||= (x === 0x81 && y === 0x5b) || (x === 0x82 && y >= 0x9f && y <= 0xf1) || (x === 0x83 && y >= 0x40 && y <= 0x96 && y !== 0x7f);
    else if (x >= 0xa1 && x <= 0xa5) eucJpKana ||= (x === 0xa1 && y === 0xbc) || (x === 0xa4 && y >= 0xa1 && y <= 0xf3) || (x === 0xa5 && y >= 0xa1 && y <= 0xf6);
    else if (x >= 0xb0 && x <= 0xc8) hangul ||= y >= 0xa1 && y <= 0xfe;
  }
  return { high, sjisKana, eucJpKana, hangul };
}

/** The UTF-8 reading of some bytes, counted (`utf8Counts`). */
interface Utf8Counts {
  /** Its ASCII characters, its other code units, and the U+FFFD among those. */
  ascii: number;
  units: number;
  bad: number;
  /** Non-ASCII characters it gets from valid sequences (U+FFFD itself aside). */
  chars: number;
}

/**
 * The UTF-8 reading of some bytes, counted instead of decoded: WHATWG's "UTF-8 decoder" (as
 * `TextDecoder`), looking ahead instead of keeping state: a sequence ends at its first byte out of
 * range, which makes one U+FFFD and is read again. With `atMost`: null as soon as the reading's
 * `scoreBound` (units less 3 per U+FFFD) cannot end above it (what is left of the bytes adds at
 * most one per two bytes).
 */
function utf8Counts(b: Uint8Array, atMost?: number): Utf8Counts | null {
  const n = b.length;
  let ascii = 0;
  let units = 0;
  let bad = 0;
  let chars = 0;
  let i = 0;
  while (i < n) {
    const x = b[i];
    if (x < 0x80) {
      ascii++;
      i++;
      continue;
    }
    units++;
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (x >= 0xc2 && x <= 0xdf) need = 1;
    else if (x >= 0xe0 && x <= 0xef) {
      need = 2;
      if (x === 0xe0) lower = 0xa0;
      else if (x === 0xed) upper = 0x9f;
    } else if (x >= 0xf0 && x <= 0xf4) {
      need = 3;
      if (x === 0xf0) lower = 0x90;
      else if (x === 0xf4) upper = 0x8f;
    } else need = 0;
    let k = 1;
    for (; k <= need; k++) {
      const c = i + k < n ? b[i + k] : -1;
      if (c < lower || c > upper) break;
      lower = 0x80;
      upper = 0xbf;
    }
    if (need === 0 || k <= need) {
      // A byte that starts nothing, or a sequence cut short (the byte that broke it starts afresh).
      bad++;
      i += k;
      if (atMost !== undefined && units - 3 * bad + ((n - i) >> 1) <= atMost) return null;
      continue;
    }
    if (need === 3) units++; // a code point past U+FFFF is two code units
    if (need === 2 && x === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd) bad++; // U+FFFD itself
    else chars++;
    i += need + 1;
  }
  return { ascii, units, bad, chars };
}

/** Both scans, for tests: `scanPairs` and `utf8Counts`, as `utf8Units`, `utf8Bad`, `utf8Chars`. */
export function scanBytes(b: Uint8Array): PairScan & { ascii: number; utf8Units: number; utf8Bad: number; utf8Chars: number } {
  const u = utf8Counts(b) as Utf8Counts;
  return { ...scanPairs(b), ascii: u.ascii, utf8Units: u.units, utf8Bad: u.bad, utf8Chars: u.chars };
}

/** A best reading is decisive, and no later reading is tried, from this score ... */
const DECISIVE_SCORE = 16;
/** ... when at least 3/4 of its non-ASCII characters score (nearly all of it reads as its language). */
const decisive = (score: number, units: number): boolean => score >= DECISIVE_SCORE && score * 4 >= units * 3;

/** The best reading of some bytes: its label, score, text and non-ASCII code units. */
interface Best {
  label: string;
  score: number;
  text: string;
  units: number;
}

/**
 * The best reading of bytes that are not valid UTF-8. A reading must score above 0 to count (one
 * whose `scoreBound` is not above the best so far is not scored); when none does, windows-1252,
 * WHATWG's default. Readings a pass over the bytes rules out are not decoded: UTF-8 and the
 * single-byte ones by their `scoreBound` (`utf8Counts`, `scanPairs`), Shift_JIS and EUC-JP
 * without a kana pair, EUC-KR without a Hangul pair (they cannot score above 0). The search stops
 * at a decisive reading (`decisive`: in bench/charset.ts no later reading ever beat one).
 * `utf8`: the counts of the UTF-8 reading when the caller has them.
 */
function bestReading(sample: Uint8Array, utf8?: Utf8Counts): Best {
  let best = '';
  let bestScore = 0;
  let bestText = '';
  let bestUnits = 0;
  let pairs: PairScan | undefined;
  for (const r of READINGS) {
    if (r.needs === 'single') {
      pairs ??= scanPairs(sample);
      if (pairs.high <= bestScore) continue;
    } else if (r.needs !== undefined) {
      pairs ??= scanPairs(sample);
      if (!pairs[r.needs]) continue;
    } else if (r.label === 'utf-8') {
      const u = utf8 ?? utf8Counts(sample, bestScore);
      if (u === null || u.units - 3 * u.bad <= bestScore) continue;
    }
    const text = decoder(r.label).decode(sample);
    // Every score but the UTF-8 and windows-1252 ones is at most `scoreBound`: no need to check it.
    if (r.label === 'utf-8' && scoreBound(text) <= bestScore) continue;
    scoredUnits = -1;
    const score = r.score(text);
    if (score > bestScore) {
      best = r.label;
      bestScore = score;
      bestText = text;
      bestUnits = scoredUnits >= 0 && r.score !== anyScore ? scoredUnits : nonAscii(text);
      if (decisive(score, bestUnits)) break;
    }
  }
  if (best === '') {
    best = 'windows-1252';
    bestText = decoder(best).decode(sample);
    bestScore = latinScore(bestText);
    bestUnits = nonAscii(bestText);
  }
  return { label: best, score: bestScore, text: bestText, units: bestUnits };
}

/**
 * Whether a reading's score is plain: positive, and at least half its non-ASCII characters (a
 * third for windows-1251, whose words count their letters less two).
 */
const plain = (score: number, units: number, label: string): boolean => score > 0 && score * (label === 'windows-1251' ? 3 : 2) >= units;

/** Decode undeclared bytes: UTF-8 when valid, else the best-scoring reading (READINGS). */
function guess(bytes: Uint8Array): DecodedHtml {
  if (isUtf8(bytes)) return { html: decoder('utf-8').decode(bytes), charset: 'utf-8', from: 'default' };
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  return guessed(bytes, sample, bestReading(sample));
}

/** The page decoded by its best reading (`bestReading` of its sample). */
function guessed(bytes: Uint8Array, sample: Uint8Array, b: Best): DecodedHtml {
  const html = sample.length === bytes.length ? b.text : decoder(b.label).decode(bytes);
  const d: DecodedHtml = { html, charset: decoder(b.label).encoding, from: b.label === 'utf-8' ? 'default' : 'sniffed' };
  if (!plain(b.score, b.units, b.label)) d.guess = 'low';
  return d;
}

/**
 * A page declared UTF-8 whose bytes are not. When at most a quarter of its UTF-8 reading's
 * non-ASCII characters are U+FFFD (a UTF-8 page with a few stray bytes): undefined, and the page
 * is read as the UTF-8 it says it is. Else its best other reading (the scored guess) when that
 * reading is plain text of its language (a score of at least 4 and of half its non-ASCII
 * characters). Below that bar:
 * - when the UTF-8 reading keeps no character of the bytes (every non-ASCII byte is U+FFFD there:
 *   `Caf\xe9`, a few Shift_JIS kana) and the best reading is plain, that reading, marked
 *   `guess: 'low'` (review-hostile3 N9: it was UTF-8's U+FFFD, unmarked); nothing the label
 *   could be right about is lost;
 * - else `low`: the page stays UTF-8 (U+FFFD for the invalid bytes), marked `guess: 'low'`; so
 *   also when no reading is plain (a Greek windows-1253 page under a UTF-8 label), or when the
 *   UTF-8 reading, U+FFFD and all, is still the best.
 */
function legacyOverUtf8(bytes: Uint8Array): DecodedHtml | 'low' | undefined {
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  const u = utf8Counts(sample) as Utf8Counts;
  if (u.bad * 4 < u.units) return undefined;
  const b = bestReading(sample, u);
  const g = guessed(bytes, sample, b);
  if (g.charset === 'utf-8' || g.guess === 'low') return 'low';
  // Judged on as many characters as the UTF-8 reading has (a double-byte reading is shorter).
  const length = u.ascii + u.units;
  const text = g.html.length > length ? g.html.slice(0, length) : g.html;
  const score = text === b.text ? b.score : (READINGS.find((x) => x.label === b.label) as Reading).score(text);
  if (score >= 4 && plain(score, text === b.text ? b.units : nonAscii(text), b.label)) return g;
  return u.chars === 0 ? { ...g, guess: 'low' } : 'low';
}

/**
 * The charset that bytes which are not valid UTF-8 read plainly in (`gb18030`, `big5`,
 * `shift_jis`, `euc-kr`, `windows-1252`, ...), judged as a page declared UTF-8 is
 * (`legacyOverUtf8`); undefined when no reading is plain, when the guess is low, or when the
 * bytes are UTF-8 with a few stray bytes. For the readers' `invalid_utf8` rejects: a GBK file
 * read as UTF-8 is said to be GBK, with the command that converts it.
 */
export function charsetOfNonUtf8(bytes: Uint8Array): string | undefined {
  if (isUtf8(bytes)) return undefined;
  const g = legacyOverUtf8(bytes);
  return typeof g === 'object' && g.guess === undefined ? g.charset : undefined;
}
