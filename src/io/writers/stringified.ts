/**
 * A record's output bytes taken from its input bytes, without decoding and encoding its text.
 *
 * A writer serialises a record with `JSON.stringify` and encodes the string as UTF-8. For a
 * record no stage changed, whose input line it still has (`recordJsonOf`), those bytes are the
 * line's own, less the spaces between tokens, whenever the line writes each string, number and
 * key the way `JSON.stringify` does: then they are copied, not made again (on `cat`, string
 * making and encoding were ~1/4 of the CPU: bench/RESULTS.md, seventeenth pass). A line that
 * writes anything another way (`\/`, `\u00e9`, `1.50`, `1E5`, `-0`, a key of digits, which
 * JavaScript puts first) is left to `JSON.stringify`: this only ever says "the same bytes" or
 * "cannot tell".
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** JSON's spaces between tokens. */
function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** The escapes `JSON.stringify` writes with one letter: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`. */
function shortEscape(c: number): boolean {
  return c === QUOTE || c === BACKSLASH || c === 0x6e || c === 0x74 || c === 0x72 || c === 0x62 || c === 0x66;
}

/** A lowercase hex digit's value, or -1. */
function hex(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
}

/**
 * `\uXXXX` at `src[p]` (the `u`) as `JSON.stringify` writes it: a control character without a
 * one-letter escape, in lowercase hex (`\u001b`). Any other (`\u00e9`, `\u001B`, `\u000a`, a
 * surrogate) is not.
 */
function controlEscape(src: Uint8Array, p: number, end: number): boolean {
  if (p + 4 >= end || src[p + 1] !== 0x30 || src[p + 2] !== 0x30) return false;
  const hi = src[p + 3];
  const lo = hex(src[p + 4]);
  if ((hi !== 0x30 && hi !== 0x31) || lo < 0) return false;
  const v = (hi - 0x30) * 16 + lo;
  return v !== 8 && v !== 9 && v !== 10 && v !== 12 && v !== 13;
}

/**
 * A number token `src[i, j)` written as `JSON.stringify` writes the value it parses to: a whole
 * number of up to 15 digits without a leading zero (not `-0`), or, for any other, the token is
 * its value's shortest text (`String(Number(token))`).
 */
function canonicalNumber(src: Uint8Array, i: number, j: number): boolean {
  const neg = src[i] === 0x2d ? 1 : 0;
  const digits = j - i - neg;
  let whole = digits > 0 && digits <= 15;
  for (let k = i + neg; whole && k < j; k++) if (src[k] < 0x30 || src[k] > 0x39) whole = false;
  if (whole) return src[i + neg] !== 0x30 || (digits === 1 && neg === 0);
  const t = String.fromCharCode(...src.subarray(i, j));
  return String(Number(t)) === t;
}

/** The first `c` in `src[from, end)`, or `end` (`src`'s length). */
function indexOf(src: Uint8Array, c: number, from: number, end: number): number {
  const k = src.indexOf(c, from);
  return k === -1 ? end : k;
}

/** True when `src[from, to)` are all ASCII digits. */
function digitsOnly(src: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (src[k] < 0x30 || src[k] > 0x39) return false;
  return true;
}

/**
 * The UTF-8 bytes `JSON.stringify(JSON.parse(text))` gives for the JSON text `src` (the whole
 * view: searches run to its end; valid UTF-8; a text `JSON.parse` takes, naming no key twice in
 * an object), written into `dst`
 * at `at`: the text with the spaces between its tokens left out, when every string, number and
 * key in it is written as `JSON.stringify` writes it. Returns where the bytes end in `dst`, or -1
 * when the text writes one of them another way (`dst` may then hold part of it). `dst` needs room
 * for `src.length` bytes from `at`: the result is never longer than the text.
 */
export function stringifiedInto(src: Uint8Array, dst: Uint8Array, at: number): number {
  const end = src.length;
  let o = at;
  let i = 0;
  while (i < end) {
    const c = src[i];
    if (c === QUOTE) {
      // The closing quote: the first not inside an escape. Found by `indexOf` (a string is most
      // of a record's bytes), each backslash before it looked at.
      let pos = i + 1;
      let q = indexOf(src, QUOTE, pos, end);
      let b = indexOf(src, BACKSLASH, pos, end);
      while (b < q) {
        const e = src[b + 1];
        if (shortEscape(e)) pos = b + 2;
        else if (e === 0x75 && controlEscape(src, b + 1, end)) pos = b + 6;
        else return -1;
        b = indexOf(src, BACKSLASH, pos, end);
        if (q < pos) q = indexOf(src, QUOTE, pos, end);
      }
      if (q === end) return -1;
      // A key of digits only: JavaScript orders such keys ("7") first, as numbers.
      if (q - i <= 11 && q > i + 1 && digitsOnly(src, i + 1, q)) {
        let k = q + 1;
        while (k < end && isSpace(src[k])) k++;
        if (src[k] === COLON) return -1;
      }
      const j = q + 1;
      if (j - i > 32) {
        dst.set(src.subarray(i, j), o);
        o += j - i;
      } else for (let k = i; k < j; k++) dst[o++] = src[k];
      i = j;
    } else if (isSpace(c)) i++;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < end) {
        const d = src[j];
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) j++;
        else break;
      }
      if (!canonicalNumber(src, i, j)) return -1;
      while (i < j) dst[o++] = src[i++];
    } else {
      // { } [ ] , : and the letters of true, false, null
      dst[o++] = c;
      i++;
    }
  }
  return o;
}

/**
 * Texts that take the branches of `stringifiedInto` and its helpers: every escape `JSON.stringify`
 * writes (control characters in lowercase hex too), strings short and long, digit keys, numbers
 * whole, fractional and not in `JSON.stringify`'s form, spaces between tokens, and each way of
 * writing a text another way (`\/`, `\u00e9`, `\u000a`, `\u001B`, `1.50`, a key of digits).
 */
const WARM_TEXTS = [
  '{"text":"a \\"q\\" \\\\ \\n \\t \\r \\b \\f \\u001b \\u0001 and a string longer than thirty-two bytes","n" : -12, "z":0,"f":1.5,"e":1e-7,"t":true,"u":false,"v":null,\n"a":[1,2,{"k1":"v"}],"s":"short"}',
  '{"a":"\\/"}',
  '{"a":"\\u00e9"}',
  '{"a":"\\u000a"}',
  '{"a":"\\u001B"}',
  '{"a":"\\u0101"}',
  '{"a":1.50}',
  '{"7":1}',
  '{"01" :1}',
  '{"a":"open',
];

/** Whether `warmStringified` ran in this process. */
let stringifiedWarmed = false;

/**
 * Run `stringifiedInto` once over `WARM_TEXTS` (results thrown away), so that V8 does not
 * optimise it before its rarer branches (an escape other than `\"`, a number, a digit key) have
 * type feedback: on the English slice the first record that took one threw the optimised code
 * away, three times (bench/RESULTS.md, twentieth pass). Once per process; the JSONL writer calls
 * it once its input is large enough for V8 to optimise the function at all.
 */
export function warmStringified(): void {
  if (stringifiedWarmed) return;
  stringifiedWarmed = true;
  // Buffers, as the writer gives it (its block, a view of the input chunk): the element accesses
  // feedback is then for the maps they will see.
  const dst = Buffer.allocUnsafe(1024);
  const texts = WARM_TEXTS.map((t) => Buffer.from(t));
  // Twice: V8 gives a function its feedback vector only after its first few calls, and what
  // those calls saw is not kept.
  for (let round = 0; round < 2; round++) for (const t of texts) stringifiedInto(t, dst, 0);
}
