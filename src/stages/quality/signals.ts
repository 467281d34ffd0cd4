import type { C4Lines, C4Result } from './c4.js';
import { KeyCounter } from './hashtable.js';
import type { TextProfile } from './profile.js';
import * as prof from './profile.js';

const TOK_ALPHA = prof.TOK_ALPHA;
const TOK_CJK = prof.TOK_CJK;
const TOK_WORD = prof.TOK_WORD;
const hashRange = prof.hashRange;

/** How a rule set computes its signals (the `signals:` section of a rule-set YAML). */
export interface SignalConfig {
  /** Stop words; each must be one token (a word, or one CJK character). Matched case-sensitively, as datatrove. */
  stopWords: readonly string[];
  /** Sizes n of the "top n-gram character fraction" signals (Gopher: 2, 3, 4). */
  topNgrams: readonly number[];
  /** Sizes n of the "duplicated n-gram character fraction" signals (Gopher: 5 to 10). */
  dupNgrams: readonly number[];
  /** Count one separator character between the tokens of a top n-gram (datatrove joins words with a space). */
  ngramSeparator: boolean;
  /** Characters that end a line for `line_punct_ratio` (FineWeb `TERMINAL_PUNCTUATION`). */
  terminalPunctuation: string;
  /** A line of at most this many characters is short (FineWeb: 30). */
  shortLineLength: number;
  /**
   * Marks that end a sentence wherever they stand (`。！？` for Chinese, none for English): a line
   * holding one counts for `sentence_line_ratio` even when it does not end in punctuation.
   */
  sentenceMarks: string;
}

// Signals every rule set computes, in the order they are written to attrs.quality; then come the
// top and duplicate n-gram fractions, the FineWeb line signals and the C4 signals.
const BASE_NAMES = [
  'length', 'chars', 'cjk_chars', 'cjk_ratio', 'letter_ratio', 'digit_ratio', 'punct_ratio', 'control_chars', 'pinyin_brackets', 'pinyin_bracket_ratio',
  'tokens', 'words', 'mean_word_length', 'cjk_word_ratio', 'hash_ratio', 'ellipsis_ratio', 'alpha_words_ratio', 'stop_words',
  'lines', 'bullet_lines_ratio', 'end_ellipsis_lines_ratio',
  'paragraphs', 'dup_para_frac', 'dup_para_char_frac', 'dup_line_frac', 'dup_line_char_frac',
] as const;
const LINE_NAMES = ['line_punct_ratio', 'sentence_line_ratio', 'short_line_ratio', 'code_line_ratio', 'char_dup_ratio', 'list_ratio'] as const;
const C4_NAMES = ['c4_lines', 'c4_lines_removed', 'c4_sentences', 'c4_lorem_ipsum', 'c4_curly_bracket'] as const;
const LENGTH = 0;
const CHARS = 1;
const CJK_CHARS = 2;
const CJK_RATIO = 3;
const LETTER_RATIO = 4;
const DIGIT_RATIO = 5;
const PUNCT_RATIO = 6;
const CONTROL_CHARS = 7;
const PINYIN_BRACKETS = 8;
const PINYIN_BRACKET_RATIO = 9;
const TOKENS = 10;
const WORDS = 11;
const MEAN_WORD_LENGTH = 12;
const CJK_WORD_RATIO = 13;
const HASH_RATIO = 14;
const ELLIPSIS_RATIO = 15;
const ALPHA_WORDS_RATIO = 16;
const STOP_WORDS = 17;
const LINES = 18;
const BULLET_LINES_RATIO = 19;
const END_ELLIPSIS_LINES_RATIO = 20;
const PARAGRAPHS = 21;
const DUP_PARA_FRAC = 22;
const DUP_PARA_CHAR_FRAC = 23;
const DUP_LINE_FRAC = 24;
const DUP_LINE_CHAR_FRAC = 25;

/** All signals of one document, by name (written to `doc.attrs.quality`). */
export type Signals = Record<string, number>;

const counter = new KeyCounter(1 << 14);
let prefixLen = new Int32Array(0);
let prefixA = new Int32Array(0);
/**
 * The n-gram candidates: token positions where the n-gram of the current size may repeat, in
 * ascending order (`live` of them). Every pass after the first full one visits only these.
 */
let cand = new Int32Array(0);
/**
 * `markRepeated`'s table: two bits per n-gram hash slot side by side ("seen once", "seen twice"),
 * so a slot's state is one read of one word (two separate bit sets missed the cache twice per
 * n-gram on long books).
 */
