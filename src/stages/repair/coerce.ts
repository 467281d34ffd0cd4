import { toIsoDate } from '../normalize/dates.js';
import type { FieldType } from './schema.js';

/** Result of `coerceValue`: the value in the declared type, whether it had to change, or a failure. */
export type Coerced = { ok: true; value: unknown; changed: boolean } | { ok: false };

const INT = /^[+-]?\d{1,15}$/;
// One way to match each string (`\d+(?:\.\d*)?`, not `\d+\.?\d*`): linear on long digit runs.
const NUM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', '0']);

/**
 * A numeric string as a number when a double holds it as written: at most 15 significant digits,
 * finite, not an underflow to 0 ("18446744073709551617", "1e400", "1e-400" fail: a number
 * that cannot be held exactly is a reject, never rounded).
 */
function exactNumber(s: string): Coerced {
  const n = Number(s);
  const mantissa = s.replace(/^[+-]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (!Number.isFinite(n) || mantissa.length > 15 || (n === 0 && mantissa.length > 0)) return { ok: false };
  return { ok: true, value: n, changed: true };
}

/**
 * Bring a value to a declared type where the conversion loses nothing: numeric strings to
 * numbers, `"true"`/`"false"` (and yes/no/1/0) to booleans, numbers and booleans to strings,
 * dates in common forms to ISO 8601. Anything else fails.
 */
export function coerceValue(v: unknown, type: FieldType): Coerced {
  switch (type) {
    case 'any':
      return { ok: true, value: v, changed: false };
    case 'string':
      if (typeof v === 'string') return { ok: true, value: v, changed: false };
      if (typeof v === 'number' || typeof v === 'boolean') return { ok: true, value: String(v), changed: true };
      return { ok: false };
    case 'integer':
      if (typeof v === 'number') return Number.isInteger(v) ? { ok: true, value: v, changed: false } : { ok: false };
      if (typeof v === 'string' && INT.test(v.trim())) return { ok: true, value: Number(v.trim()), changed: true };
      return { ok: false };
    case 'number':
      if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: v, changed: false } : { ok: false };
      if (typeof v === 'string' && NUM.test(v.trim())) return exactNumber(v.trim());
      return { ok: false };
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v, changed: false };
      if (typeof v === 'string' || typeof v === 'number') {
        const s = String(v).trim();
        if (TRUE.has(s)) return { ok: true, value: true, changed: true };
        if (FALSE.has(s)) return { ok: true, value: false, changed: true };
      }
      return { ok: false };
    case 'date': {
      if (typeof v !== 'string' && typeof v !== 'number') return { ok: false };
      const r = toIsoDate(v);
      if (!('iso' in r)) return { ok: false };
      return { ok: true, value: r.iso, changed: r.iso !== v };
    }
    case 'array':
      return Array.isArray(v) ? { ok: true, value: v, changed: false } : { ok: false };
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ok: true, value: v, changed: false } : { ok: false };
  }
}
