import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { LIST_MAX, readSideFile } from '../../io/sideFile.js';
import { errorText, showText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';

/** JSON types a schema field can declare. `date` is an ISO 8601 string. */
export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'array', 'object', 'any'] as const;
/** A field type. */
export type FieldType = (typeof FIELD_TYPES)[number];

/** Values a field can be derived from the record (see `derive.ts`). */
export const DERIVATIONS = ['id', 'char_num', 'line_num', 'cbytes_num', 'language', 'date'] as const;
/** A derivation. */
export type Derivation = (typeof DERIVATIONS)[number];

/** One field of a schema. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** Default false. A required field that is missing and cannot be filled rejects the record. */
  readonly required: boolean;
  /** Other names the value may be found under, tried in order; the value is moved to `name`. */
  readonly aliases: readonly string[];
  /** Value used when the field is missing (after aliases, before derivation). */
  readonly default?: unknown;
  /** How to compute the value when it is missing. */
  readonly derive?: Derivation;
  /** For `derive: date`: fields holding a date in some other form, tried in order. */
  readonly from: readonly string[];
  /** An empty string or empty array counts as missing (default false). */
  readonly nonEmpty: boolean;
  /** For `array` of objects: the schema of each item. */
  readonly items?: RecordSchema;
}

/** A record schema: what `repair` enforces and what `normalize` coerces. */
export interface RecordSchema {
  readonly name: string;
  readonly description: string;
  /** The field derivations read as "the text" (`id`, `char_num`, ...); default the run's text field. */
  readonly text?: string;
  readonly fields: readonly FieldSpec[];
  /** What to do with fields the schema does not name: `keep` (default) or `drop`. */
  readonly extra: 'keep' | 'drop';
}

/** Where the shipped schemas live (`rules/schemas/`), from src/ or dist/ alike. */
export const SCHEMA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../rules/schemas');

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FIELD_KEYS = new Set(['type', 'required', 'aliases', 'default', 'derive', 'from', 'non_empty', 'nonEmpty', 'items', 'doc']);

function parseField(where: string, name: string, raw: unknown): FieldSpec {
  const spec: Record<string, unknown> = typeof raw === 'string' ? { type: raw } : isObj(raw) ? raw : {};
  if (!isObj(raw) && typeof raw !== 'string') throw new UsageError(`${where}: field '${showText(name)}' must be a type name or a mapping`);
  for (const k of Object.keys(spec)) {
    if (!FIELD_KEYS.has(k)) throw new UsageError(`${where}: field '${showText(name)}': unknown key '${showText(k)}'; allowed: ${[...FIELD_KEYS].join(', ')}`);
  }
  const type = (spec.type ?? 'any') as FieldType;
  if (!FIELD_TYPES.includes(type)) throw new UsageError(`${where}: field '${showText(name)}': type must be one of ${FIELD_TYPES.join(', ')}; got '${showText(String(spec.type))}'`);
  const list = (k: string): string[] => {
    const v = spec[k];
    if (v === undefined) return [];
    const l = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(l) || !l.every((x) => typeof x === 'string')) throw new UsageError(`${where}: field '${showText(name)}': '${showText(k)}' must be a list of field names`);
    return l;
  };
  const derive = spec.derive as Derivation | undefined;
  if (derive !== undefined && !DERIVATIONS.includes(derive)) {
    throw new UsageError(`${where}: field '${showText(name)}': derive must be one of ${DERIVATIONS.join(', ')}; got '${showText(String(derive))}'`);
  }
  let items: RecordSchema | undefined;
  if (spec.items !== undefined) {
    if (type !== 'array') throw new UsageError(`${where}: field '${showText(name)}': 'items' needs type array`);
    items = parseSchemaObject(`${where}: ${name}[]`, spec.items, `${name}[]`);
  }
  const out: FieldSpec = {
    name,
    type,
    required: spec.required === true,
    aliases: list('aliases'),
    derive,
    from: list('from'),
    nonEmpty: spec.non_empty === true || spec.nonEmpty === true,
    items,
    ...('default' in spec ? { default: spec.default } : {}),
  };
  return out;
}

/** Check and freeze a schema given as a plain object (as parsed from YAML). */
export function parseSchemaObject(where: string, raw: unknown, fallbackName = 'schema'): RecordSchema {
  if (!isObj(raw)) throw new UsageError(`${where}: a schema must be a mapping with 'fields'`);
  if (!isObj(raw.fields)) throw new UsageError(`${where}: 'fields' must be a mapping of field name to spec`);
  const extra = raw.extra ?? 'keep';
  if (extra !== 'keep' && extra !== 'drop') throw new UsageError(`${where}: 'extra' must be keep or drop`);
  if (raw.text !== undefined && typeof raw.text !== 'string') throw new UsageError(`${where}: 'text' must be a field name`);
  return Object.freeze({
    name: typeof raw.name === 'string' ? raw.name : fallbackName,
    description: typeof raw.description === 'string' ? raw.description : '',
    text: raw.text as string | undefined,
    fields: Object.freeze(Object.entries(raw.fields).map(([k, v]) => Object.freeze(parseField(where, k, v)))),
    extra,
  });
}

/** Names of the schemas shipped in `rules/schemas/`. */
export const SHIPPED_SCHEMAS = ['wanjuan-cc', 'wanjuan', 'alpaca', 'sharegpt', 'openai-messages', 'xtuner-conversation'] as const;

const cache = new Map<string, RecordSchema>();

/**
 * Load a schema by shipped name (`alpaca`) or by path to a YAML/JSON file. A wrong name or a
 * malformed file is a usage error that says what is wrong.
 */
export function loadSchema(nameOrPath: string): RecordSchema {
  const cached = cache.get(nameOrPath);
  if (cached) return cached;
  const shipped = join(SCHEMA_DIR, `${nameOrPath}.yaml`);
  const path = /^[\w-]+$/.test(nameOrPath) ? shipped : nameOrPath;
  if (!existsSync(path)) {
    throw new UsageError(`schema '${showPath(nameOrPath)}' not found; shipped schemas: ${SHIPPED_SCHEMAS.join(', ')}; or give a path to a .yaml file`);
  }
  let raw: unknown;
  try {
    // yaml only when a schema is read: normalize imports this module and mostly reads none (#16 start-up).
    raw = (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(readSideFile(path, LIST_MAX, { pipes: true }).toString('utf8'));
  } catch (e) {
    throw new UsageError(`schema '${showPath(path)}': ${errorText(e)}`);
  }
  const schema = parseSchemaObject(`schema ${path}`, raw, nameOrPath);
  cache.set(nameOrPath, schema);
  return schema;
}
