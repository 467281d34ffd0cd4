import type { Doc, JsonObject } from '../../core/doc.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import { coerceValue } from './coerce.js';
import { derive } from './derive.js';
import type { FieldSpec, RecordSchema } from './schema.js';
import { loadSchema, SHIPPED_SCHEMAS } from './schema.js';
import { hasOwn, setOwn } from '../../core/own.js';
import { exactNumberAt, moveExact } from '../../io/json.js';

/**
 * Where the values of an input object went (old key -> new key), with the same for each
 * repaired item of an array field: how the number texts of the input follow their values.
 */
export interface Moves {
  /** The input record (the owner of the exact number texts) and this object's key path in it. */
  root: object;
  path: Array<string | number>;
  to: Map<string, { key: string; items?: Moves[] }>;
}

/** The new key path of an input path, or undefined when repair dropped or replaced its value. */
function movedPath(m: Moves, path: Array<string | number>): Array<string | number> | undefined {
  const [k, ...rest] = path;
  const t = typeof k === 'string' ? m.to.get(k) : undefined;
  if (t === undefined) return undefined;
  if (t.items !== undefined && rest.length > 0 && typeof rest[0] === 'number') {
    const sub = t.items[rest[0]];
    const q = sub === undefined ? undefined : movedPath(sub, rest.slice(1));
    return q === undefined ? undefined : [t.key, rest[0], ...q];
  }
  return [t.key, ...rest];
}

function isMissing(v: unknown, f: FieldSpec): boolean {
  if (v === undefined || v === null) return true;
  if (!f.nonEmpty) return false;
  return (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/**
 * Repair one object against a schema in place-free fashion: returns the repaired object (fields
 * in schema order, then the extra fields in their original order) or a reason code.
 * Counters: `<path>:present|aliased|defaulted|derived|missing|coerced|type`.
 */
export function repairObject(
  obj: JsonObject,
  schema: RecordSchema,
  doc: Doc,
  ctx: StageContext,
  prefix = '',
  moves?: Moves,
  refresh = false,
): JsonObject | string {
  const counters = ctx.stats.counters;
  const values = new Map<string, unknown>();
  const used = new Set<string>();
  const pending: FieldSpec[] = [];
  /** The input key each field's value came from (present or aliased). */
  const source = new Map<string, string>();
  for (const f of schema.fields) {
    used.add(f.name);
    const v = hasOwn(obj, f.name) ? obj[f.name] : undefined;
    if (!isMissing(v, f)) {
      values.set(f.name, v);
      source.set(f.name, f.name);
      count(counters, `${prefix}${f.name}:present`);
      continue;
    }
    let found = false;
    for (const a of f.aliases) {
      const av = hasOwn(obj, a) ? obj[a] : undefined;
      if (!isMissing(av, f)) {
        values.set(f.name, av);
        source.set(f.name, a);
        used.add(a);
        count(counters, `${prefix}${f.name}:aliased`);
        found = true;
        break;
      }
    }
    if (found) continue;
    if ('default' in f) {
      values.set(f.name, structuredClone(f.default));
      count(counters, `${prefix}${f.name}:defaulted`);
      continue;
    }
    pending.push(f);
  }
  // Derivations read the repaired record (an aliased text field counts).
  let view: JsonObject | undefined;
  for (const f of pending) {
    if (f.derive !== undefined) {
      view ??= { ...obj, ...Object.fromEntries(values) };
      const v = derive(f.derive, f, view, doc, schema.text ?? ctx.textField);
      if (v !== undefined) {
        values.set(f.name, v);
        view[f.name] = v;
        count(counters, `${prefix}${f.name}:derived`);
        continue;
      }
    }
    count(counters, `${prefix}${f.name}:missing`);
    if (f.required) return `missing:${prefix}${f.name}`;
    if (obj[f.name] === null) values.set(f.name, null);
  }
  for (const f of schema.fields) {
    if (!values.has(f.name)) continue;
    const v = values.get(f.name);
    if (v === null) continue;
    const c = coerceValue(v, f.type);
    if (!c.ok) {
      count(counters, `${prefix}${f.name}:type`);
      return `type:${prefix}${f.name}`;
    }
    let value = c.value;
    const from = source.get(f.name);
    // A number JavaScript cannot hold (18446744073709551617, 1e400) made a string: its digits as written.
    if (c.changed && typeof v === 'number' && f.type === 'string' && moves !== undefined && from !== undefined) {
      const text = exactNumberAt(moves.root, [...moves.path, from]);
      if (text !== undefined) value = text;
    }
    if (c.changed) count(counters, `${prefix}${f.name}:coerced`);
    // Values that are still the input's (not coerced) keep their number texts at the new key.
    if (moves !== undefined && from !== undefined && !c.changed) moves.to.set(from, { key: f.name });
    if (f.items !== undefined) {
      const arr = value as unknown[];
      const out: unknown[] = new Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const item = arr[i];
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          count(counters, `${prefix}${f.name}:type`);
          return `type:${prefix}${f.name}[]`;
        }
        const sub: Moves | undefined = moves !== undefined && from !== undefined && !c.changed ? { root: moves.root, path: [...moves.path, from, i], to: new Map() } : undefined;
        const r = repairObject(item as JsonObject, f.items, doc, ctx, `${prefix}${f.name}[].`, sub, refresh);
        if (typeof r === 'string') return r;
        out[i] = r;
        if (sub !== undefined) {
          const t = moves!.to.get(from!);
          if (t !== undefined) (t.items ??= [])[i] = sub;
        }
      }
      value = out;
    }
    values.set(f.name, value);
  }
  // Counts of the text the record holds already (WanJuan's char_num, cbytes_num, line_num) are
  // checked against its text: a stage before (pii, normalize, paragraphs) may have changed it,
  // and a count kept as it came went stale silently (new-user review 12 #6). Counted as stale, or
  // recomputed with `refresh`.
  let counts: JsonObject | undefined;
  for (const f of schema.fields) {
    if (f.derive === undefined || !TEXT_COUNTS.has(f.derive) || !source.has(f.name)) continue;
    const v = values.get(f.name);
    if (typeof v !== 'number') continue;
    counts ??= Object.fromEntries(values) as JsonObject;
    const now = derive(f.derive, f, counts, doc, schema.text ?? ctx.textField);
    if (now === undefined || now === v) continue;
    if (refresh) {
      values.set(f.name, now);
      moves?.to.delete(source.get(f.name)!);
      count(counters, `${prefix}${f.name}:refreshed`);
    } else count(counters, `${prefix}${f.name}:stale`);
  }
  const out: JsonObject = {};
  for (const f of schema.fields) if (values.has(f.name)) setOwn(out, f.name, values.get(f.name));
  for (const k of Object.keys(obj)) {
    if (used.has(k)) continue;
    if (schema.extra === 'drop') count(counters, `${prefix}${k}:dropped`);
    else {
      setOwn(out, k, obj[k]);
      moves?.to.set(k, { key: k });
    }
  }
  return out;
}