let seen = new Int32Array(0);
/** `markRepeatedWithin`'s slot of each candidate, from its first pass to its second. */
let slots = new Int32Array(0);
let prefixB = new Int32Array(0);
/** `topNgram` partitions its candidates from this many on, into partitions of about `PARTITION_SIZE`. */
const PARTITION_MIN = 1 << 12;
const PARTITION_SIZE = 1 << 11;
/**
 * The threshold `topNgram` uses: `PARTITION_MIN`, lowered only while `runPartitioned` runs the
 * warm-up texts (both paths give the same count: partitioning only orders the work).
 */
let partitionMin = PARTITION_MIN;
/** `PARTITION_SIZE`, lowered with `partitionMin` (the partition count's loop runs then too). */
let partitionSize = PARTITION_SIZE;
/** Partition starts: at most 2^8 partitions (`topNgramPartitioned`), sized once so that no record grows it. */
const partStart = new Int32Array((1 << 8) + 1);
let partBuf = new Int32Array(0);
// Polynomial rolling hashes (mod 2^32) over token hashes: an n-gram's hash in O(1).
const BASE_A = 0x01000193;
const BASE_B = 0x2c1b3c6d;
const PARA_SEED = 0x3c6ef372;

function powImul(base: number, n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = Math.imul(r, base);
  return r;
}

/** Compiled signal settings: stop-word hashes and the terminal-punctuation table. */
export class SignalComputer {
  /** Stop-word hashes: open addressing on the first hash, both hashes compared. */
  private readonly stopH1: Int32Array;
  private readonly stopH2: Int32Array;
  private readonly stopUsed: Uint8Array;
  private readonly stopMask: number;
  private readonly stopCount: number;
  /** One-character stop words, by UTF-16 code unit (a one-unit token is looked up here). */
  private readonly stop1 = new Uint8Array(65536);
  /**
   * Names of the signals in the order they are written to `attrs.quality`; `values[i]` is the
   * value of `names[i]` after `run`.
   */
  readonly names: readonly string[];
  readonly values: Float64Array;
  private readonly topAt: number;
  private readonly dupAt: number;
  private readonly lineAt: number;
  private readonly c4At: number;
  private readonly terminal = new Uint8Array(65536);
  private readonly marks = new Uint8Array(65536);
  private readonly c4: C4Lines | undefined;
  private readonly topKeys: string[];
  private readonly dupKeys: string[];
  private readonly topSizes: number[];
  private readonly dupSizes: number[];

  constructor(
    readonly config: SignalConfig,
    c4?: C4Lines,
  ) {
    const multi = [...new Set(config.stopWords)];
    let size = 16;
    while (size < multi.length * 4) size *= 2;
    this.stopH1 = new Int32Array(size);
    this.stopH2 = new Int32Array(size);
    this.stopUsed = new Uint8Array(size);
    this.stopMask = size - 1;
    this.stopCount = multi.length;
    for (const w of multi) {
      if (w.length === 1) this.stop1[w.charCodeAt(0)] = 1;
      const [h1, h2] = hashRange(w, 0, w.length);
      let i = h1 & this.stopMask;
      while (this.stopUsed[i] === 1) i = (i + 1) & this.stopMask;
      this.stopUsed[i] = 1;
      this.stopH1[i] = h1;
      this.stopH2[i] = h2;
    }
    for (const ch of config.terminalPunctuation) this.terminal[ch.charCodeAt(0)] = 1;
    for (const ch of config.sentenceMarks) this.marks[ch.charCodeAt(0)] = 1;
    this.c4 = c4;
    this.topSizes = [...new Set(config.topNgrams)].sort((a, b) => a - b);
    this.dupSizes = [...new Set(config.dupNgrams)].sort((a, b) => a - b);
    this.topKeys = this.topSizes.map((n) => `top_${n}gram_frac`);
    this.dupKeys = this.dupSizes.map((n) => `dup_${n}gram_frac`);
    const names: string[] = [...BASE_NAMES];
    this.topAt = names.push(...this.topKeys) - this.topKeys.length;
    this.dupAt = names.push(...this.dupKeys) - this.dupKeys.length;
    this.lineAt = names.push(...LINE_NAMES) - LINE_NAMES.length;
    this.c4At = c4 !== undefined ? names.push(...C4_NAMES) - C4_NAMES.length : -1;
    this.names = names;
    this.values = new Float64Array(names.length);
  }

  /**
   * `run` with every top n-gram counted by `topNgramPartitioned`, whatever its candidates (for the
   * warm-up, warm.ts: on records that path runs only past 4,096 candidates, and V8 compiled it
   * on-stack without type feedback, then threw it away up to 7 times on one input).
   * @internal
   */
  runPartitioned(p: TextProfile): C4Result | undefined {
    partitionMin = 1;
    partitionSize = 1;
    try {
      return this.run(p);
    } finally {
      partitionMin = PARTITION_MIN;
      partitionSize = PARTITION_SIZE;
    }
  }

