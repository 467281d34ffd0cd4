import * as chars from './chars.js';

// Local copies: module bindings imported through a loader may be getters, far too slow per character.
const CHAR_CLASS = chars.CHAR_CLASS;
const CJK = chars.CJK;
const DIGIT = chars.DIGIT;
const HIGH_SURROGATE = chars.HIGH_SURROGATE;
const LETTER = chars.LETTER;
const PUNCT = chars.PUNCT;
const SPACE = chars.SPACE;
const classOfCodePoint = chars.classOfCodePoint;
/** The class of a CJK ideograph, kana or bopomofo unit of the BMP (the table gives CJK only with LETTER). */
const CJK_LETTER = LETTER | CJK;

/** Token kind bit: the token has a character that is not punctuation or a symbol (a "word"). */
export const TOK_WORD = 1;
/** Token kind bit: the token has at least one letter (Python `isalpha`), CJK included. */
export const TOK_ALPHA = 2;
/** Token kind bit: the token is one CJK character. */
export const TOK_CJK = 4;

/**
 * One pass over a document's text: its tokens (with two 32-bit hashes each, so n-grams can be
 * counted as integers) and its lines (with hashes, so duplicate lines are found without building
 * strings), plus character counts. Every rule reads this one profile: the text is tokenised once.
 *
 * The arrays are scratch buffers shared by every call (they are valid until the next `profile`
 * call), so a long run allocates nothing per record for them.
 */
export interface TextProfile {
  readonly text: string;
  /** Number of tokens (words, CJK characters and punctuation runs). */
  nTokens: number;
  tokStart: Int32Array;
  tokEnd: Int32Array;
  tokKind: Uint8Array;
  tokH1: Int32Array;
  tokH2: Int32Array;
  /** Lines of `text.split('\n')`; `lineEnd` excludes the `\n` (a trailing `\r` is kept, as Python does). */
  nLines: number;
  lineStart: Int32Array;
  lineEnd: Int32Array;
  /** Offsets of the line without leading/trailing white space (`lstrip`/`rstrip`). */
  lineTrimStart: Int32Array;
  lineTrimEnd: Int32Array;
  /** Hashes of each line's raw content; 0 for a text of one line (a line alone repeats nothing). */
  lineH1: Int32Array;
  lineH2: Int32Array;
  /** Characters that are not white space. */
  nonSpaceChars: number;
  /** CJK ideographs and kana. */
  cjkChars: number;
  /** Letters (CJK included). */
  letterChars: number;
  digitChars: number;
  punctChars: number;
  newlines: number;
  /** Occurrences of `#`. */
  hashes: number;
  /** Control characters other than tab, newline and carriage return (C0, DEL, C1). */
  controls: number;
  /** Occurrences of `...` (non-overlapping, as Python's `str.count`) plus `…` characters. */
  ellipses: number;
}

let cap = 0;
let tokStart = new Int32Array(0);
let tokEnd = new Int32Array(0);
let tokKind = new Uint8Array(0);
let tokH1 = new Int32Array(0);
let tokH2 = new Int32Array(0);
let lineCap = 0;
let lineStart = new Int32Array(0);
let lineEnd = new Int32Array(0);
let lineTrimStart = new Int32Array(0);
let lineTrimEnd = new Int32Array(0);
let lineH1 = new Int32Array(0);
let lineH2 = new Int32Array(0);

function ensureTokens(n: number): void {
  if (n <= cap) return;
  cap = Math.max(n, cap * 2, 1024);
  tokStart = new Int32Array(cap);
  tokEnd = new Int32Array(cap);
  tokKind = new Uint8Array(cap);
  tokH1 = new Int32Array(cap);
  tokH2 = new Int32Array(cap);
}

function growLines(): void {
  const n = Math.max(lineCap * 2, 256);
  const grow = (a: Int32Array) => {
    const b = new Int32Array(n);
    b.set(a);
    return b;
  };
  lineStart = grow(lineStart);
  lineEnd = grow(lineEnd);
  lineTrimStart = grow(lineTrimStart);
  lineTrimEnd = grow(lineTrimEnd);
  lineH1 = grow(lineH1);
  lineH2 = grow(lineH2);
  lineCap = n;
}

