import type { JsonObject } from '../core/doc.js';

/**
 * JSON helpers for the readers and writers: a nesting limit checked on the bytes, and the exact
 * bytes of records whose numbers JavaScript cannot hold.
 */

/** Records nested deeper than this are rejected as `too_deep` (JSON.stringify and recursive stages fail near 5,000). */
export const MAX_DEPTH = 1000;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the JSON text in `buf[start, end)` nests deeper than `limit`. Cheap for ordinary
 * lines: the brackets are counted with `indexOf` first (a depth over the limit needs that many
 * opening brackets), and only a line with that many is scanned, string by string.
 */
export function tooDeep(buf: Buffer, start: number, end: number, limit = MAX_DEPTH): boolean {
  if (end - start < 2 * limit) return false;
  let n = 0;
  for (let i = buf.indexOf(OPEN_BRACKET, start); i !== -1 && i < end && n < limit; i = buf.indexOf(OPEN_BRACKET, i + 1)) n++;
  for (let i = buf.indexOf(OPEN_BRACE, start); i !== -1 && i < end && n < limit; i = buf.indexOf(OPEN_BRACE, i + 1)) n++;
  if (n < limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/** Nesting depth of a parsed value, up to `limit + 1` (iterative: safe on any depth). */
export function depthOf(value: unknown, limit = MAX_DEPTH): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return max;
}

/**
 * `JSON.stringify(value)` without recursion, for values too deep for it (it overflows the stack
 * near 5,000 levels). Stops once the text passes `limit` characters (the caller cuts and flags it).
 */
export function stringifyDeep(value: unknown, limit = Infinity): string {
  const out: string[] = [];
  let length = 0;
  const put = (s: string): void => {
    out.push(s);
    length += s.length;
  };
  type Frame = { close: string; items: Array<[string | null, unknown]>; i: number };
  const open = (v: unknown): Frame | null => {
    if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      put(JSON.stringify(v) ?? 'null');
      return null;
    }
    if (Array.isArray(v)) {
      put('[');
      return { close: ']', items: v.map((x) => [null, x]), i: 0 };
    }
    put('{');
    const items: Array<[string | null, unknown]> = [];
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== 'function' && typeof x !== 'symbol') items.push([k, x]);
    }
    return { close: '}', items, i: 0 };
  };
  const stack: Frame[] = [];
  const first = open(value);
  if (first) stack.push(first);
  while (stack.length > 0 && length <= limit) {
    const f = stack[stack.length - 1];
    if (f.i === f.items.length) {
      put(f.close);
      stack.pop();
      continue;
    }
    const [k, x] = f.items[f.i];
    if (f.i++ > 0) put(',');
    if (k !== null) put(`${JSON.stringify(k)}:`);
    const g = open(x);
    if (g) stack.push(g);
  }
  return out.join('');
}

/**
 * A parsed number whose value alone shows that JSON.parse may have changed it: an integer beyond
 * 2^53, an overflow to Infinity, or -0 (written back as `0`). The other changes (an underflow,
 * digits beyond a double's) only show in the text: see `inexactToken`.
 */
function unsafeNumber(v: number): boolean {
  return Number.isInteger(v) ? !Number.isSafeInteger(v) || Object.is(v, -0) : !Number.isFinite(v);
}

/**
 * The decimal value of a number's text (a JSON number token, or what `String(number)` gives), as
 * its significant digits with the leading and trailing zeros cut and the power of ten of the
 * first one, written `digits@power`, or `0` for zero. Two texts give the same key exactly when
 * they write the same decimal value (`0.1e1`, `1.0` and `1` all give `1@0`).
 */
function decimalKey(t: string): string {
  let i = t.charCodeAt(0) === 45 ? 1 : 0;
  const sign = i === 1 ? '-' : '';
  const e = t.search(/[eE]/);
  const mantissa = e < 0 ? t.slice(i) : t.slice(i, e);
  const exp = e < 0 ? 0 : parseInt(t.slice(e + 1), 10);
  const dot = mantissa.indexOf('.');
  const intLen = dot < 0 ? mantissa.length : dot;
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  if (i === digits.length) return '0';
  let j = digits.length;
  while (digits.charCodeAt(j - 1) === 48) j--;
  return `${sign}${digits.slice(i, j)}@${intLen - i - 1 + exp}`;
}