  /** Index of a signal in `names`/`values`, or -1 when this rule set does not compute it. */
  indexOf(name: string): number {
    return this.names.indexOf(name);
  }

  /**
   * Compute every signal of a profiled text as a record by name; also returns the C4 line pass,
   * when configured. Both are the caller's to keep (`run` gives the C4 filter's own result).
   */
  compute(p: TextProfile): { signals: Signals; c4: C4Result | undefined } {
    const r = this.run(p);
    const signals: Signals = {};
    for (let i = 0; i < this.names.length; i++) signals[this.names[i]] = this.values[i];
    const c4 = r === undefined ? undefined : { ...r, kept: r.kept.slice(0, r.nKept), removed: { ...r.removed } };
    return { signals, c4 };
  }

  /**
   * Compute every signal of a profiled text into `values` (rounded to 6 decimals, in the order of
   * `names`); returns the C4 line pass, when configured: the C4 filter's own result object, valid
   * until its next run. Allocates nothing per record.
   */
  run(p: TextProfile): C4Result | undefined {
    const text = p.text;
    const len = text.length;
    const nt = p.nTokens;
    const v = this.values;

    // --- lengths and character make-up
    v[LENGTH] = len;
    v[CHARS] = p.nonSpaceChars;
    v[CJK_CHARS] = p.cjkChars;
    v[CJK_RATIO] = ratio(p.cjkChars, p.nonSpaceChars);
    v[LETTER_RATIO] = ratio(p.letterChars, p.nonSpaceChars);
    v[DIGIT_RATIO] = ratio(p.digitChars, p.nonSpaceChars);
    v[PUNCT_RATIO] = ratio(p.punctChars, p.nonSpaceChars);
    v[CONTROL_CHARS] = p.controls;

    // --- words (Gopher quality), stop words, pinyin in brackets and the n-gram prefix sums: one
    // pass over the tokens
    let words = 0;
    let wordChars = 0;
    let alpha = 0;
    let stop = 0;
    let pinyin = 0;
    const kind = p.tokKind;
    const st = p.tokStart;
    const en = p.tokEnd;
    const checkStop = this.stopCount > 0;
    const stop1 = this.stop1;
    const sH1 = this.stopH1;
    const sH2 = this.stopH2;
    const sUsed = this.stopUsed;
    const sMask = this.stopMask;
    const th1 = p.tokH1;
    const th2 = p.tokH2;
    // Polynomial rolling hashes (mod 2^32) over token hashes: an n-gram's hash in O(1).
    if (prefixLen.length < nt + 1) {
      const size = Math.max(nt + 1, prefixLen.length * 2);
      prefixLen = new Int32Array(size);
      prefixA = new Int32Array(size);
      prefixB = new Int32Array(size);
    }
    const pl = prefixLen;
    const pa = prefixA;
    const pb = prefixB;
    pl[0] = 0;
    pa[0] = 0;
    pb[0] = 0;
    let sumLen = 0;
    let sumA = 0;
    let sumB = 0;
    for (let i = 0; i < nt; i++) {
      const k = kind[i];
      const s = st[i];
      const tl = en[i] - s;
      if ((k & TOK_WORD) !== 0) {
        words++;
        wordChars += tl;
      }
      if ((k & TOK_ALPHA) !== 0) alpha++;
      const a = th1[i];
      const b = th2[i];
      if (checkStop) {
        // A one-unit token (a CJK character, a punctuation mark) is looked up by its character.
        if (tl === 1) stop += stop1[text.charCodeAt(s)];
        else {
          for (let j = a & sMask; sUsed[j] === 1; j = (j + 1) & sMask) {
            if (sH1[j] === a && sH2[j] === b) {
              stop++;
              break;
            }
          }
        }
      }
      sumLen += tl;
      sumA = (Math.imul(sumA, BASE_A) + a) | 0;
      sumB = (Math.imul(sumB, BASE_B) + b) | 0;
      pl[i + 1] = sumLen;
      pa[i + 1] = sumA;
      pb[i + 1] = sumB;
      // "烟(yan)台市(shi)": pinyin in brackets after a CJK character, a Chinese spam trick to
      // slip past keyword filters. An opening bracket is a one-unit token of its own (kind 0).
      if (k === 0 && tl === 1 && i >= 1 && i + 2 < nt) {
        const open = text.charCodeAt(s);
        if ((open !== 40 && open !== 0xff08) || (kind[i - 1] & TOK_CJK) === 0 || en[i - 1] !== s) continue;
        const wl = en[i + 1] - st[i + 1];
        if (wl < 1 || wl > 6 || st[i + 1] !== en[i]) continue;
        const close = text.charCodeAt(st[i + 2]);
        if ((close !== 41 && close !== 0xff09) || st[i + 2] !== en[i + 1]) continue;
        let lower = true;
        for (let q = st[i + 1]; q < en[i + 1]; q++) {
          const c = text.charCodeAt(q);
          if (c < 97 || c > 122) lower = false;
        }
        if (lower) pinyin++;
      }
    }
    v[PINYIN_BRACKETS] = pinyin;
    v[PINYIN_BRACKET_RATIO] = ratio(pinyin, p.cjkChars);
    v[TOKENS] = nt;
    v[WORDS] = words;
    v[MEAN_WORD_LENGTH] = ratio(wordChars, words);
    v[CJK_WORD_RATIO] = ratio(p.cjkChars, words);
    v[HASH_RATIO] = ratio(p.hashes, nt);
    v[ELLIPSIS_RATIO] = ratio(p.ellipses, nt);
    v[ALPHA_WORDS_RATIO] = ratio(alpha, nt);
    v[STOP_WORDS] = stop;

    // --- lines (Gopher quality uses str.splitlines(): no final empty line)
    let nSplit = p.nLines;
    if (len === 0) nSplit = 0;
    else if (p.lineStart[nSplit - 1] === len) nSplit--;
    let bullets = 0;
    let endEllipsis = 0;
    for (let li = 0; li < nSplit; li++) {
      const a = p.lineTrimStart[li];
      const b = p.lineTrimEnd[li];
      if (b > a) {
        const c = text.charCodeAt(a);
        if (c === 0x2022 || c === 45) bullets++;
        const z = text.charCodeAt(b - 1);
        if (z === 0x2026 || (z === 46 && b - a >= 3 && text.charCodeAt(b - 2) === 46 && text.charCodeAt(b - 3) === 46)) endEllipsis++;
      }
    }
    v[LINES] = nSplit;
    v[BULLET_LINES_RATIO] = ratio(bullets, nSplit);
    v[END_ELLIPSIS_LINES_RATIO] = ratio(endEllipsis, nSplit);

    // --- repetition: paragraphs (text.strip() split on \n{2,}) and lines (split on \n+)
    // A text of one line is one paragraph and one line: nothing in it can repeat, and its line
    // has no hash (profile.ts), so the counting below is skipped.
    const oneLine = p.nLines === 1;
    if (oneLine) {
      v[PARAGRAPHS] = 1;
      v[DUP_PARA_FRAC] = 0;
      v[DUP_PARA_CHAR_FRAC] = 0;
    } else this.paragraphs(p, v);
    if (!oneLine) counter.clear(p.nLines);
    let dupLines = 0;
    let dupLineChars = 0;
    let pieces = oneLine ? 1 : 0;
    for (let li = 0; li < p.nLines && !oneLine; li++) {
      const a = p.lineStart[li];
      const b = p.lineEnd[li];
      if (b === a && li !== 0 && li !== p.nLines - 1) continue;
      pieces++;
      const slot = counter.add(p.lineH1[li], p.lineH2[li], li);
      if (counter.countAt(slot) > 1) {
        dupLines++;
        dupLineChars += b - a;
      }
    }
    v[DUP_LINE_FRAC] = ratio(dupLines, pieces);
    v[DUP_LINE_CHAR_FRAC] = ratio(dupLineChars, len);

    // --- repetition: n-grams over the shared tokens, hashed as integers (prefix sums above)
    // An n-gram can repeat only where the shortest n-gram starting at the same token repeats,
    // so one full pass lists those positions and the other sizes visit only them.
    if (cand.length < nt + 1) cand = new Int32Array(Math.max(prefixLen.length, nt + 1));
    const tops = this.topSizes;
    const dups = this.dupSizes;
    // Sizes run in ascending order; before each size the candidates are narrowed: an (n+1)-gram
    // at i repeats only if the n-grams at i and i+1 both do. With no candidate left, every
    // larger size is 0 without a pass; the hash tables are sized by the candidates.
    let live = 0;
    if (tops.length > 0) live = this.markRepeated(p, tops[0]);
    for (let k = 0; k < tops.length; k++) {
      if (k > 0 && live > 0) live = narrow(cand, live, tops[k] - tops[k - 1]);
      v[this.topAt + k] = live > 0 ? ratio(this.topNgram(p, tops[k], pl, live), len) : 0;
    }
    if (dups.length > 0) {
      // The duplicate sizes start from the top-size candidates narrowed to the first duplicate
      // size, and count bits only there (every occurrence of a repeated n-gram is a candidate).
      const last = tops.length > 0 ? tops[tops.length - 1] : 0;
      if (last > 0 && dups[0] >= last) live = live > 0 ? this.markRepeatedWithin(p, dups[0], narrow(cand, live, dups[0] - last)) : 0;
      else live = this.markRepeated(p, dups[0]);
    }
    for (let k = 0; k < dups.length; k++) {
      if (k > 0 && live > 0) live = narrow(cand, live, dups[k] - dups[k - 1]);
      v[this.dupAt + k] = live > 0 ? ratio(this.dupNgram(p, dups[k], pl, live), len) : 0;
    }

    // --- FineWeb line signals (non-empty lines of text.split('\n'))
    const la = this.lineAt;
    if (!oneLine) counter.clear(p.nLines);
    let nonEmpty = 0;
    let punctEnd = 0;
    let sentenceLines = 0;
    const marks = this.marks;
    const anyMarks = this.config.sentenceMarks.length > 0;
    let short = 0;
    let code = 0;
    let dupChars = 0;
    const shortLen = this.config.shortLineLength;
    for (let li = 0; li < p.nLines; li++) {
      if (p.lineTrimEnd[li] <= p.lineTrimStart[li]) continue;
      nonEmpty++;
      const a = p.lineStart[li];
      const b = p.lineEnd[li];
      if (this.terminal[text.charCodeAt(b - 1)] === 1) {
        punctEnd++;
        sentenceLines++;
      } else if (anyMarks) {
        for (let k = a; k < b; k++) {
          if (marks[text.charCodeAt(k)] === 1) {
            sentenceLines++;
            break;
          }
        }
      }
      if (b - a <= shortLen) short++;
      if (isCodeLine(text, p.lineTrimStart[li], p.lineTrimEnd[li])) code++;
      if (oneLine) continue;
      const slot = counter.add(p.lineH1[li], p.lineH2[li], li);
      if (counter.countAt(slot) > 1) dupChars += b - a;
    }
    v[la] = ratio(punctEnd, nonEmpty);
    v[la + 1] = ratio(sentenceLines, nonEmpty);
    v[la + 2] = ratio(short, nonEmpty);
    v[la + 3] = ratio(code, nonEmpty);
    v[la + 4] = ratio(dupChars, len - p.newlines);
    v[la + 5] = ratio(p.newlines, nt);

    // --- C4 line rules
    let c4: C4Result | undefined;
    if (this.c4 !== undefined) {
      const ca = this.c4At;
      c4 = this.c4.run(p);
      v[ca] = c4.lines;
      v[ca + 1] = c4.lines - c4.nKept;
      v[ca + 2] = c4.sentences;
      v[ca + 3] = c4.loremIpsum ? 1 : 0;
      v[ca + 4] = c4.curlyBracket ? 1 : 0;
    }
    for (let i = 0; i < v.length; i++) v[i] = round6(v[i]);
    return c4;
  }

