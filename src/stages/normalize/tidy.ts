/**
 * The character-level steps of the text normaliser — newlines, control and zero-width removal,
 * full-width letters and digits, trailing spaces, blank-line runs — in one scan that builds its
 * result once. Run one after another, each step that changed a text made a whole new copy of it
 * (a 1 MB web page with a CRLF, a BOM and a trailing space: four copies, each a fresh
 * large-object allocation and its page faults), and each step's test was another scan.
 *
 * `tidy(s, steps)` gives exactly what the steps of `steps` give applied in the normaliser's order
 * (the order matters: a control character removed between a space and a newline makes a trailing
 * space; a joiner is kept or removed by the character before it in the text the zero-width step
 * sees). A property test holds it to the step-by-step definitions.
 */

import { Buffer } from 'node:buffer';

/** Which steps to run, and the `BIT` each sets when it changes something. */
export interface TidySteps {
  /** CRLF and CR to LF. */
  newlines: boolean;
  /** Remove C0/C1 controls but \t \n (and \r, when `newlines` is on). */
  controls: boolean;
  /** Remove zero-width characters, joiners kept where `keepJoiner` says. */
  zeroWidth: boolean;
  /** Full-width ASCII letters and digits to half-width. */
  fullwidth: boolean;
  /** Remove horizontal whitespace at line ends. */
  trailingSpace: boolean;
  /** Most newlines kept in a row (`maxBlankLines` + 1), or Infinity. */
  maxNewlines: number;
}

/** Change bits, as the normaliser's `BIT` numbers them. */
export interface TidyBits {
  newlines: number;
  controls: number;
  zeroWidth: number;
  fullwidth: number;
  trailingSpace: number;
  blankLines: number;
}

// Character classes of the scan.
const PLAIN = 0;
const HSPACE = 1;
const LF = 2;
const CR = 3;
const CONTROL = 4;
const ZERO_WIDTH = 5;
const JOINER = 6;
const FULLWIDTH = 7;

/** Horizontal whitespace: space, tab, NBSP, Ogham space, U+2000–U+200A, narrow NBSP, medium math space, ideographic space. */
export function isHSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** C0 controls but \t \n \r, DEL, C1 controls. */
function isControl(c: number): boolean {
  return (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || (c >= 0x7f && c <= 0x9f));
}

/**
 * Soft hyphen, Mongolian vowel separator, ZWSP/ZWNJ/ZWJ/LRM/RLM, bidi embeddings, word joiner and
 * invisible operators, bidi isolates, BOM (the normaliser's ZERO_WIDTH).
 */
export function isZeroWidth(c: number): boolean {
  return (
    c === 0xad || c === 0x180e || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
    (c >= 0x2066 && c <= 0x2069) || c === 0xfeff
  );
}

/** Full-width ASCII digits and letters (U+FF10–U+FF19, U+FF21–U+FF3A, U+FF41–U+FF5A). */
export function isFullwidthAlnum(c: number): boolean {
  return (c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a);
}

/**
 * Keep a zero-width joiner inside emoji sequences and Indic conjuncts, and a non-joiner in
 * Arabic-script and Indic words (Persian orthography needs it); elsewhere they are noise.
 * `prev` is the code unit before in the text the zero-width step sees, so the decision does not
 * change on a second pass (idempotence).
 */
export function keepJoiner(c: number, prev: number): boolean {
  if (c === 0x200d) return (prev >= 0xdc00 && prev <= 0xdfff) || prev === 0xfe0f || (prev >= 0x2600 && prev <= 0x27bf) || (prev >= 0x0900 && prev <= 0x0dff);
  if (c === 0x200c) return prev >= 0x0600 && prev <= 0x0dff;
  return false;
}

const classCache = new Map<string, Uint8Array>();

/** Per UTF-16 code unit, its class under `steps` (only the steps that are on give a class). */
function classTable(steps: TidySteps): Uint8Array {
  const key = `${+steps.newlines}${+steps.controls}${+steps.zeroWidth}${+steps.fullwidth}${+steps.trailingSpace}${steps.maxNewlines}`;
  const cached = classCache.get(key);
  if (cached) return cached;
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c === 0x0a) t[c] = steps.maxNewlines !== Infinity || steps.trailingSpace ? LF : PLAIN;
    else if (c === 0x0d) t[c] = steps.newlines ? CR : steps.controls ? CONTROL : PLAIN;
    else if (steps.controls && isControl(c)) t[c] = CONTROL;
    else if (steps.zeroWidth && isZeroWidth(c)) t[c] = c === 0x200c || c === 0x200d ? JOINER : ZERO_WIDTH;
    else if (steps.fullwidth && isFullwidthAlnum(c)) t[c] = FULLWIDTH;
    else if (steps.trailingSpace && isHSpace(c)) t[c] = HSPACE;
  }
  classCache.set(key, t);
  return t;
}