/**
 * A JSON number token whose value JavaScript cannot hold as written: parsing it gives a double
 * whose shortest text (`String`, what `JSON.stringify` writes) is another decimal value. That is
 * an overflow (`1e400`), an underflow to 0 or to a subnormal that differs (`1.5e-400`,
 * `4.9e-324`), more significant digits than a double holds (`1.0000000000000000001`,
 * `18446744073709551617`), and `-0` (written back as `0`). A spelling that gives the same value
 * (`0.1e1`, `1E2`, `1.50`) is not one: a writer may write it as `JSON.stringify` does.
 */
export function inexactToken(t: string): boolean {
  const v = Number(t);
  if (!Number.isFinite(v) || Object.is(v, -0)) return true;
  return decimalKey(t) !== decimalKey(String(v));
}

/**
 * Whether a JSON text may hold a number token that `inexactToken` finds: a run of 16 or more
 * digits and dots (a token of at most 15 significant digits within a double's normal range is
 * held exactly, and one outside it is written with a run of zeros or a 3-digit exponent), or an
 * exponent of 3 or more digits. A cheap look before a walk over the tokens; most texts have neither.
 */
const MAY_BE_INEXACT = /[0-9.]{16}|[eE][+-]?\d{3}/;

/**
 * Whether a value parsed from `text` must keep its input text for its numbers: one parsing
 * changed (`unsafeNumber`, `inexactToken`). `shape` is `scanParsed(value)`'s answer, and
 * `longAfterKey` what `keyColons(text)` saw, for a record (an object: its numbers follow keys or
 * sit in arrays). Cheap for most records: no look at the text when the value has no number; when
 * its numbers all follow keys, the token walk only when `keyColons` saw a long one; else (and
 * without `longAfterKey`: any JSON value) a prefilter before the walk.
 */
export function exactNeeded(text: string, shape: Shape, longAfterKey?: boolean): boolean {
  if (shape.unsafe) return true;
  if (!shape.numbers) return false;
  if (longAfterKey === undefined) return inexactNumberIn(text);
  return (longAfterKey || shape.arrayNumbers) && inexactNumberIn(text);
}

/** Whether the JSON text `text` holds a number token `inexactToken` finds (strings skipped). */
export function inexactNumberIn(text: string): boolean {
  if (!MAY_BE_INEXACT.test(text)) return false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) i = stringEnd(text, i) + 1;
    else if (c === 45 || (c >= 48 && c <= 57)) {
      const j = tokenEnd(text, i);
      if (j - i >= 16 || hasLongExponent(text, i, j)) {
        if (inexactToken(text.slice(i, j))) return true;
      }
      i = j;
    } else i++;
  }
  return false;
}

/** The end of the number token starting at `text[i]`. */
function tokenEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const d = text.charCodeAt(j);
    if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
    else break;
  }
  return j;
}

/** Whether the number token `text[i, j)` has an exponent of 3 or more digits. */
function hasLongExponent(text: string, i: number, j: number): boolean {
  for (let k = i; k < j; k++) {
    const d = text.charCodeAt(k);
    if (d === 101 || d === 69) {
      let m = k + 1;
      if (m < j && (text.charCodeAt(m) === 43 || text.charCodeAt(m) === 45)) m++;
      return j - m >= 3;
    }
  }
  return false;
}

/** What `scanParsed` found; one object, filled again by every call. */
const SHAPE = { unsafe: false, numbers: false, arrayNumbers: false, keys: 0 };
/** The values `scanParsed` has still to visit: kept between calls, so a record costs no new array. */
const PENDING: unknown[] = [];

/** What `scanParsed` says of a parsed value. */
export interface Shape {
  /** It holds a number whose value shows that parsing changed it (`unsafeNumber`). */
  readonly unsafe: boolean;
  /** It holds a number (else its text need not be looked at for `inexactNumberIn`). */
  readonly numbers: boolean;
  /** A number is an element of an array (not after a key, where `keyColons` looks at it). */
  readonly arrayNumbers: boolean;
  /** Object keys, all levels together. */
  readonly keys: number;
}

/**
 * One walk over a parsed value: see `Shape` (`exactNeeded` adds the numbers only the text shows
 * parsing changed). The answer is valid until the next call.
 */