  private paragraphs(p: TextProfile, v: Float64Array): void {
    const text = p.text;
    // Python str.strip(): the trimmed bounds of the whole text.
    let a = 0;
    let b = text.length;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    counter.clear(p.nLines);
    let paras = 0;
    let dup = 0;
    let dupChars = 0;
    let start = a;
    let li = 0;
    for (;;) {
      let end = text.indexOf('\n\n', start);
      if (end < 0 || end >= b) end = b;
      paras++;
      // The paragraph's hash combines the hashes of its lines (pieces of lines at the ends of
      // the stripped text), so its characters are not read again.
      while (p.lineEnd[li] < start) li++;
      let h1 = PARA_SEED;
      let h2 = PARA_SEED;
      let pieces = 0;
      for (let k = li; k < p.nLines && p.lineStart[k] <= end; k++) {
        const ls = p.lineStart[k];
        const le = p.lineEnd[k];
        let x1: number;
        let x2: number;
        if (ls >= start && le <= end) {
          x1 = p.lineH1[k];
          x2 = p.lineH2[k];
        } else {
          [x1, x2] = hashRange(text, ls > start ? ls : start, le < end ? le : end);
        }
        h1 = (Math.imul(h1, BASE_A) + x1) | 0;
        h2 = (Math.imul(h2, BASE_B) + x2) | 0;
        pieces++;
      }
      const slot = counter.add(prof.fmix(h1 ^ pieces), prof.fmix(h2 + pieces), paras);
      if (counter.countAt(slot) > 1) {
        dup++;
        dupChars += end - start;
      }
      if (end >= b) break;
      start = end;
      while (start < b && text.charCodeAt(start) === 10) start++;
    }
    v[PARAGRAPHS] = paras;
    v[DUP_PARA_FRAC] = ratio(dup, paras);
    v[DUP_PARA_CHAR_FRAC] = ratio(dupChars, text.length);
  }