/** Final avalanche of a 32-bit hash (murmur3 fmix32). */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const H1_SEED = 0x811c9dc5 | 0;
const H2_SEED = 0x1b873593;
const H1_MUL = 0x01000193;
const H2_MUL = 0x5bd1e995;

/**
 * The two hashes of `text[start, end)` into `h1s[at]` and `h2s[at]`: h1 is FNV-1a over the UTF-16
 * units, h2 a multiply-xor mix, each finished with fmix (h1 with the length folded in). The one
 * loop over a range that tokens met whole (`emit`), lines and `hashRange` share. The tokeniser's
 * scan takes the same steps inline as it reads a word (each character read once; a call per
 * character there is not always inlined in a function that large): the test "keeps the token,
 * line and range hashes of their definition" pins that they agree.
 */
function hashInto(text: string, start: number, end: number, h1s: Int32Array, h2s: Int32Array, at: number): void {
  let h1 = H1_SEED;
  let h2 = H2_SEED;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    h1 = Math.imul(h1 ^ c, H1_MUL);
    h2 = Math.imul((h2 + c) | 0, H2_MUL) ^ (h2 >>> 15);
  }
  h1s[at] = fmix(h1 ^ (end - start));
  h2s[at] = fmix(h2);
}

const RANGE1 = new Int32Array(1);
const RANGE2 = new Int32Array(1);

/** Two independent 32-bit hashes of `text[start, end)`, as computed for tokens and lines. */
export function hashRange(text: string, start: number, end: number): [number, number] {
  hashInto(text, start, end, RANGE1, RANGE2, 0);
  return [RANGE1[0], RANGE2[0]];
}

/** Record token `t` = `text[start, end)` of the given kind, with its two hashes (as `hashRange`). */
function emit(text: string, t: number, start: number, end: number, kind: number): void {
  tokStart[t] = start;
  tokEnd[t] = end;
  tokKind[t] = kind;
  hashInto(text, start, end, tokH1, tokH2, t);
}

/**
 * ASCII symbols that stay inside a word, as in NLTK's Treebank tokenizer (which splits off only
 * `, ; : @ # $ % & ? !`, brackets, quotes, `...`, `--` and a sentence-final period).
 */
const INNER = new Uint8Array(65536);
for (const ch of "/-+=*_|~^.\\'\u2019") INNER[ch.charCodeAt(0)] = 1;

/** True when the character at `i` can continue a word (a letter, digit, mark or inner symbol). */
function startsWord(text: string, i: number, n: number): boolean {
  if (i >= n) return false;
  const c = text.charCodeAt(i);
  const cls = CHAR_CLASS[c];
  if (cls === HIGH_SURROGATE) return true;
  if ((cls & (SPACE | CJK)) !== 0) return false;
  if ((cls & PUNCT) !== 0) return INNER[c] === 1 && c !== 46;
  return true;
}

/**
 * Tokenise and line-split `text` once. Tokens approximate NLTK's `word_tokenize` (what datatrove
 * uses for English) without its regex passes: words keep inner `/-+=*_|~^.` and `,`/`:` between
 * digits, contractions split (`do` `n't`), a final period splits off; splitting punctuation is a
 * token per character or per run of one repeated character (`...`); and each CJK character is a
 * token of its own (a word-sized unit for Chinese).
 */