export function scanParsed(value: unknown): Shape {
  let unsafe = false;
  let numbers = false;
  let arrayNumbers = false;
  let keys = 0;
  const stack = PENDING;
  stack.length = 0;
  stack.push(value);
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      numbers = true;
      if (!unsafe && unsafeNumber(v)) unsafe = true;
    } else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v))
        for (const x of v) {
          if (typeof x === 'number') arrayNumbers = true;
          stack.push(x);
        }
      else
        for (const k in v) {
          keys++;
          stack.push((v as JsonObject)[k]);
        }
    }
  }
  SHAPE.unsafe = unsafe;
  SHAPE.numbers = numbers;
  SHAPE.arrayNumbers = arrayNumbers;
  SHAPE.keys = keys;
  return SHAPE;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** Set by `keyColons`: a number token of 16 characters or more, or with a 3-digit exponent, follows one of the colons it counted. */
export let longNumberAfterKey = false;

/**
 * An upper bound on the keys written in a JSON text: colons whose previous non-space character is
 * a quote. Every key is followed by one, so a text with no more of them than its parsed value has
 * keys cannot repeat a key (`JSON.parse` keeps only the last of a repeated key). On the way it
 * looks at the value after each: `longNumberAfterKey` says whether one is a number token that
 * `inexactToken` may find (see `exactNeeded`), so every number that is a member's value is looked
 * at without another pass over the text.
 */
export function keyColons(text: string): number {
  let n = 0;
  let long = false;
  const end = text.length;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    let j = i - 1;
    while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
    if (j >= 0 && text.charCodeAt(j) === 34) {
      n++;
      if (long) continue;
      let k = i + 1;
      while (k < end && isSpace(text.charCodeAt(k))) k++;
      const c = text.charCodeAt(k);
      if (c === 45 || (c >= 48 && c <= 57)) {
        const e = tokenEnd(text, k);
        if (e - k >= 16 || hasLongExponent(text, k, e)) long = true;
      }
    }
  }
  longNumberAfterKey = long;
  return n;
}

/** Set by `stringEnd`: the string it ended holds an escape. */
let escapedString = false;

/**
 * At the opening quote `text[i]` of a JSON string: the index of its closing quote (or the text's
 * length when it has none); `escapedString` says whether it holds an escape.
 */
function stringEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  escapedString = false;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (d === 92) {
      escapedString = true;
      j += 2;
    } else if (d === 34) break;
    else j++;
  }
  return j;
}

/** The key whose string is `text[open, close]` when a `:` follows it, else null (call right after `stringEnd`). */
function keyAt(text: string, open: number, close: number): string | null {
  const n = text.length;
  let k = close + 1;
  while (k < n && isSpace(text.charCodeAt(k))) k++;
  if (k >= n || text.charCodeAt(k) !== 58) return null;
  return escapedString ? (JSON.parse(text.slice(open, close + 1)) as string) : text.slice(open + 1, close);
}

/** The first key written twice in one object of a valid JSON text, or null. */
export function duplicateKey(text: string): string | null {
  const objects: Array<Set<string> | null> = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const j = stringEnd(text, i);
      const keys = objects.length > 0 ? objects[objects.length - 1] : null;
      if (keys !== null) {
        const key = keyAt(text, i, j);
        if (key !== null) {
          if (keys.has(key)) return key;
          keys.add(key);
        }
      }
      i = j + 1;
    } else {
      if (c === 123) objects.push(new Set());
      else if (c === 91) objects.push(null);
      else if (c === 125 || c === 93) objects.pop();
      i++;
    }
  }
  return null;
}

/** A valid JSON text without the spaces and line breaks between its tokens (strings kept as written). */
export function compactJson(text: string): string {
  const out: string[] = [];
  const n = text.length;
  let from = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) i = stringEnd(text, i) + 1;
    else if (isSpace(c)) {
      if (i > from) out.push(text.slice(from, i));
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      from = i;
    } else i++;
  }
  if (n > from) out.push(text.slice(from, n));
  return out.join('');
}

interface Exact {
  /** The input line, byte for byte (none for a record a stage built from values that were not a record's, see `adoptExact`). */
  raw: string | undefined;
  /** Where each number parsing changed sits (a JSON-encoded key path), and its input text. */
  numbers: Map<string, string>;
  /** `JSON.stringify` of the record as parsed: a later serialisation equal to it means "unchanged". */
  plain: string;
  /** The input had an `attrs` key of its own. */
  hadAttrs: boolean;
}