/** Derivations that count the text: a value present is checked against the text (`refresh`). */
const TEXT_COUNTS: ReadonlySet<string> = new Set(['char_num', 'line_num', 'cbytes_num']);

/** Options of `repair`. */
export const repairOptions = {
  schema: {
    type: 'string',
    default: 'wanjuan-cc',
    path: true,
    doc: `schema name (${SHIPPED_SCHEMAS.join(', ')}) or path to a schema YAML file`,
  },
  refresh: {
    type: 'boolean',
    default: false,
    doc: 'recompute counts of the text a record holds already (char_num, line_num, cbytes_num) when they disagree with its text, as after pii or normalize (counted as refreshed; without it, as stale)',
  },
} as const;

/**
 * `repair`: bring every record to a declared schema (rules/schemas/*.yaml). Missing fields are
 * filled from aliases, defaults or derivations; wrong types are coerced where nothing is lost.
 * A record that cannot be repaired is rejected as `missing:<field>` or `type:<field>`.
 * Options `schema` (default `wanjuan-cc`), `refresh` (default false: counts of the text that
 * disagree with it are counted as `<field>:stale`, not changed).
 */
export const repairStage: StageFactory = {
  name: 'repair',
  summary: 'fill missing fields (aliases, defaults, derived values) and fix types to a schema',
  options: repairOptions,
  create(options): Stage {
    const schema = loadSchema(options.schema as string);
    const refresh = options.refresh === true;
    return docStage({
      name: 'repair',
      needsText: false,
      options,
      apply(doc, ctx) {
        const moves: Moves = { root: doc.data, path: [], to: new Map() };
        const r = repairObject(doc.data, schema, doc, ctx, '', moves, refresh);
        if (typeof r === 'string') return r;
        // Numbers JavaScript cannot hold keep their input digits where their values went (review-hostile5 F13).
        moveExact(doc.data, r, (p) => movedPath(moves, p));
        doc.data = r;
        return undefined;
      },
    });
  },
};
