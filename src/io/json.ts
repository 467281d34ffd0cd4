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

/** A number JSON.parse could not hold exactly: an integer beyond 2^53, an overflow to Infinity, or -0. */
function unsafeNumber(v: number): boolean {
  return Number.isInteger(v) ? !Number.isSafeInteger(v) || Object.is(v, -0) : !Number.isFinite(v);
}

/** What `scanParsed` found; one object, filled again by every call. */
const SHAPE = { unsafe: false, keys: 0 };
/** The values `scanParsed` has still to visit: kept between calls, so a record costs no new array. */
const PENDING: unknown[] = [];

/**
 * One walk over a parsed value: whether it holds a number parsing changed (see `unsafeNumber`)
 * and how many object keys it has, all levels together. The answer is valid until the next call.
 */
export function scanParsed(value: unknown): { readonly unsafe: boolean; readonly keys: number } {
  let unsafe = false;
  let keys = 0;
  const stack = PENDING;
  stack.length = 0;
  stack.push(value);
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (!unsafe && unsafeNumber(v)) unsafe = true;
    } else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) for (const x of v) stack.push(x);
      else
        for (const k in v) {
          keys++;
          stack.push((v as JsonObject)[k]);
        }
    }
  }
  SHAPE.unsafe = unsafe;
  SHAPE.keys = keys;
  return SHAPE;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * An upper bound on the keys written in a JSON text: colons whose previous non-space character is
 * a quote. Every key is followed by one, so a text with no more of them than its parsed value has
 * keys cannot repeat a key (`JSON.parse` keeps only the last of a repeated key).
 */
export function keyColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    let j = i - 1;
    while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
    if (j >= 0 && text.charCodeAt(j) === 34) n++;
  }
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
  /** The input line, byte for byte. */
  raw: string;
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
export type ExactState = [raw: string, plain: string, hadAttrs: boolean, moved?: Array<[string, string]>];

/** The exact input `keepExact` remembers for `data`, or undefined (most records). */
export function exactState(data: object): ExactState | undefined {
  const e = EXACT.get(data);
  if (e === undefined) return undefined;
  return e.plain === MOVED ? [e.raw, e.plain, e.hadAttrs, [...e.numbers]] : [e.raw, e.plain, e.hadAttrs];
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
  EXACT.set(data, { raw: s[0], numbers: s[3] !== undefined ? new Map(s[3]) : unsafeNumbersOf(s[0]), plain: s[1], hadAttrs: s[2] });
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
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      const token = text.slice(i, j);
      if (unsafeNumber(Number(token))) out.set(JSON.stringify(here()), token);
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
  return data === undefined ? undefined : EXACT.get(data)?.raw;
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
