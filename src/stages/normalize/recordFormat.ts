import type { JsonObject } from '../../core/doc.js';
import { count } from '../../core/stats.js';
import { coerceValue } from '../repair/coerce.js';
import type { RecordSchema } from '../repair/schema.js';
import { toIsoDate } from './dates.js';

/**
 * Rewrite one date field to ISO 8601 in place. Counters: `date:<path>` when rewritten,
 * `date_ambiguous:<path>` / `date_unparsed:<path>` when left alone.
 */
export function normalizeDateField(obj: JsonObject, key: string, counters: Record<string, number>, path = key): void {
  const v = obj[key];
  if (typeof v !== 'string' && typeof v !== 'number') return;
  const r = toIsoDate(v);
  if ('iso' in r) {
    if (r.iso !== v) {
      obj[key] = r.iso;
      count(counters, `date:${path}`);
    }
  } else count(counters, `date_${r.problem}:${path}`);
}

/**
 * Coerce a record's scalar fields to the types a schema declares, in place: numbers and
 * booleans stored as strings become numbers and booleans, dates become ISO 8601. Fields the
 * schema does not name, and values that do not convert cleanly, are left alone (the `repair`
 * stage is the one that rejects). Counters: `coerce:<path>`, `date:<path>`, ...
 */
export function coerceRecord(obj: JsonObject, schema: RecordSchema, counters: Record<string, number>, prefix = ''): void {
  for (const f of schema.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    const path = prefix + f.name;
    if (f.type === 'date') normalizeDateField(obj, f.name, counters, path);
    else if ((f.type === 'integer' || f.type === 'number' || f.type === 'boolean') && typeof v === 'string') {
      const c = coerceValue(v, f.type);
      if (c.ok) {
        obj[f.name] = c.value;
        count(counters, `coerce:${path}`);
      }
    } else if (f.items !== undefined && Array.isArray(v)) {
      for (const item of v) {
        if (typeof item === 'object' && item !== null && !Array.isArray(item)) coerceRecord(item as JsonObject, f.items, counters, `${path}[].`);
      }
    }
  }
}