  /**
   * Lists in `cand` the positions whose n-gram may occur more than once in the text (returns
   * how many): two passes over bit sets (seen once, seen twice) that fit in cache, instead of a
   * hash table. Bit collisions only add false candidates, which the exact counting that follows
   * sorts out.
   */
  private markRepeated(p: TextProfile, n: number): number {
    const nt = p.nTokens;
    if (nt < n) return 0;
    const grams = nt - n + 1;
    let bits = 1024;
    while (bits < grams * 16) bits *= 2;
    const words = bits >>> 4;
    if (seen.length < words) seen = new Int32Array(words);
    const t = seen;
    t.fill(0, 0, words);
    const mask = bits - 1;
    const pa = prefixA;
    const pb = prefixB;
    const ka = powImul(BASE_A, n);
    const kb = powImul(BASE_B, n);
    // The first pass keeps each n-gram's slot in `cand[i]`, so the second reads it instead of
    // hashing the n-gram again; it then writes the candidates over the slots it has read
    // (`live <= i`).
    const c = cand;
    for (let i = 0; i < grams; i++) {
      const a = (pa[i + n] - Math.imul(pa[i], ka)) | 0;
      const b = (pb[i + n] - Math.imul(pb[i], kb)) | 0;
      const bit = (Math.imul(a ^ (b >>> 3), 0x9e3779b1) >>> 0) & mask;
      c[i] = bit;
      const w = bit >>> 4;
      const sh = (bit & 15) << 1;
      const x = t[w];
      // "seen once" always; "seen twice" when "seen once" was already set
      t[w] = x | (1 << sh) | (((x >>> sh) & 1) << (sh + 1));
    }
    let live = 0;
    for (let i = 0; i < grams; i++) {
      const bit = c[i];
      // Written always, kept when "seen twice" (no branch: which n-grams repeat is not predictable).
      c[live] = i;
      live += (t[bit >>> 4] >>> (((bit & 15) << 1) + 1)) & 1;
    }
    return live;
  }

