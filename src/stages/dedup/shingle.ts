/**
 * Step 1 of MinHash: text → shingle hashes.
 *
 * The text is read once, code unit by code unit, lower-cased through a 64 K table as
 * `toLowerCase` would (no lower-cased copy of every text; one with İ, Σ or a cased astral letter
 * is lowered whole first) and classified through a 64 K class table (no per-record regex). Letters, digits and marks form words; digits hash
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

import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { tableChecksum } from '../../core/tableChecksum.js';
import { CHAR_CLASS, charTableKey, DIGIT as Q_DIGIT, LETTER as Q_LETTER, MARK as Q_MARK } from '../quality/chars.js';

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

/**
 * Classes from the quality analyser's table (built once by `npm run build`, 64 KiB read at
 * start): `N` is a digit, `L` and `M` a word character. 65,536 regex tests here took ~20-30 ms
 * of every start of a short command (the datatrove slice's MinHash run: ~1 s in all).
 */
function buildClasses(): Uint8Array {
  const t = new Uint8Array(65536);
  const q = CHAR_CLASS;
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
    else if ((q[c] & Q_DIGIT) !== 0) t[c] = DIGIT;
    else if ((q[c] & (Q_LETTER | Q_MARK)) !== 0) t[c] = WORD;
  }
  return t;
}

/** `lowerTable()[c]` for a code unit whose lower case is not one unit of its own, whatever surrounds it. */
export const NOT_SIMPLE = 0xffff;

/**
 * The lower case of each code unit, as `toLowerCase` gives it inside any text, or NOT_SIMPLE for
 * the few it does not give one unit for, on their own: U+0130 (İ → i + U+0307), U+03A3 (Σ: σ or
 * final ς by context), U+FFFF (the sentinel itself), and the high surrogates of the astral
 * scripts with case (Deseret, Osage, Vithkuqi, Old Hungarian, Warang Citi, Medefaidrin, Adlam;
 * a test checks every astral character). Other high and low surrogates map to themselves: the
 * pair is lower case already.
 */
function buildLower(): Uint16Array {
  // Every BMP unit once, in order, surrogates and the two context cases as spaces: one
  // toLowerCase of it gives every other unit's lower case at its own place.
  const units = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) units[c] = (c >= 0xd800 && c <= 0xdfff) || c === 0x0130 || c === 0x03a3 ? 0x20 : c;
  const lower = Buffer.from(Buffer.from(units.buffer).toString('utf16le').toLowerCase(), 'utf16le');
  if (lower.length !== 2 * 65536) throw new Error('shingle: the lower-case table is not one unit per unit');
  const t = new Uint16Array(65536);
  new Uint8Array(t.buffer).set(lower);
  for (let c = 0xd800; c <= 0xdfff; c++) t[c] = c;
  for (const c of [0x0130, 0x03a3, 0xffff, ...CASED_ASTRAL_LEADS]) t[c] = NOT_SIMPLE;
  return t;
}

/** High surrogates of the astral blocks with lower-case mappings (U+10400-U+104FF, U+10570-U+105BF, U+10C80-U+10CFF, U+118A0-U+118FF, U+16E40-U+16E9F, U+1E900-U+1E95F). */
export const CASED_ASTRAL_LEADS: readonly number[] = [0xd801, 0xd803, 0xd806, 0xd81b, 0xd83a];

let classes: Uint8Array | undefined;
let lowers: Uint16Array | undefined;
/** Character classes of all UTF-16 code units, built when first asked for (exported for its test). */
export const classTable = (): Uint8Array => (classes ??= buildClasses());
/** Lower case of all UTF-16 code units (see buildLower), built when first asked for (exported for its test). */
export const lowerTable = (): Uint16Array => (lowers ??= buildLower());
/**
 * What the shingle loop reads for each code unit: one table lookup gives both the class and the
 * value hashed (so the loop makes one load per unit where the class and lower-case tables took
 * two, dependent ones). A unit of a word is its value alone (below 0x10000: the lower case, `0`
 * for a digit with `normNumbers`); any other unit is `Unit.*` << 16 | the unit. A const enum: compiled to number literals,
 * so the loops read no module binding (see tokenize).
 */
const enum Unit {
  SEP = 1,
  CJK = 2,
  HIGH = 3,
  CJK_HIGH = 4,
  LOW = 5,
  /** The unit has no lower case of its own (NOT_SIMPLE): the text is lowered whole first. */
  WHOLE = 6,
}

/** The unit table for `lowering` (map through lowerTable first) and `normNumbers` (digits as `0`). */
export function buildUnits(lowering: boolean, normNumbers: boolean): Int32Array {
  const lower = lowerTable();
  const cls = classTable();
  const t = new Int32Array(65536);
  for (let u = 0; u < 65536; u++) {
    const c = lowering ? lower[u] : u;
    if (lowering && c === NOT_SIMPLE) {
      t[u] = (Unit.WHOLE << 16) | u;
      continue;
    }
    const k = cls[c];
    if (k === WORD || (k === DIGIT && !normNumbers)) t[u] = c;
    else if (k === DIGIT) t[u] = 48;
    else t[u] = ((k === CJK ? Unit.CJK : k === HIGH ? Unit.HIGH : k === CJK_HIGH ? Unit.CJK_HIGH : k === LOW ? Unit.LOW : Unit.SEP) << 16) | c;
  }
  return t;
}

