/**
 * The character set of an HTML document: a byte-order mark first, then the HTTP `Content-Type`
 * header, then a `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 4 KiB
 * (the order of the WHATWG encoding sniffing algorithm). Labels are resolved by `TextDecoder`,
 * so `gb2312` decodes as GBK and `big5-hkscs` as Big5, as browsers do.
 *
 * Two departures from a browser, both for mislabelled and unlabelled Chinese pages:
 * - A declared charset other than UTF-8/UTF-16 loses to UTF-8 when the bytes are valid UTF-8 and
 *   hold a multibyte sequence, unless they are short (under 8 multibyte sequences) and read
 *   better in the declared charset by the score below: real GBK or Big5 text is almost never
 *   valid UTF-8 (none of 20,000 GBK windows of 6+ Chinese characters were), while UTF-8 pages
 *   that say `gbk` or `gb2312` are common in Chinese crawls. `declared` then names the charset
 *   that was overruled.
 * - The reverse mislabel: a page declared UTF-8 whose bytes are mostly invalid UTF-8 and read
 *   plainly as Chinese in GB18030 or Big5 (the guess below) is read so (`legacyOverUtf8`), again
 *   with `declared: 'utf-8'`.
 * - With no declaration, UTF-8 if the bytes are valid UTF-8; else the best-scoring reading
 *   among UTF-8 with U+FFFD for its invalid bytes, GB18030 (a superset of GBK and GB2312, the
 *   usual undeclared charset of Chinese crawls) and Big5 (ties in that order). GB18030 and
 *   Big5 both accept most byte pairs, so a decoding without errors proves nothing: the score
 *   counts the characters that are among the 800 most frequent of Simplified or Traditional
 *   Chinese (hanFrequency.ts, made by scripts/han-frequency.mjs) and takes off kana, bopomofo,
 *   box drawing, private-use, compatibility and Extension A characters and U+FFFD, which the
 *   wrong one of the two produces (Big5 read as GBK: `硂琌⊿Τ絪絏羉砰いゅ`). `from: 'sniffed'`.
 */
import { isUtf8 } from 'node:buffer';
import { COMMON_SIMPLIFIED, COMMON_TRADITIONAL } from './hanFrequency.js';

// `\s*(?:["']\s*)?` rather than `\s*["']?\s*`: two runs of spaces with nothing required between
// them split a run of tabs every possible way, quadratic on a hostile header (issue #10).
const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*(?:["']\s*)?([A-Za-z0-9._:-]+)/i;
const HEADER_CHARSET = /;\s*charset\s*=\s*(?:["']\s*)?([A-Za-z0-9._:-]+)/i;

/** The `charset` parameter of a `Content-Type` value, or undefined. */
export function charsetOfContentType(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  return HEADER_CHARSET.exec(contentType)?.[1];
}

/**
 * Decoders by label, made once: a `TextDecoder` costs more to build than to decode a small page
 * with, and a non-streaming `decode` keeps no state between calls. `null`: a label it does not know.
 */
const decoders = new Map<string, InstanceType<typeof TextDecoder> | null>();

/** A (non-fatal) decoder for a label, or undefined when `TextDecoder` does not know it. */
function decoderFor(label: string): InstanceType<typeof TextDecoder> | undefined {
  const key = label.toLowerCase();
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key);
    } catch {
      d = null;
    }
    // Labels come from pages: keep the map from growing without bound on made-up ones.
    if (decoders.size < 256) decoders.set(key, d);
  }
  return d ?? undefined;
}

/** The decoder of a label known to exist (`utf-8`, `gb18030`, `big5`, a decoder's `encoding`). */
const decoder = (label: string): InstanceType<typeof TextDecoder> => decoderFor(label) as InstanceType<typeof TextDecoder>;

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
    if (legacy !== undefined) return { ...legacy, declared: 'utf-8' };
  }
  if (d.encoding !== 'utf-8' && !d.encoding.startsWith('utf-16') && utf8Overrules(bytes, d.encoding)) {
    return { html: decoder('utf-8').decode(bytes), charset: 'utf-8', from: 'sniffed', declared: d.encoding };
  }
  return { html: d.decode(bytes), charset: d.encoding, from };
}