  /**
   * Like `markRepeated`, but only over the `live` candidates already listed (a superset of the
   * repeated n-grams' positions): those whose n-gram's bit was not seen twice leave the list.
   */
  private markRepeatedWithin(p: TextProfile, n: number, live: number): number {
    const nt = p.nTokens;
    if (nt < n || live === 0) return 0;
    let bits = 1024;
    while (bits < live * 16) bits *= 2;
    const words = bits >>> 4;
    if (seen.length < words) seen = new Int32Array(words);
    const t = seen;
    t.fill(0, 0, words);
    const mask = bits - 1;
    const pa = prefixA;
    const pb = prefixB;
    const ka = powImul(BASE_A, n);
    const kb = powImul(BASE_B, n);
    const c = cand;
    // Each candidate's slot is kept for the second pass (as markRepeated does in `cand`).
    if (slots.length < live) slots = new Int32Array(Math.max(live, cand.length));
    const sl = slots;
    for (let k = 0; k < live; k++) {
      const i = c[k];
      const a = (pa[i + n] - Math.imul(pa[i], ka)) | 0;
      const b = (pb[i + n] - Math.imul(pb[i], kb)) | 0;
      const bit = (Math.imul(a ^ (b >>> 3), 0x9e3779b1) >>> 0) & mask;
      sl[k] = bit;
      const w = bit >>> 4;
      const sh = (bit & 15) << 1;
      const x = t[w];
      t[w] = x | (1 << sh) | (((x >>> sh) & 1) << (sh + 1));
    }
    let left = 0;
    for (let k = 0; k < live; k++) {
      const bit = sl[k];
      c[left] = c[k];
      left += (t[bit >>> 4] >>> (((bit & 15) << 1) + 1)) & 1;
    }
    return left;
  }

  /**
   * Characters covered by the most frequent n-gram (ties go to the first seen, as
   * `Counter.most_common`), datatrove's `find_top_duplicate` but counting a character once.
   */
  private topNgram(p: TextProfile, n: number, pl: Int32Array, live: number): number {
    const nt = p.nTokens;
    if (nt < n) return 0;
    if (live >= partitionMin) return this.topNgramPartitioned(p, n, pl, live);
    // Size the table by the candidates, not the positions: a table that fits the cache is the
    // difference between a hit and a miss on every probe.
    counter.clear(live);
    const pa = prefixA;
    const pb = prefixB;
    const ka = powImul(BASE_A, n);
    const kb = powImul(BASE_B, n);
    const c = cand;
    // An n-gram is known by the index in `cand` of its first occurrence (the order of the
    // positions): `covered` starts there.
    let bestCount = 0;
    let bestFirst = 0;
    for (let k = 0; k < live; k++) {
      const i = c[k];
      const a = (pa[i + n] - Math.imul(pa[i], ka)) | 0;
      const b = (pb[i + n] - Math.imul(pb[i], kb)) | 0;
      const slot = counter.add(a, b, k);
      const m = counter.countAt(slot);
      // the first index is read only when it can matter (a separate array: one more cache miss)
      if (m > bestCount) {
        bestCount = m;
        bestFirst = counter.firstAt(slot);
      } else if (m === bestCount) {
        const f = counter.firstAt(slot);
        if (f < bestFirst) bestFirst = f;
      }
    }
    // An n-gram seen once is not repetition (datatrove counts it anyway; that only matters for
    // texts short enough to fail the length rules).
    if (bestCount < 2) return 0;
    return this.covered(p, n, bestFirst, pl, live);
  }

