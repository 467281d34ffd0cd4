import { createHash } from 'node:crypto';
import type { Doc, JsonObject } from '../../core/doc.js';
import { textFieldOf, type TextField } from '../../core/doc.js';
import { toIsoDate } from '../normalize/dates.js';
import type { Derivation, FieldSpec } from './schema.js';

/** Number of Unicode code points (a surrogate pair is one character). */
export function charCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Lines as WanJuan counts them: `\n`-separated pieces, so `a\nb` has 2 and `a\n` has 2. */
export function lineCount(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** A stable 20-character id: the start of the base64url SHA-256 of the text. */
export function textId(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64url').slice(0, 20);
}

/** Canonical JSON (keys sorted) so the id of a record without text does not depend on key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Compute a missing field, or `undefined` when it cannot be derived.
 * `id`: hash of the text (or of the whole record, without the id field, when it has no text);
 * `char_num`, `line_num`, `cbytes_num`: counts over the text; `language`: `doc.attrs.lang` as
 * written by the language stage; `date`: the first of `field.from` (or `doc.attrs.date`) that
 * parses as a date, in ISO 8601.
 */
export function derive(how: Derivation, field: FieldSpec, obj: JsonObject, doc: Doc, textField: TextField | undefined): unknown {
  const tf = textFieldOf(obj, textField);
  const text = tf !== undefined && typeof obj[tf] === 'string' ? (obj[tf] as string) : undefined;
  switch (how) {
    case 'id': {
      if (text !== undefined) return textId(text);
      const { [field.name]: _, ...rest } = obj;
      return textId(canonical(rest));
    }
    case 'char_num':
      return text === undefined ? undefined : charCount(text);
    case 'line_num':
      return text === undefined ? undefined : lineCount(text);
    case 'cbytes_num':
      return text === undefined ? undefined : Buffer.byteLength(text, 'utf8');
    case 'language': {
      const l = doc.attrs.lang;
      return typeof l === 'string' && l !== '' ? l : undefined;
    }
    case 'date': {
      const candidates = [...field.from.map((f) => obj[f]), doc.attrs.date];
      for (const c of candidates) {
        if (typeof c !== 'string' && typeof c !== 'number') continue;
        const r = toIsoDate(c);
        if ('iso' in r) return r.iso;
      }
      return undefined;
    }
  }
}
