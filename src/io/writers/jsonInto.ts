/**
 * `JSON.stringify(value)` written as UTF-8 straight into a byte buffer, for the small values a
 * rejects line carries after its record (the failing rules' signals, a detail): no JSON string is
 * made and encoded again, and the keys and short strings that repeat from line to line (signal
 * names, presets, rule codes) are bytes made once. It takes plain objects, arrays, strings,
 * numbers, booleans and null, a few levels deep; for anything else (a `toJSON`, a class instance,
 * a BigInt, an inherited key) it gives up and the caller serialises as before.
 */

import { hasOwn } from '../../core/own.js';

/** Nesting past which `jsonInto` gives up (the slim signals are two levels deep). */
const MAX_DEPTH = 4;
/** Keys (`"key":`) and strings (`"text"`) kept as bytes, each at most this many. */
const KEPT = 4096;
/** Strings longer than this are not kept as bytes (a text, not a name). */
const KEPT_CHARS = 64;

const KEYS = new Map<string, Buffer>();
const STRINGS = new Map<string, Buffer>();

/**
 * Write `JSON.stringify(v)` into `k` from `p`, not past `end`: the position after it, or -1 (what
 * was written is to be ignored) when `v` is not of the kinds above or does not fit.
 */
export function jsonInto(k: Buffer, p: number, end: number, v: unknown): number {
  return put(k, p, end, v, 0);
}