/** The exact input of records whose numbers parsing changed, keyed by their data object. */
const EXACT = new WeakMap<object, Exact>();

/**
 * Remember the input line of a record whose numbers JavaScript cannot hold, so a writer can
 * give back its bytes while no stage changed it.
 */
export function keepExact(data: JsonObject, raw: string): void {
  EXACT.set(data, { raw, numbers: unsafeNumbersOf(raw), plain: JSON.stringify(data), hadAttrs: 'attrs' in data });
}

/**
 * What `keepExact` remembers of a record, as JSON values: for a spill that writes records and
 * reads them back (`moved`: the number texts by key path when a stage moved them, see `moveExact`).
 */
export type ExactState = [raw: string | null, plain: string, hadAttrs: boolean, moved?: Array<[string, string]>];

/** The exact input `keepExact` remembers for `data`, or undefined (most records). */
export function exactState(data: object): ExactState | undefined {
  const e = EXACT.get(data);
  if (e === undefined) return undefined;
  return e.plain === MOVED ? [e.raw ?? null, e.plain, e.hadAttrs, [...e.numbers]] : [e.raw ?? null, e.plain, e.hadAttrs];
}

/** `plain` of a record a stage rebuilt: no serialisation equals it, so its input line is never written for it. */
const MOVED = '\u0000moved';

/**
 * Give `to`, a record a stage built from `from` (moving fields, as `repair` does), the number
 * texts of `from` that JavaScript cannot hold, at their new key paths: `where` maps an old path
 * to its new one, or undefined for a value the stage dropped. A writer then gives back their
 * digits (18446744073709551617, 1e400, -0) wherever the value still sits unchanged.
 */
export function moveExact(from: object, to: JsonObject, where: (path: Array<string | number>) => Array<string | number> | undefined): void {
  const e = EXACT.get(from);
  if (e === undefined || e.numbers.size === 0) return;
  const numbers = new Map<string, string>();
  for (const [p, t] of e.numbers) {
    const q = where(JSON.parse(p) as Array<string | number>);
    if (q !== undefined) numbers.set(JSON.stringify(q), t);
  }
  if (numbers.size > 0) EXACT.set(to, { raw: e.raw, numbers, plain: MOVED, hadAttrs: e.hadAttrs });
}

/** The number texts kept for `data` at `path` (JSON-encoded key path), if any. */
export function exactNumberAt(data: object, path: Array<string | number>): string | undefined {
  return EXACT.get(data)?.numbers.get(JSON.stringify(path));
}

/**
 * `JSON.stringify(value)` for `value`, a copy of `data` or `data` itself, with the numbers that
 * parsing `data`'s input changed written as their input text (`-0`, `1e400`, big integers), so
 * that parsing the result gives back the same values: for a spill of `data`.
 */
export function stringifyExact(data: object, value: unknown): string {
  const e = EXACT.get(data);
  return e === undefined || e.numbers.size === 0 ? JSON.stringify(value) : stringifyKeeping(value, e.numbers);
}

/** Give a record read back from a spill what `exactState` said of the record written. */
export function restoreExact(data: JsonObject, s: ExactState): void {
  EXACT.set(data, { raw: s[0] ?? undefined, numbers: s[3] !== undefined ? new Map(s[3]) : unsafeNumbersOf(s[0] ?? ''), plain: s[1], hadAttrs: s[2] });
}

/**
 * The numbers of a valid JSON text that JavaScript cannot hold, by key path (`["id"]`,
 * `["a",0,"n"]`, JSON-encoded), with their text. One scan, tracking the path.
 */
function unsafeNumbersOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // Per open container: its key path, and the current key (object) or index (array).
  const stack: Array<{ path: Array<string | number>; key: string | number; array: boolean }> = [];
  const n = text.length;
  let i = 0;
  let pendingKey: string | null = null;
  const here = (): Array<string | number> => {
    const top = stack[stack.length - 1];
    return top === undefined ? [] : [...top.path, top.key];
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const j = stringEnd(text, i);
      const key = keyAt(text, i, j);
      if (key !== null) pendingKey = key;
      i = j + 1;
    } else if (c === 58) {
      const top = stack[stack.length - 1];
      if (top !== undefined && pendingKey !== null) top.key = pendingKey;
      pendingKey = null;
      i++;
    } else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.array) top.key = (top.key as number) + 1;
      i++;
    } else if (c === 123 || c === 91) {
      stack.push({ path: here(), key: c === 91 ? 0 : '', array: c === 91 });
      i++;
    } else if (c === 125 || c === 93) {
      stack.pop();
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const j = tokenEnd(text, i);
      const token = text.slice(i, j);
      if (unsafeNumber(Number(token)) || inexactToken(token)) out.set(JSON.stringify(here()), token);
      i = j;
    } else i++;
  }
  return out;
}