/**
 * The version of the shingle tables' making: raise it when `buildClasses`, `buildLower`,
 * `buildUnits`, CASED_ASTRAL_LEADS or the unit classes (Unit, which tokenize decodes) change.
 * `npm run build` writes the tables again at every build; test/stages/dedup/shingle.test.ts fails
 * when the built file differs from what the sources make. (The key hashed the functions' source
 * text until the bundled CLI: esbuild reprints it, and the bundle then built the tables at every start.)
 */
export const UNIT_TABLE_VERSION = 1;

/**
 * What the default unit table depends on: the quality analyser's table (its key names this Node's
 * ICU and Unicode versions) and the version of the code that builds the shingle tables.
 */
export function unitTableKey(): string {
  return `corpus-clean shingle units v${UNIT_TABLE_VERSION}; ${charTableKey()}`;
}

/** Bytes of the built file's header: the key and the tables' checksum, padded with spaces. */
const UNIT_TABLE_HEADER = 256;

/** The built file's header text for `tables` under `key`. */
const unitTableHead = (tables: readonly Int32Array[], key: string): string => `${key}; tables ${tableChecksum(tables)}`;

/**
 * The built file's bytes for the default unit tables `tables` (for a text as given and for one
 * lowered whole, digits as `0`): the header, then 4 bytes per code unit of each.
 */
export function unitTableFile(tables: readonly Int32Array[], key = unitTableKey()): Buffer {
  const head = Buffer.alloc(UNIT_TABLE_HEADER, 0x20);
  head.write(unitTableHead(tables, key), 'latin1');
  return Buffer.concat([head, ...tables.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))]);
}

/**
 * The two tables in a built file's bytes when its key is `key`, its size is right and its
 * contents match the checksum in its header, else undefined.
 */
export function unitTableOf(file: Buffer, key = unitTableKey()): [Int32Array, Int32Array] | undefined {
  if (file.length !== UNIT_TABLE_HEADER + 2 * 4 * 65536) return undefined;
  const head = file.toString('latin1', 0, UNIT_TABLE_HEADER).trimEnd();
  if (!head.startsWith(`${key}; tables `)) return undefined;
  // copies, aligned (the file's bytes may sit at any offset of a pooled buffer)
  const at = file.byteOffset + UNIT_TABLE_HEADER;
  const tables: [Int32Array, Int32Array] = [new Int32Array(file.buffer.slice(at, at + 4 * 65536)), new Int32Array(file.buffer.slice(at + 4 * 65536, at + 8 * 65536))];
  return head === unitTableHead(tables, key) ? tables : undefined;
}

/** The default unit tables for `unitTableFile`: for a text as given and for one lowered whole. */
export const defaultUnitTables = (): Int32Array[] => [buildUnits(true, true), buildUnits(false, true)];

/**
 * The default unit tables (digits as `0`) as `npm run build` wrote them
 * (dist/stages/dedup/shingle-units.bin, by scripts/char-classes.mjs), when the key matches this
 * process; else undefined. Building one here takes the class and lower-case tables and passes
 * over the 65,536 code units, ~10-20 ms of the start of every `dedup` process (most of it in
 * V8's interpreter: the loops run once; the warm-up asks for both tables).
 */
function builtUnits(): [Int32Array, Int32Array] | undefined {
  try {
    return unitTableOf(readFileSync(new URL('./shingle-units.bin', import.meta.url)));
  } catch {
    return undefined; // not built (run from the sources): made here
  }
}