  /**
   * Characters inside the occurrences of the n-gram first seen at candidate `from` (`cand[from]`
   * is its token position), each character once: occurrences that overlap ("凸凸凸凸", "ha ha ha") share their characters, so the result
   * is a fraction of the text (datatrove multiplies the length by the count, which runs to 6 for
   * a 6-gram over a run of one character). Without overlaps both are the same.
   */
  private covered(p: TextProfile, n: number, from: number, pl: Int32Array, live: number): number {
    const ka = powImul(BASE_A, n);
    const kb = powImul(BASE_B, n);
    const pa = prefixA;
    const pb = prefixB;
    const c = cand;
    const first = c[from];
    const a0 = (pa[first + n] - Math.imul(pa[first], ka)) | 0;
    const b0 = (pb[first + n] - Math.imul(pb[first], kb)) | 0;
    const sep = this.config.ngramSeparator;
    const st = p.tokStart;
    const en = p.tokEnd;
    let chars = 0;
    let end = 0; // tokens before `end` are counted
    for (let k = from; k < live; k++) {
      const i = c[k];
      if (((pa[i + n] - Math.imul(pa[i], ka)) | 0) !== a0 || ((pb[i + n] - Math.imul(pb[i], kb)) | 0) !== b0) continue;
      const s = i > end ? i : end;
      chars += pl[i + n] - pl[s];
      // One separator between two tokens (datatrove joins them with a space), but only where the
      // text has a character between them: unspaced Chinese has none to count.
      if (sep) for (let t = s === i ? i : s - 1; t < i + n - 1; t++) if (st[t + 1] > en[t]) chars++;
      end = i + n;
    }
    return chars;
  }

  /**
   * `topNgram` for many candidates (a long book): the candidates are first scattered by the top
   * bits of their hash into partitions small enough that each one's table stays in the cache, in
   * position order; each partition is counted on its own. An n-gram falls in one partition only,
   * so the most frequent one overall (count, then first position) is the best of the partitions'.
   */
  private topNgramPartitioned(p: TextProfile, n: number, pl: Int32Array, live: number): number {
    let bits = 1;
    while (live >>> bits > partitionSize && bits < 8) bits++;
    const parts = 1 << bits;
    const shift = 32 - bits;
    if (partBuf.length < live * 3) partBuf = new Int32Array(Math.max(live * 3, partBuf.length * 2));
    const start = partStart;
    const buf = partBuf;
    start.fill(0, 0, parts + 1);
    const pa = prefixA;
    const pb = prefixB;
    const ka = powImul(BASE_A, n);
    const kb = powImul(BASE_B, n);
    const c = cand;
    for (let k = 0; k < live; k++) {
      const i = c[k];
      const a = (pa[i + n] - Math.imul(pa[i], ka)) | 0;
      const b = (pb[i + n] - Math.imul(pb[i], kb)) | 0;
      start[(Math.imul(b ^ (a >>> 11), 0x85ebca6b) >>> shift) + 1]++;
    }
    for (let k = 0; k < parts; k++) start[k + 1] += start[k];
    // start[k] is now partition k's first entry; fill moves it to the next free entry.
    for (let k = 0; k < live; k++) {
      const i = c[k];
      const a = (pa[i + n] - Math.imul(pa[i], ka)) | 0;
      const b = (pb[i + n] - Math.imul(pb[i], kb)) | 0;
      const at = start[Math.imul(b ^ (a >>> 11), 0x85ebca6b) >>> shift]++ * 3;
      buf[at] = a;
      buf[at + 1] = b;
      buf[at + 2] = k;
    }
    let bestCount = 0;
    let bestFirst = 0;
    let from = 0;
    for (let k = 0; k < parts; k++) {
      const to = start[k];
      if (to - from >= 2) {
        counter.clear(to - from);
        let count = 0;
        let first = 0;
        for (let e = from * 3; e < to * 3; e += 3) {
          const slot = counter.add(buf[e], buf[e + 1], buf[e + 2]);
          const m = counter.countAt(slot);
          if (m > count) {
            count = m;
            first = counter.firstAt(slot);
          } else if (m === count) {
            const f = counter.firstAt(slot);
            if (f < first) first = f;
          }
        }
        if (count > bestCount || (count === bestCount && first < bestFirst)) {
          bestCount = count;
          bestFirst = first;
        }
      }
      from = to;
    }
    if (bestCount < 2) return 0;
    return this.covered(p, n, bestFirst, pl, live);
  }