/**
 * `JSON.stringify(value)`, except that a number at a path of `numbers` that still holds what
 * its input text parsed to is written as that text (iterative, like `stringifyDeep`).
 */
export function stringifyKeeping(value: unknown, numbers: ReadonlyMap<string, string>, base: Array<string | number> = []): string {
  const out: string[] = [];
  type Frame = { close: string; items: Array<[string | null, unknown, Array<string | number>]>; i: number };
  const open = (v: unknown, path: Array<string | number>): Frame | null => {
    if (typeof v === 'number') {
      const t = numbers.get(JSON.stringify(path));
      out.push(t !== undefined && Object.is(Number(t), v) ? t : JSON.stringify(v));
      return null;
    }
    if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      out.push(JSON.stringify(v) ?? 'null');
      return null;
    }
    if (Array.isArray(v)) {
      out.push('[');
      return { close: ']', items: v.map((x, i) => [null, x, [...path, i]]), i: 0 };
    }
    out.push('{');
    const items: Frame['items'] = [];
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== 'function' && typeof x !== 'symbol') items.push([k, x, [...path, k]]);
    }
    return { close: '}', items, i: 0 };
  };
  const stack: Frame[] = [];
  const first = open(value, base);
  if (first) stack.push(first);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.i === f.items.length) {
      out.push(f.close);
      stack.pop();
      continue;
    }
    const [k, x, path] = f.items[f.i];
    if (f.i++ > 0) out.push(',');
    if (k !== null) out.push(`${JSON.stringify(k)}:`);
    const g = open(x, path);
    if (g) stack.push(g);
  }
  return out.join('');
}

/**
 * The input text of the numbers JavaScript could not hold in a record kept by `keepExact`, by
 * JSON-encoded key path (`["id"]`), or undefined when it has none. A writer checks that the
 * number at a path still equals what its text parses to before using the text.
 */
export function exactNumbers(data: object): ReadonlyMap<string, string> | undefined {
  return EXACT.get(data)?.numbers;
}

/** The input line of a record kept by `keepExact`, if any (for the rejects file). */
export function exactRaw(data: object | undefined): string | undefined {
  return data === undefined ? undefined : (EXACT.get(data)?.raw ?? undefined);
}

/** Objects and arrays inside a value with kept number texts: that value and their key path in it (see `indexExact`). */
const WITHIN = new WeakMap<object, { root: object; path: Array<string | number> }>();
/** `indexExact` registered a value since `adoptExact` last ran (else `adoptExact` has nothing to do). */
let registeredSinceAdopt = false;

/**
 * Register every object and array inside `root` (a record `keepExact` kept, or a value
 * `parseExact` parsed) with its key path, so that a stage that moves one of them elsewhere, into
 * a new record or into a JSON string, keeps the number texts inside it (`stringifyExactValue`,
 * `adoptExact`). True when `root` has such numbers; most records have none, and cost nothing.
 */
export function indexExact(root: object): boolean {
  const e = EXACT.get(root);
  if (e === undefined || e.numbers.size === 0) return false;
  registeredSinceAdopt = true;
  const stack: Array<[object, Array<string | number>]> = [[root, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    WITHIN.set(v, { root, path });
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object') stack.push([v[i] as object, [...path, i]]);
    } else
      for (const k of Object.keys(v)) {
        const x = (v as JsonObject)[k];
        if (x !== null && typeof x === 'object') stack.push([x, [...path, k]]);
      }
  }
  return true;
}

/**
 * `JSON.parse(text)` for a stage that reads JSON out of a field (a tool list, call arguments):
 * an object or array holding numbers a double cannot hold as written keeps their texts, as a
 * reader's record does, for `stringifyExactValue` and `adoptExact`.
 */