/**
 * The record field that shows a declaration overruled: `{charset_declared: 'gbk'}` beside
 * `charset: 'utf-8'` (or `utf-8` beside `gb18030`), or nothing when the declared charset was used (or none was declared).
 */
export function declaredOf(d: DecodedHtml): { charset_declared?: string } {
  return d.declared === undefined ? {} : { charset_declared: d.declared };
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
  return hanScore(decoder('utf-8').decode(sample)) >= hanScore(decoder(encoding).decode(sample));
}

/** Common Han characters (either list), one flag per BMP code point. */
let common: Uint8Array | undefined;
function commonHan(): Uint8Array {
  if (common === undefined) {
    common = new Uint8Array(0x10000);
    for (const list of [COMMON_SIMPLIFIED, COMMON_TRADITIONAL]) for (let i = 0; i < list.length; i++) common[list.charCodeAt(i)] = 1;
  }
  return common;
}

/**
 * How much a decoding reads like Chinese: +1 for each character among the most frequent of
 * Simplified or Traditional Chinese, -1 for each kana, bopomofo, box-drawing, private-use,
 * CJK-compatibility or Extension A character, -2 for each U+FFFD; other characters count 0.
 */
export function hanScore(s: string): number {
  const c = commonHan();
  let score = 0;
  for (let i = 0; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x < 0x80) continue;
    if (c[x] === 1) score++;
    else if (x === 0xfffd) score -= 2;
    else if (
      (x >= 0x3040 && x <= 0x312f) || // kana, bopomofo
      (x >= 0x2500 && x <= 0x257f) || // box drawing
      (x >= 0xe000 && x <= 0xf8ff) || // private use (GBK's user-defined rows)
      (x >= 0xf900 && x <= 0xfaff) || // CJK compatibility ideographs
      (x >= 0x3400 && x <= 0x4dbf) || // CJK Extension A
      (x >= 0xff61 && x <= 0xff9f) // half-width katakana
    ) score--;
  }
  return score;
}

/** The readings tried for a page that declares nothing and is not valid UTF-8, ties in this order. */
const GUESSES = ['utf-8', 'gb18030', 'big5'];

/** Decode undeclared bytes: UTF-8 when valid, else the best-scoring reading of GUESSES. */
function guess(bytes: Uint8Array): DecodedHtml {
  if (isUtf8(bytes)) return { html: decoder('utf-8').decode(bytes), charset: 'utf-8', from: 'default' };
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  let best = '';
  let bestScore = -Infinity;
  let bestText = '';
  for (const label of GUESSES) {
    const text = decoder(label).decode(sample);
    const score = hanScore(text);
    if (score > bestScore) {
      best = label;
      bestScore = score;
      bestText = text;
    }
  }
  const html = sample.length === bytes.length ? bestText : decoder(best).decode(bytes);
  return { html, charset: best, from: best === 'utf-8' ? 'default' : 'sniffed' };
}

/**
 * A page declared UTF-8 whose bytes are not: its GB18030 or Big5 reading (the scored guess) when
 * at least a quarter of its UTF-8 reading's non-ASCII characters are U+FFFD and that reading is
 * plainly Chinese (a score of at least 4 and of half its non-ASCII characters); else undefined,
 * and the page is read as the UTF-8 it says it is. A UTF-8 page with a few stray bytes, or a
 * Latin-1 page under a UTF-8 label, stays UTF-8.
 */
function legacyOverUtf8(bytes: Uint8Array): DecodedHtml | undefined {
  const u = decoder('utf-8').decode(bytes.subarray(0, SAMPLE_BYTES));
  let high = 0;
  let bad = 0;
  for (let i = 0; i < u.length; i++) {
    const x = u.charCodeAt(i);
    if (x >= 0x80) high++;
    if (x === 0xfffd) bad++;
  }
  if (bad * 4 < high) return undefined;
  const g = guess(bytes);
  if (g.charset === 'utf-8') return undefined;
  const text = g.html.length > u.length ? g.html.slice(0, u.length) : g.html;
  let chars = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) chars++;
  const score = hanScore(text);
  return score >= 4 && score * 2 >= chars ? g : undefined;
}