function put(k: Buffer, p: number, end: number, v: unknown, depth: number): number {
  if (typeof v === 'number') {
    // A whole number of 32 bits as its digits (no string made: most signals are counts); any
    // other as JavaScript writes it (what JSON.stringify writes too: NaN and the infinities as null).
    if ((v | 0) === v) return int(k, p, end, v);
    const q = sixPlaces(k, p, end, v);
    if (q !== NOT_SIX) return q;
    return ascii(k, p, end, Number.isFinite(v) ? `${v}` : 'null');
  }
  if (typeof v === 'string') return string(k, p, end, v);
  if (v === null) return ascii(k, p, end, 'null');
  if (v === true) return ascii(k, p, end, 'true');
  if (v === false) return ascii(k, p, end, 'false');
  if (typeof v !== 'object' || depth === MAX_DEPTH || typeof (v as { toJSON?: unknown }).toJSON === 'function') return -1;
  if (Array.isArray(v)) {
    if (p >= end) return -1;
    k[p++] = 91; // [
    for (let i = 0; i < v.length; i++) {
      if (i > 0) {
        if (p >= end) return -1;
        k[p++] = 44; // ,
      }
      const x: unknown = v[i];
      // An array's undefined, function or symbol is written as null.
      p = x === undefined || typeof x === 'function' || typeof x === 'symbol' ? ascii(k, p, end, 'null') : put(k, p, end, x, depth + 1);
      if (p < 0) return -1;
    }
    if (p >= end) return -1;
    k[p++] = 93; // ]
    return p;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return -1;
  if (p >= end) return -1;
  k[p++] = 123; // {
  let first = true;
  for (const key in v) {
    if (!hasOwn(v, key)) return -1;
    const x = (v as Record<string, unknown>)[key];
    // Members JSON.stringify leaves out.
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    if (!first) {
      if (p >= end) return -1;
      k[p++] = 44; // ,
    }
    first = false;
    let kb = KEYS.get(key);
    if (kb === undefined) {
      kb = Buffer.from(`${JSON.stringify(key)}:`);
      if (KEYS.size < KEPT) KEYS.set(key, kb);
    }
    p = bytes(k, p, end, kb);
    if (p < 0) return -1;
    p = put(k, p, end, x, depth + 1);
    if (p < 0) return -1;
  }
  if (p >= end) return -1;
  k[p++] = 125; // }
  return p;
}

/** `v`, a whole number of 32 bits (`-0` written 0, as JSON.stringify writes it), as its decimal digits. */
function int(k: Buffer, p: number, end: number, v: number): number {
  if (v >= 0 && v < 10) {
    if (p >= end) return -1;
    k[p] = 48 + v;
    return p + 1;
  }
  let x = v;
  if (v < 0) {
    if (p >= end) return -1;
    k[p++] = 45; // -
    x = -v;
  }
  let digits = 1;
  for (let t = x; t >= 10; t = Math.floor(t / 10)) digits++;
  if (p + digits > end) return -1;
  for (let i = p + digits - 1; i >= p; i--) {
    const d = x % 10;
    k[i] = 48 + d;
    x = (x - d) / 10;
  }
  return p + digits;
}

/** `sixPlaces`: `v` is not a number it writes. */
const NOT_SIX = -2;

/**
 * `v`, a number with at most six decimal places below 1e9 that is not a whole number of 32 bits
 * (the signals a stage rounds to six places: ratios, scores), written as its integer part, a
 * point and its decimals without trailing zeros, with no string made (converting a double to its
 * shortest text, `${v}`, was a sixth of jsonInto on a run's rejects, and most of a spill's signals
 * are such ratios); NOT_SIX for any other number, -1 when it does not fit. These are the bytes
 * JSON.stringify writes: with `n` = round(|v| x 1e6) and n / 1e6 === |v|, |v| is the double
 * nearest to the decimal n x 10^-6 (one correctly rounded division of two exact doubles), so that
 * decimal reads back as v; and no other decimal of at most as many digits does, as decimals of at
 * most six places lie 1e-6 apart and doubles below 1e9 less than 2^-23 (< 1.2e-7): the shortest
 * text that reads back as v, which is what JavaScript writes for numbers from 1e-6 to 1e21.
 */
function sixPlaces(k: Buffer, p: number, end: number, v: number): number {
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e9)) return NOT_SIX;
  const n = Math.round(a * 1e6);
  if (n / 1e6 !== a) return NOT_SIX;
  const whole = Math.floor(n / 1e6);
  let frac = n - whole * 1e6;
  if (frac === 0) return NOT_SIX;
  // The decimals without trailing zeros: `places` digits of `frac`.
  let places = 6;
  while (frac % 10 === 0) {
    frac /= 10;
    places--;
  }
  if (v < 0) {
    if (p >= end) return -1;
    k[p++] = 45; // -
  }
  p = int(k, p, end, whole);
  if (p < 0 || p + 1 + places > end) return -1;
  k[p++] = 46; // .
  for (let i = p + places - 1; i >= p; i--) {
    const d = frac % 10;
    k[i] = 48 + d;
    frac = (frac - d) / 10;
  }
  return p + places;
}

/** A string of ASCII characters that JSON writes as they are (a number's text, a literal). */
function ascii(k: Buffer, p: number, end: number, s: string): number {
  if (p + s.length > end) return -1;
  for (let i = 0; i < s.length; i++) k[p + i] = s.charCodeAt(i);
  return p + s.length;
}

function string(k: Buffer, p: number, end: number, s: string): number {
  let b = STRINGS.get(s);
  if (b === undefined) {
    if (s.length > KEPT_CHARS || STRINGS.size >= KEPT) {
      // At most 6 bytes per UTF-16 unit (`\u001f`; a character outside ASCII takes 3 or, as a pair, 4 for 2).
      if (p + s.length * 6 + 2 > end) return -1;
      return p + k.write(JSON.stringify(s), p);
    }
    b = Buffer.from(JSON.stringify(s));
    STRINGS.set(s, b);
  }
  return bytes(k, p, end, b);
}

/** `b` copied in (a short one byte by byte: cheaper than a call into the runtime). */
function bytes(k: Buffer, p: number, end: number, b: Buffer): number {
  if (p + b.length > end) return -1;
  if (b.length > 32) k.set(b, p);
  else for (let i = 0; i < b.length; i++) k[p + i] = b[i];
  return p + b.length;
}
