/**
 * Character classes for the quality analyser, as one byte per UTF-16 code unit.
 *
 * The table is built once at module load (65,536 precompiled-regex tests, a few milliseconds)
 * so the hot loops classify a character with one typed-array read instead of a regex.
 */

/** A letter (Unicode `L`): Python's `str.isalpha()` is true for these. */
export const LETTER = 1;
/** A decimal or other number (Unicode `N`). */
export const DIGIT = 2;
/** A combining mark (Unicode `M`): part of the word it follows. */
export const MARK = 4;
/** Punctuation or symbol (Unicode `P` or `S`): a token of its own. */
export const PUNCT = 8;
/** White space (Unicode `White_Space`, plus the C0/C1 controls). */
export const SPACE = 16;
/** A CJK ideograph, kana or bopomofo character: one token per character, like a word. */
export const CJK = 32;
/** A UTF-16 high surrogate: classify the full code point with `classOfCodePoint`. */
export const HIGH_SURROGATE = 64;

const reLetter = /\p{L}/u;
const reDigit = /\p{N}/u;
const reMark = /\p{M}/u;
const rePunct = /[\p{P}\p{S}]/u;
const reSpace = /[\p{White_Space}\p{Cc}]/u;
const reCjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;

/** Class bits of any code point (used for astral characters, and to build the table). */
export function classOfCodePoint(cp: number): number {
  const s = String.fromCodePoint(cp);
  let c = 0;
  if (reSpace.test(s)) c |= SPACE;
  else if (reLetter.test(s)) c |= LETTER;
  else if (reDigit.test(s)) c |= DIGIT;
  else if (reMark.test(s)) c |= MARK;
  else if (rePunct.test(s)) c |= PUNCT;
  if (reCjk.test(s) && (c & LETTER) !== 0) c |= CJK;
  return c;
}

function buildTable(): Uint8Array {
  const t = new Uint8Array(65536);
  for (let cp = 0; cp < 65536; cp++) {
    if (cp >= 0xd800 && cp <= 0xdbff) t[cp] = HIGH_SURROGATE;
    else if (cp >= 0xdc00 && cp <= 0xdfff) t[cp] = 0; // a stray low surrogate: no class, part of a word
    else t[cp] = classOfCodePoint(cp);
  }
  // Ideographic iteration mark and the like are CJK word characters in running text.
  t[0x3005] = LETTER | CJK;
  t[0x3007] = LETTER | CJK;
  return t;
}

/** Class bits by UTF-16 code unit. */
export const CHAR_CLASS: Uint8Array = buildTable();
