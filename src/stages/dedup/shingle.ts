/**
 * Step 1 of MinHash: text → shingle hashes.
 *
 * The text is lowercased and read once, code unit by code unit, through a 64 K class table
 * built at load time (no per-record regex). Letters, digits and marks form words; digits hash
 * as `0` (datatrove's `norm_numbers`; `normNumbers: false` keeps them, as Data-Juicer does);
 * punctuation, symbols and spaces separate words and are dropped (datatrove's
 * `remove_punctuation`). Each Han, Kana or CJK-extension character is a
 * token of its own. A document whose tokens are mostly such characters is shingled with
 * character n-grams (`charNgram`), any other with word n-grams (`ngram`); in mixed text a Latin
 * word inside Chinese counts as one token of the character stream, and the other way round.
 *
 * Every token is hashed once to 32 bits, and every shingle is a 32-bit hash of its tokens'
 * hashes, so a shingle costs `n` multiplications whatever its length in characters.
 */

/** Separator: space, punctuation, symbol, control. */
const SEP = 0;
/** Part of a word (letter, mark, Hangul). */
const WORD = 1;
/** Digit: part of a word, hashed as `0`. */
const DIGIT = 2;
/** A Han or Kana character: a token of its own. */
const CJK = 3;
/** High surrogate of a supplementary-plane Han character (CJK Extension B and later). */
const CJK_HIGH = 4;
/** Any other high surrogate: the pair is part of a word. */
const HIGH = 5;
/** Low surrogate: consumed with its high surrogate. */
const LOW = 6;

function buildClasses(): Uint8Array {
  const t = new Uint8Array(65536);
  const word = /[\p{L}\p{M}]/u;
  const digit = /\p{N}/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdbff) t[c] = c >= 0xd840 && c <= 0xd87f ? CJK_HIGH : HIGH;
    else if (c >= 0xdc00 && c <= 0xdfff) t[c] = LOW;
    else if (
      (c >= 0x4e00 && c <= 0x9fff) || // CJK Unified Ideographs
      (c >= 0x3400 && c <= 0x4dbf) || // Extension A
      (c >= 0xf900 && c <= 0xfaff) || // Compatibility Ideographs
      (c >= 0x3040 && c <= 0x30ff) || // Hiragana, Katakana
      (c >= 0x31f0 && c <= 0x31ff) || // Katakana extensions
      c === 0x3005 || c === 0x3007 // 々 〇
    ) t[c] = CJK;
    else {
      const s = String.fromCharCode(c);
      if (digit.test(s)) t[c] = DIGIT;
      else if (word.test(s)) t[c] = WORD;
    }
  }
  return t;
}

/** Character classes of all UTF-16 code units, built once. */
const CLASS: Uint8Array = buildClasses();
/** The same with digits as word characters (`normNumbers: false`), made when first asked for. */
let keepDigits: Uint8Array | undefined;
function classesKeepingDigits(): Uint8Array {
  if (keepDigits === undefined) {
    keepDigits = Uint8Array.from(CLASS);
    for (let c = 0; c < keepDigits.length; c++) if (keepDigits[c] === DIGIT) keepDigits[c] = WORD;
  }
  return keepDigits;
}

/** MurmurHash3's 32-bit finaliser: a cheap, well-mixing bijection. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** What shingling needs to know. */
export interface ShingleOptions {
  /** Word n-gram width for space-separated scripts. */
  ngram: number;
  /** Character n-gram width for Han/Kana text. */
  charNgram: number;
  /** Digits hash as `0` (default true); false hashes each digit as itself. */
  normNumbers?: boolean;
}

/**
 * A reusable shingler: `shingle(text)` returns the shingle hashes of `text` in a buffer that is
 * overwritten by the next call (copy it if you keep it). Not safe to share between concurrent
 * callers; make one per stage.
 */
export class Shingler {
  private tokens = new Int32Array(1024);
  private shingles = new Int32Array(1024);
  private readonly ngram: number;
  private readonly charNgram: number;
  private readonly classes: Uint8Array;

  constructor(opts: ShingleOptions) {
    this.ngram = opts.ngram;
    this.charNgram = opts.charNgram;
    this.classes = opts.normNumbers === false ? classesKeepingDigits() : CLASS;
  }

  /** Token count and CJK token count of the last `shingle` call (for stats and tests). */
  lastTokens = 0;
  lastCjkTokens = 0;

  /**
   * Shingle hashes of `text` (a view into an internal buffer). A text with fewer tokens than
   * the n-gram width gives one shingle of all its tokens; a text with no word or CJK character
   * at all ("……", "￥", "- -") one shingle of its characters (`symbolShingle`). Empty only for
   * an empty or all-space text.
   */
  shingle(text: string): Int32Array {
    const s = text.toLowerCase();
    const len = s.length;
    let tokens = this.tokens;
    if (tokens.length < len + 1) tokens = this.tokens = new Int32Array(Math.max(len + 1, tokens.length * 2));
    let nt = 0;
    let ncjk = 0;
    let h = 0;
    let inWord = false;
    const classes = this.classes;
    for (let i = 0; i < len; i++) {
      let c = s.charCodeAt(i);
      let k = classes[c];
      if (k === HIGH || k === CJK_HIGH) {
        const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
          k = k === CJK_HIGH ? CJK : WORD;
        } else k = SEP;
      } else if (k === LOW) k = SEP;
      if (k === WORD || k === DIGIT) {
        if (!inWord) {
          inWord = true;
          h = 0x811c9dc5;
        }
        h = Math.imul(h ^ (k === DIGIT ? 48 : c), 0x01000193);
      } else {
        if (inWord) {
          tokens[nt++] = fmix32(h);
          inWord = false;
        }
        if (k === CJK) {
          tokens[nt++] = fmix32(Math.imul(c, 0x9e3779b1) ^ 0x5bd1e995);
          ncjk++;
        }
      }
    }
    if (inWord) tokens[nt++] = fmix32(h);
    this.lastTokens = nt;
    this.lastCjkTokens = ncjk;
    if (nt === 0) return this.symbolShingle(s);
    const n = Math.min(ncjk * 2 > nt ? this.charNgram : this.ngram, nt);
    const count = nt - n + 1;
    let out = this.shingles;
    if (out.length < count) out = this.shingles = new Int32Array(Math.max(count, out.length * 2));
    for (let i = 0; i < count; i++) {
      let x = n;
      for (let j = 0; j < n; j++) x = Math.imul((x << 5) | (x >>> 27), 0x9e3779b1) ^ tokens[i + j];
      out[i] = fmix32(x);
    }
    return out.subarray(0, count);
  }

  /**
   * The one shingle of a text without any word: a hash of its characters, runs of white space
   * read as one space and left out at the ends. Exact copies of such texts ("……" posted again
   * and again) get the same signature and are duplicates (similarity 1); they used to have no
   * shingle, so MinHash kept every copy. A different symbol text is another shingle (similarity 0).
   */
  private symbolShingle(s: string): Int32Array {
    let x = 0x2f3a5b7d;
    let n = 0;
    let space = false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c <= 32 || c === 0x3000 || c === 0xa0 || c === 0x2028 || c === 0x2029) {
        space = n > 0;
        continue;
      }
      if (space) x = Math.imul(x ^ 32, 0x01000193);
      space = false;
      x = Math.imul(x ^ c, 0x01000193);
      n++;
    }
    if (n === 0) return this.shingles.subarray(0, 0);
    this.shingles[0] = fmix32(x ^ n);
    return this.shingles.subarray(0, 1);
  }
}