/** The unit tables, each made when first asked for: [lowering][normNumbers]. */
const unitTables: (Int32Array | undefined)[] = [];
let fileRead = false;
function unitTable(lowering: boolean, normNumbers: boolean): Int32Array {
  const i = (lowering ? 2 : 0) + (normNumbers ? 1 : 0);
  if (unitTables[i] === undefined && normNumbers && !fileRead) {
    fileRead = true;
    const built = builtUnits();
    if (built !== undefined) [unitTables[3], unitTables[1]] = built;
  }
  return (unitTables[i] ??= buildUnits(lowering, normNumbers));
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
  /** Unit tables (buildUnits) for a text as given, and for one lowered whole (made when first needed). */
  private readonly lowering: Int32Array;
  private lowered: Int32Array | undefined;
  private readonly normNumbers: boolean;

  constructor(opts: ShingleOptions) {
    this.ngram = opts.ngram;
    this.charNgram = opts.charNgram;
    this.normNumbers = opts.normNumbers !== false;
    this.lowering = unitTable(true, this.normNumbers);
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
    // Lower case unit by unit (the lowering table), as toLowerCase gives it, without making a
    // lower-cased copy of every text; a text with a unit whose lower case needs its context is
    // lowered whole.
    const n = this.tokenize(text, this.lowering);
    if (n >= 0) return this.fromTokens(n, text, true);
    const lower = text.toLowerCase();
    this.lowered ??= unitTable(false, this.normNumbers);
    return this.fromTokens(this.tokenize(lower, this.lowered), lower, false);
  }

  /**
   * Hash the tokens of `s` into `tokens` through the unit table `units`; returns their count, or
   * -1 at a unit that asks for the text to be lowered whole (Unit.WHOLE, only in the lowering table).
   *
   * The loop reads no module binding and makes no call per unit, so that V8's on-stack-replaced
   * code (what a long record runs in: it is compiled without the module's constants folded in)
   * is as lean as the regular one: units are read with `String.prototype.charCodeAt.call` (a
   * global, constant in any compile; `s.charCodeAt` went megamorphic on texts of many string
   * kinds, and a module-level copy of the function was called generically at every unit in
   * on-stack code), the unit classes are a const enum (literals), and a word's units after its
   * first run in a loop of their own (one branch per unit, one misprediction per word).
   */
  private tokenize(s: string, units: Int32Array): number {
    const len = s.length;
    let tokens = this.tokens;
    if (tokens.length < len + 1) tokens = this.tokens = new Int32Array(Math.max(len + 1, tokens.length * 2));
    let nt = 0;
    let ncjk = 0;
    let h = 0;
    let inWord = false;
    for (let i = 0; i < len; i++) {
      let e = units[String.prototype.charCodeAt.call(s, i)];
      if (e < 0x10000) {
        // a unit of a word (most units): FNV-1a of the word's values
        if (!inWord) {
          inWord = true;
          h = 0x811c9dc5;
        }
        h = Math.imul(h ^ e, 0x01000193);
        while (++i < len && (e = units[String.prototype.charCodeAt.call(s, i)]) < 0x10000) h = Math.imul(h ^ e, 0x01000193);
        if (i === len) break;
        // e: the unit at i, not a word's
      }
      let k = e >>> 16;
      if (k === Unit.HIGH || k === Unit.CJK_HIGH) {
        // A surrogate is its own lower case in the lowering table (no cased astral lead gets here).
        const d = i + 1 < len ? String.prototype.charCodeAt.call(s, i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          const c = (((e & 0xffff) - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
          if (k === Unit.HIGH) {
            // a supplementary-plane character of a word
            if (!inWord) {
              inWord = true;
              h = 0x811c9dc5;
            }
            h = Math.imul(h ^ c, 0x01000193);
            continue;
          }
          if (inWord) {
            tokens[nt++] = fmix32(h);
            inWord = false;
          }
          tokens[nt++] = fmix32(Math.imul(c, 0x9e3779b1) ^ 0x5bd1e995);
          ncjk++;
          continue;
        }
        k = Unit.SEP;
      } else if (k === Unit.WHOLE) return -1;
      if (inWord) {
        tokens[nt++] = fmix32(h);
        inWord = false;
      }
      if (k === Unit.CJK) {
        tokens[nt++] = fmix32(Math.imul(e & 0xffff, 0x9e3779b1) ^ 0x5bd1e995);
        ncjk++;
      }
    }
    if (inWord) tokens[nt++] = fmix32(h);
    this.lastTokens = nt;
    this.lastCjkTokens = ncjk;
    return nt;
  }

  /** The shingles of the `nt` tokens `tokenize` left of `s` (`lowering`: `s` not lowered yet). */
  private fromTokens(nt: number, s: string, lowering: boolean): Int32Array {
    const tokens = this.tokens;
    if (nt === 0) return this.symbolShingle(lowering ? s.toLowerCase() : s);
    const n = Math.min(this.lastCjkTokens * 2 > nt ? this.charNgram : this.ngram, nt);
    const count = nt - n + 1;
    let out = this.shingles;
    if (out.length < count) out = this.shingles = new Int32Array(Math.max(count, out.length * 2));
    // Four shingles at a time: each hash is a chain of n dependent multiplies, and four
    // independent chains keep the multiplier busy (the loop below, written out once more for
    // the last 0-3, is the same hash).
    let i = 0;
    for (; i + 3 < count; i += 4) {
      let x0 = n;
      let x1 = n;
      let x2 = n;
      let x3 = n;
      for (let j = 0; j < n; j++) {
        x0 = Math.imul((x0 << 5) | (x0 >>> 27), 0x9e3779b1) ^ tokens[i + j];
        x1 = Math.imul((x1 << 5) | (x1 >>> 27), 0x9e3779b1) ^ tokens[i + 1 + j];
        x2 = Math.imul((x2 << 5) | (x2 >>> 27), 0x9e3779b1) ^ tokens[i + 2 + j];
        x3 = Math.imul((x3 << 5) | (x3 >>> 27), 0x9e3779b1) ^ tokens[i + 3 + j];
      }
      out[i] = fmix32(x0);
      out[i + 1] = fmix32(x1);
      out[i + 2] = fmix32(x2);
      out[i + 3] = fmix32(x3);
    }
    for (; i < count; i++) {
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
      const c = String.prototype.charCodeAt.call(s, i);
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