/**
 * The result being built: UTF-16 code units, written from `copied` runs of the input and the
 * characters the steps put in. One buffer for the process (tidy never yields), grown to the
 * longest changed text; made into a string once, by `Buffer#toString('utf16le')`, which copies
 * the code units as they are (lone surrogates too, as the regex steps kept them). Pieces joined
 * instead cost more than the old copies on a CRLF page: a piece per line.
 */
let buf = new Uint16Array(1 << 12);
let w = -1;

/** Start the result (when not started) and append s[from, to). */
function put(s: string, from: number, to: number): void {
  if (w < 0) w = 0;
  const need = w + (to - from) + 1;
  if (need > buf.length) {
    const grown = new Uint16Array(Math.max(need, buf.length * 2));
    grown.set(buf.subarray(0, w));
    buf = grown;
  }
  const b = buf;
  let j = w;
  for (let k = from; k < to; k++) b[j++] = s.charCodeAt(k);
  w = j;
}

/** Append one code unit (room for it was made by the `put` before). */
function putUnit(c: number): void {
  buf[w++] = c;
}

/**
 * `s` through the steps of `steps`, in the normaliser's order; `s` itself when none changed it.
 * `out.bits` receives the bits of the steps that changed something.
 */
export function tidy(s: string, steps: TidySteps, bitOf: TidyBits, out: { bits: number }): string {
  const t = classTable(steps);
  const maxNl = steps.maxNewlines;
  const n = s.length;
  // Once something changed (w >= 0), the result is buf[0, w) then s[copied, i). `trail` counts
  // the horizontal spaces that end the result so far (dropped if a line end follows), `nl` the
  // newlines that end it, not counting a line of spaces that may vanish.
  w = -1;
  let copied = 0;
  let trail = 0;
  let nl = 0;
  // The code unit before, in the text the zero-width step sees (newlines and controls done).
  let zPrev = -1;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const k = t[c];
    if (k === PLAIN) {
      trail = 0;
      nl = 0;
      zPrev = c;
      continue;
    }
    if (k === HSPACE) {
      trail++;
      zPrev = c;
      continue;
    }
    if (k === CONTROL) {
      bits |= bitOf.controls;
      put(s, copied, i);
      copied = i + 1;
      continue;
    }
    if (k === ZERO_WIDTH || (k === JOINER && !(zPrev >= 0 && keepJoiner(c, zPrev)))) {
      bits |= bitOf.zeroWidth;
      zPrev = c;
      put(s, copied, i);
      copied = i + 1;
      continue;
    }
    if (k === JOINER) {
      trail = 0;
      nl = 0;
      zPrev = c;
      continue;
    }
    if (k === FULLWIDTH) {
      bits |= bitOf.fullwidth;
      trail = 0;
      nl = 0;
      zPrev = c;
      put(s, copied, i);
      putUnit(c - 0xfee0);
      copied = i + 1;
      continue;
    }
    // A line end: LF, or CR (CRLF) read as one.
    const crlf = k === CR && s.charCodeAt(i + 1) === 0x0a;
    if (trail > 0) {
      // The spaces are the last `trail` code units of the result: none was removed or put in
      // after them (a character put in is never a space, and resets `trail`).
      bits |= bitOf.trailingSpace;
      put(s, copied, i);
      w -= trail;
      copied = i;
      trail = 0;
    }
    zPrev = 0x0a;
    if (nl >= maxNl) {
      bits |= bitOf.blankLines;
      if (k === CR) bits |= bitOf.newlines;
      put(s, copied, i);
      if (crlf) i++;
      copied = i + 1;
      continue;
    }
    nl++;
    if (k === CR) {
      bits |= bitOf.newlines;
      put(s, copied, i);
      putUnit(0x0a);
      if (crlf) i++;
      copied = i + 1;
    }
  }
  if (trail > 0) {
    bits |= bitOf.trailingSpace;
    put(s, copied, n);
    w -= trail;
    copied = n;
  }
  if (w < 0) return s;
  out.bits |= bits;
  put(s, copied, n);
  const text = Buffer.from(buf.buffer, buf.byteOffset, w * 2).toString('utf16le');
  w = -1;
  return text;
}