  /**
   * Characters in n-grams that repeat an earlier n-gram, scanning left to right and jumping past
   * each repeat (datatrove's `find_all_duplicate`; the characters of the joined words, no spaces).
   */
  private dupNgram(p: TextProfile, n: number, pl: Int32Array, live: number): number {
    const nt = p.nTokens;
    if (nt < n) return 0;
    counter.clear(live);
    const pa = prefixA;
    const pb = prefixB;
    const ka = powImul(BASE_A, n);
    const kb = powImul(BASE_B, n);
    const c = cand;
    let repeated = 0;
    // Positions before `next` are inside the last repeat (jumped over).
    let next = 0;
    for (let k = 0; k < live; k++) {
      // A unique shorter prefix makes an n-gram unique: only the candidates can repeat or be repeated.
      const i = c[k];
      if (i < next) continue;
      const a = (pa[i + n] - Math.imul(pa[i], ka)) | 0;
      const b = (pb[i + n] - Math.imul(pb[i], kb)) | 0;
      if (counter.seenOrAdd(a, b, i)) {
        repeated += pl[i + n] - pl[i];
        next = i + n;
      }
    }
    return repeated;
  }
}

/**
 * A line that looks like C-family source: ends in a brace or a comment closer, or in `;` after
 * `)` or `]` or in a line holding `=` (not an HTML entity such as `&gt;`), or starts a comment.
 */
function isCodeLine(text: string, a: number, b: number): boolean {
  if (b <= a) return false;
  const z = text.charCodeAt(b - 1);
  if (z === 123 || z === 125) return true;
  if (z === 59 && b - a >= 2) {
    const y = text.charCodeAt(b - 2);
    if (y === 41 || y === 93) return true;
    // Looked for in the line only: indexOf would scan to the end of the text for every line
    // without '=' (the shape of review-hostile5 F2).
    for (let i = a; i < b; i++) if (text.charCodeAt(i) === 61) return true;
  }
  if (b - a >= 2) {
    const c0 = text.charCodeAt(a);
    const c1 = text.charCodeAt(a + 1);
    // "//@user:" is a Weibo repost chain and "//" before Chinese is prose, not a comment.
    if (c0 === 47 && c1 === 42) return true;
    if (c0 === 47 && c1 === 47) {
      const c2 = b - a > 2 ? text.charCodeAt(a + 2) : 32;
      if (c2 !== 64 && c2 < 0x2e80) return true;
    }
    if (z === 47 && text.charCodeAt(b - 2) === 42) return true;
  }
  return false;
}

/**
 * Narrow the `live` n-gram candidates in `c` (ascending positions) to (n+steps)-gram candidates
 * in place: an (n+steps)-gram at i can repeat only if the n-grams at i, i+1, ..., i+steps all
 * can, that is (the positions being distinct and sorted) when the candidate `steps` places on
 * is i + steps. Returns how many are left.
 */
function narrow(c: Int32Array, live: number, steps: number): number {
  let left = 0;
  for (let k = 0; k + steps < live; k++) {
    const i = c[k];
    // c[k + steps] >= i + steps (distinct ascending positions): `gap` is 0 exactly when the
    // candidate stays, and (gap - 1) >>> 31 is then 1, else 0. Written always, kept without a
    // branch (which candidates stay is not predictable).
    const gap = c[k + steps] - i - steps;
    c[left] = i;
    left += (gap - 1) >>> 31;
  }
  return left;
}

/**
 * Python's `str.isspace()` by UTF-16 code unit, for `paragraphs`' `str.strip()`: a table read. As a
 * chain of comparisons, the last ones (a text that starts or ends past U+2000, a curly quote) had
 * no type feedback when V8 optimised `paragraphs` (it runs them only at a text's two ends, a few
 * times per text) and threw `paragraphs` away at the first such record (the English slice).
 */
const SPACE = ((): Uint8Array => {
  const t = new Uint8Array(65536);
  for (const c of [32, 9, 10, 11, 12, 13, 0xa0, 0x3000, 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0x2028, 0x2029, 0x202f, 0x205f, 0x1680]) t[c] = 1;
  t.fill(1, 0x2000, 0x200b);
  return t;
})();

function isSpace(c: number): boolean {
  return SPACE[c] === 1;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

function round6(x: number): number {
  return Number.isInteger(x) ? x : Math.round(x * 1e6) / 1e6;
}