export function parseExact(text: string): unknown {
  const v: unknown = JSON.parse(text);
  if (v !== null && typeof v === 'object' && exactNeeded(text, scanParsed(v))) {
    keepExact(v as JsonObject, text);
    indexExact(v);
  }
  return v;
}

/**
 * `JSON.stringify(value)`, with the numbers a double cannot hold written as their input text
 * when `value` is an object or array of a value `indexExact` registered (a stage that turns part
 * of a record into a JSON string, as `convert` does with call arguments and tool lists).
 */
export function stringifyExactValue(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    const w = WITHIN.get(value);
    const e = w === undefined ? undefined : EXACT.get(w.root);
    if (e !== undefined && e.numbers.size > 0) return stringifyKeeping(value, e.numbers, w!.path);
  }
  return JSON.stringify(value);
}

/**
 * A JSON text as `JSON.stringify(JSON.parse(text))` writes it, except that the numbers a double
 * cannot hold as written keep their text (throws as `JSON.parse` does).
 */
export function restringify(text: string): string {
  const v: unknown = JSON.parse(text);
  return exactNeeded(text, scanParsed(v)) ? stringifyKeeping(v, unsafeNumbersOf(text)) : JSON.stringify(v);
}

/**
 * Give `to`, a record a stage built (as `convert` does), the number texts of what it took
 * unchanged from `from` (the input record) and from values `parseExact` read: each object or
 * array of `to` that `indexExact` registered keeps its numbers at its new path, and so does the
 * number at each top-level key of `keys` that `to` took from the same key of `from`. The writers
 * then give back their digits; a reject of `to` keeps `from`'s input line. Call `indexExact(from)`
 * first; when nothing was registered since the last call (most records), this costs nothing.
 */
export function adoptExact(to: JsonObject, from: object, keys: readonly string[] = []): void {
  if (!registeredSinceAdopt) return;
  registeredSinceAdopt = false;
  const numbers = new Map<string, string>();
  for (const k of keys) {
    const t = exactNumberAt(from, [k]);
    if (t !== undefined && typeof to[k] === 'number') numbers.set(JSON.stringify([k]), t);
  }
  const stack: Array<[object, Array<string | number>]> = [[to, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    const w = v === to ? undefined : WITHIN.get(v);
    const e = w === undefined ? undefined : EXACT.get(w.root);
    if (e !== undefined && e.numbers.size > 0) {
      const n = w!.path.length;
      for (const [p, t] of e.numbers) {
        const q = JSON.parse(p) as Array<string | number>;
        if (q.length >= n && w!.path.every((x, i) => q[i] === x)) numbers.set(JSON.stringify([...path, ...q.slice(n)]), t);
      }
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object') stack.push([v[i] as object, [...path, i]]);
    } else
      for (const k of Object.keys(v)) {
        const x = (v as JsonObject)[k];
        if (x !== null && typeof x === 'object') stack.push([x, [...path, k]]);
      }
  }
  if (numbers.size > 0) EXACT.set(to, { raw: EXACT.get(from)?.raw, numbers, plain: MOVED, hadAttrs: false });
}

/**
 * The line to write for a record: `line` (its serialisation), or the exact input bytes when
 * the record was kept by `keepExact` and nothing changed it but the signals added under `attrs`.
 * A record a stage changed is serialised again from `out` (what `line` serialises), with every
 * number parsing changed written as its input text while it still sits at its place unchanged.
 */
export function exactLine(data: JsonObject, line: string, out?: unknown): string {
  const e = EXACT.get(data);
  if (e === undefined) return line;
  if (e.raw === undefined || e.plain === MOVED) return out === undefined || e.numbers.size === 0 ? line : stringifyKeeping(out, e.numbers);
  if (line === e.plain) return e.raw;
  const changed = (): string => (out === undefined || e.numbers.size === 0 ? line : stringifyKeeping(out, e.numbers));
  if (!('attrs' in data) || e.hadAttrs) return changed();
  const { attrs, ...rest } = data;
  if (JSON.stringify(rest) !== e.plain) return changed();
  const body = e.raw.trimEnd();
  const close = body.lastIndexOf('}');
  const inner = body.slice(0, close).trimEnd();
  return `${inner}${inner.endsWith('{') ? '' : ','}"attrs":${JSON.stringify(attrs)}}`;
}