export function profile(text: string): TextProfile {
  return profileInto(text, undefined);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The object `profileShared` fills on every call. */
const SHARED: Mutable<TextProfile> = profileInto('', undefined) as Mutable<TextProfile>;

/**
 * `profile`, written into one object shared by every call instead of a new one: for a caller
 * that is done with the profile before the next call (the quality stage, once per record).
 */
export function profileShared(text: string): TextProfile {
  return profileInto(text, SHARED);
}

/**
 * The tokeniser's loop, for the warm-up to have V8 compile it as soon as it has its type feedback
 * (warm.ts `compileNow`). @internal
 */
export function profileLoops(): readonly Function[] {
  return [profileInto];
}

/** Astral code points of every class `classOfCodePoint` tells apart, and a lone high surrogate. */
const RARE_CODE_POINTS = [0x1d400, 0x1d7ce, 0x1d165, 0x1f600, 0x20000, 0xe0001, 0xd800];

/**
 * Give the tokeniser's rare paths their type feedback, after the warm-up texts (warm.ts): the
 * class of astral characters (`classOfCodePoint`, a few calls per text at most, often fewer than
 * V8 waits for before it gives a function a feedback vector) and the token buffers' growth
 * (`ensureTokens`, run by the first calls only, before it had one). TurboFan may inline both
 * into `profileInto`, and code without feedback there throws `profileInto` away at the first
 * record that reaches it (the English slice: twice, when the letter runs made `profileInto`
 * smaller and left room to inline them). The buffers are made again at their size (their
 * contents are scratch). @internal
 */
export function warmRarePaths(): void {
  for (let r = 0; r < 12; r++) for (const cp of RARE_CODE_POINTS) classOfCodePoint(cp);
  const keep = cap;
  cap = 0;
  ensureTokens(keep);
}

/**
 * Lines of `text` (split on "\n") into the line arrays, each with its trimmed bounds and a hash
 * of its raw content; returns their number. A function of its own, not a loop at the end of
 * `profileInto`: V8 optimises (and, when a record first needs more line slots, deoptimises) it
 * without recompiling the large tokeniser, which cost tens of ms of CPU each time
 * (bench/results/profile.md section 8).
 */
function splitLines(text: string): number {
  const n = text.length;
  const T = CHAR_CLASS;
  let nl = 0;
  let ls = 0;
  let le = text.indexOf('\n');
  if (le < 0) {
    // One line (most short posts): a line alone repeats nothing, so its hash is never compared
    // and is not computed (0). The signals take the same shortcut (SignalComputer.run).
    if (lineCap === 0) growLines();
    lineStart[0] = 0;
    lineEnd[0] = n;
    let ts = 0;
    while (ts < n && (T[text.charCodeAt(ts)] & SPACE) !== 0) ts++;
    let te = n;
    while (te > ts && (T[text.charCodeAt(te - 1)] & SPACE) !== 0) te--;
    lineTrimStart[0] = ts;
    lineTrimEnd[0] = te;
    lineH1[0] = 0;
    lineH2[0] = 0;
    return 1;
  }
  for (;;) {
    if (le < 0) le = n;
    if (nl >= lineCap) growLines();
    lineStart[nl] = ls;
    lineEnd[nl] = le;
    let ts = ls;
    while (ts < le && (T[text.charCodeAt(ts)] & SPACE) !== 0) ts++;
    let te = le;
    while (te > ts && (T[text.charCodeAt(te - 1)] & SPACE) !== 0) te--;
    lineTrimStart[nl] = ts;
    lineTrimEnd[nl] = te;
    hashInto(text, ls, le, lineH1, lineH2, nl);
    nl++;
    if (le >= n) break;
    ls = le + 1;
    le = text.indexOf('\n', ls);
  }
  return nl;
}

function profileInto(text: string, out: Mutable<TextProfile> | undefined): TextProfile {
  const n = text.length;
  ensureTokens(n + 1);
  const T = CHAR_CLASS;
  let nt = 0;
  let nonSpace = 0;
  let cjk = 0;
  let letters = 0;
  let digits = 0;
  let puncts = 0;
  let newlines = 0;
  let hashes = 0;
  let ellipses = 0;
  let controls = 0;

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    let cls = T[c];
    let w = 1;
    if (cls === HIGH_SURROGATE) {
      const cp = text.codePointAt(i)!;
      cls = classOfCodePoint(cp);
      if (cp > 0xffff) w = 2;
    }
    if ((cls & SPACE) !== 0) {
      if (c === 10) newlines++;
      else if ((c < 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) || (c >= 127 && c < 160 && c !== 133)) controls++;
      i += w;
      continue;
    }
    if ((cls & CJK) !== 0) {
      if (w === 1) {
        // A run of one-unit CJK characters (the common case of Chinese text), a token each:
        // emit() inlined, one class test a character, counted at the run's end.
        let j = i;
        let cc = c;
        for (;;) {
          tokStart[nt] = j;
          tokEnd[nt] = j + 1;
          tokKind[nt] = TOK_WORD | TOK_ALPHA | TOK_CJK;
          tokH1[nt] = fmix(Math.imul(H1_SEED ^ cc, H1_MUL) ^ 1);
          tokH2[nt] = fmix(Math.imul(H2_SEED + cc, H2_MUL) ^ (H2_SEED >>> 15));
          nt++;
          if (++j >= n) break;
          cc = text.charCodeAt(j);
          if (T[cc] !== CJK_LETTER) break;
        }
        nonSpace += j - i;
        cjk += j - i;
        letters += j - i;
        i = j;
        continue;
      }
      nonSpace++;
      cjk++;
      letters++;
      emit(text, nt++, i, i + w, TOK_WORD | TOK_ALPHA | TOK_CJK);
      i += w;
      continue;
    }
    // Splitting punctuation (and a '.' or inner symbol not followed by a word character)
    // is a token of its own; a run of the same character is one token ("...", "--", "!!!").
    if ((cls & PUNCT) !== 0 && (INNER[c] === 0 || c === 39 || c === 0x2019 || !startsWord(text, i + 1, n))) {
      let j = i + w;
      if (w === 1) while (j < n && text.charCodeAt(j) === c) j++;
      const run = (j - i) / w;
      nonSpace += run;
      puncts += run;
      if (c === 35) hashes += run;
      else if (c === 46) ellipses += Math.floor(run / 3);
      else if (c === 0x2026) ellipses += run;
      if (w === 1) {
        // emit() for a run of one character, inlined: its hashes need no second read
        let h1 = H1_SEED;
        let h2 = H2_SEED;
        for (let k = i; k < j; k++) {
          h1 = Math.imul(h1 ^ c, H1_MUL);
          h2 = Math.imul((h2 + c) | 0, H2_MUL) ^ (h2 >>> 15);
        }
        tokStart[nt] = i;
        tokEnd[nt] = j;
        tokKind[nt] = 0;
        tokH1[nt] = fmix(h1 ^ (j - i));
        tokH2[nt] = fmix(h2);
        nt++;
      } else emit(text, nt++, i, j, 0);
      i = j;
      continue;
    }
    // A word: a white-space chunk up to splitting punctuation, CJK or space, as NLTK's
    // Treebank tokenizer keeps it: "/etc/apt", "e-mail", "3.14", "1,000", "U.S." stay whole;
    // a final period is split off ("end" "."); contractions split ("do" "n't", "John" "'s").
    let start = i;
    let kind = 0;
    let hasDot = false;
    let j = i;
    // The token's hashes are built as the scan goes (each character is read once): h1/h2 hash
    // text[start, j). A contraction "n't" splits off the last character: the hashes of the part
    // before it are then taken again (rawHashes), rare enough not to carry a second pair of
    // states through every character.
    let h1 = H1_SEED;
    let h2 = H2_SEED;
    while (j < n) {
      let cc = text.charCodeAt(j);
      let k = T[cc];
      if (k === LETTER) {
        // A run of plain letters (most of an English word): hashed with one class test each,
        // counted once at its end.
        const r = j;
        for (;;) {
          h1 = Math.imul(h1 ^ cc, H1_MUL);
          h2 = Math.imul((h2 + cc) | 0, H2_MUL) ^ (h2 >>> 15);
          if (++j >= n) break;
          cc = text.charCodeAt(j);
          k = T[cc];
          if (k !== LETTER) break;
        }
        letters += j - r;
        nonSpace += j - r;
        kind |= TOK_WORD | TOK_ALPHA;
        if (j >= n) break;
      }
      let cw = 1;
      if (k === HIGH_SURROGATE) {
        const cp = text.codePointAt(j)!;
        k = classOfCodePoint(cp);
        if (cp > 0xffff) cw = 2;
      }
      if ((k & (SPACE | CJK)) !== 0) break;
      if ((k & PUNCT) !== 0) {
        if (cc === 46) {
          if (startsWord(text, j + 1, n)) hasDot = true;
          else {
            // "U.S." keeps its final period; "end." does not.
            if (hasDot && kind !== 0) {
              j++;
              puncts++;
              nonSpace++;
              h1 = Math.imul(h1 ^ 46, H1_MUL);
              h2 = Math.imul((h2 + 46) | 0, H2_MUL) ^ (h2 >>> 15);
            }
            break;
          }
        } else if (cc === 39 || cc === 0x2019) {
          if (j + 1 >= n || (T[text.charCodeAt(j + 1)] & LETTER) === 0 || j === start) break;
          const p = text.charCodeAt(j - 1);
          const nx = text.charCodeAt(j + 1);
          const nt2 = j + 2 < n ? T[text.charCodeAt(j + 2)] : SPACE;
          const split = (p === 110 || p === 78) && (nx === 116 || nx === 84) && j - 1 > start && (nt2 & (LETTER | DIGIT)) === 0 ? j - 1 : j;
          const sk = kind | (split > start ? TOK_WORD : 0);
          tokStart[nt] = start;
          tokEnd[nt] = split;
          tokKind[nt] = sk;
          if (split === j) {
            tokH1[nt] = fmix(h1 ^ (split - start));
            tokH2[nt] = fmix(h2);
          } else hashInto(text, start, split, tokH1, tokH2, nt);
          nt++;
          kind = split < j ? TOK_WORD | TOK_ALPHA : 0;
          start = split;
          if (split < j) {
            // the new token starts with the "n" of "n't"
            h1 = Math.imul(H1_SEED ^ p, H1_MUL);
            h2 = Math.imul(H2_SEED + p, H2_MUL) ^ (H2_SEED >>> 15);
          } else {
            h1 = H1_SEED;
            h2 = H2_SEED;
          }
        } else if ((cc === 44 || cc === 58) && j > start && (T[text.charCodeAt(j - 1)] & DIGIT) !== 0 && j + 1 < n && (T[text.charCodeAt(j + 1)] & DIGIT) !== 0) {
          // "1,000" and "10:30"
        } else if (INNER[cc] === 0) break;
        puncts++;
      } else {
        kind |= TOK_WORD;
        if ((k & LETTER) !== 0) {
          kind |= TOK_ALPHA;
          letters++;
        } else if ((k & DIGIT) !== 0) digits++;
      }
      nonSpace++;
      h1 = Math.imul(h1 ^ cc, H1_MUL);
      h2 = Math.imul((h2 + cc) | 0, H2_MUL) ^ (h2 >>> 15);
      if (cw === 2) {
        const lo = text.charCodeAt(j + 1);
        h1 = Math.imul(h1 ^ lo, H1_MUL);
        h2 = Math.imul((h2 + lo) | 0, H2_MUL) ^ (h2 >>> 15);
      }
      j += cw;
    }
    if (j === start) {
      // defensive: never loop without progress
      j = start + 1;
      nonSpace++;
      emit(text, nt++, start, j, kind);
    } else {
      tokStart[nt] = start;
      tokEnd[nt] = j;
      tokKind[nt] = kind;
      tokH1[nt] = fmix(h1 ^ (j - start));
      tokH2[nt] = fmix(h2);
      nt++;
    }
    i = j;
  }

  const nl = splitLines(text);

  if (out === undefined) {
    return {
      text,
      nTokens: nt,
      tokStart,
      tokEnd,
      tokKind,
      tokH1,
      tokH2,
      nLines: nl,
      lineStart,
      lineEnd,
      lineTrimStart,
      lineTrimEnd,
      lineH1,
      lineH2,
      nonSpaceChars: nonSpace,
      cjkChars: cjk,
      letterChars: letters,
      digitChars: digits,
      punctChars: puncts,
      newlines,
      hashes,
      controls,
      ellipses,
    };
  }
  out.text = text;
  out.nTokens = nt;
  out.tokStart = tokStart;
  out.tokEnd = tokEnd;
  out.tokKind = tokKind;
  out.tokH1 = tokH1;
  out.tokH2 = tokH2;
  out.nLines = nl;
  out.lineStart = lineStart;
  out.lineEnd = lineEnd;
  out.lineTrimStart = lineTrimStart;
  out.lineTrimEnd = lineTrimEnd;
  out.lineH1 = lineH1;
  out.lineH2 = lineH2;
  out.nonSpaceChars = nonSpace;
  out.cjkChars = cjk;
  out.letterChars = letters;
  out.digitChars = digits;
  out.punctChars = puncts;
  out.newlines = newlines;
  out.hashes = hashes;
  out.controls = controls;
  out.ellipses = ellipses;
  return out;
}
