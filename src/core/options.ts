import { UsageError } from './errors.js';
import { SIZE_FORM, sizeBytes } from './size.js';
import { showText, showValue } from './show.js';
import { didYouMean } from './suggest.js';

/** Types an option can have. `string[]` accepts a list or a comma-separated string. */
/**
 * A decimal number written by a user (`0.1`, `5`, `1e-3`, `+2`), or NaN. `Number()` alone also
 * takes `0x1`, `0b1`, `0o7`, `Infinity` and the empty string (as 0), which no flag or option means.
 */
export function parseDecimal(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const s = v.trim();
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
}

/**
 * A whole number written in plain decimal digits (`8`, `+8`, `-3`), or NaN. Counts and sizes
 * of things to make (workers, shards, tasks) are taken only in this form: `1e9` is an integer to
 * `Number()`, and `--workers 1e9` sized an array of a billion slots. Numbers past 2^53 are NaN.
 */
export function parseWhole(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : NaN;
  if (typeof v !== 'string') return NaN;
  const s = v.trim();
  if (!/^[+-]?\d+$/.test(s)) return NaN;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : NaN;
}

/** `size`: a number of bytes, written as one or with a unit (`64MiB`, `256MB`), as every size flag takes it (core/size.ts). */
export type OptionType = 'number' | 'integer' | 'size' | 'string' | 'boolean' | 'string[]';

/** One option of a stage: its type, default and documentation. */
export interface OptionSpec {
  type: OptionType;
  /** The default; `null` means "off" for a check. */
  default: unknown;
  /** One line for `--help` and the README. */
  doc: string;
  /** Allowed values of a `string` (or each item of a `string[]`). */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** `null` is accepted (turns the check off). */
  nullable?: boolean;
  /** CLI sugar for a `string` option with `values`: each value is also a bare flag (`--exact` = `--method exact`). */
  shortcuts?: boolean;
  /** Older names still accepted in recipes and the API (camelCase), e.g. tokenize's `format` for `to`. */
  aliases?: readonly string[];
  /** The value is a file path (or a list of them): in a recipe it is relative to the recipe file. */
  path?: boolean;
}

/**
 * How messages name an option: as the user wrote it. `flag`: `--min-score` (the CLI); `recipe`:
 * `min_score` (YAML/JSON recipes); `camel`: `minScore` (the library).
 */
export type OptionNaming = 'flag' | 'recipe' | 'camel';

/** An option's name in the given style. */
export function optionName(key: string, naming: OptionNaming = 'camel'): string {
  if (naming === 'flag') return `--${kebabCase(key)}`;
  if (naming === 'recipe') return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  return key;
}

/** The options of a stage, by camelCase name. */
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** `max_words`, `max-words` and `maxWords` all name the option `maxWords`. */
export function camelCase(key: string): string {
  // A loop rather than /[-_]+([a-z0-9])/g, which is quadratic on a long run of dashes.
  let out = '';
  for (let i = 0; i < key.length; ) {
    let j = i;
    while (j < key.length && (key[j] === '-' || key[j] === '_')) j++;
    if (j === i) out += key[i++];
    else if (j < key.length && /[a-z0-9]/.test(key[j])) {
      out += key[j].toUpperCase();
      i = j + 1;
    } else {
      out += key.slice(i, j);
      i = j;
    }
  }
  return out;
}

/** `maxWords` → `max-words`, for CLI flags. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function coerce(owner: string, name: string, spec: OptionSpec, value: unknown, naming: OptionNaming): unknown {
  const shown = optionName(name, naming);
  const where = naming === 'flag' ? `${owner}: ${shown}` : `${owner}: option '${shown}'`;
  if (value === null || value === 'null') {
    if (spec.nullable) return null;
    throw new UsageError(`${where} cannot be null`);
  }
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const n = typeof value === 'string' ? (spec.type === 'integer' ? parseWhole(value) : parseDecimal(value)) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new UsageError(`${where} must be ${spec.type === 'integer' ? 'a whole number in plain digits' : 'a number'}, got ${showValue(value)}`);
      if (spec.type === 'integer' && !Number.isInteger(n)) throw new UsageError(`${where} must be an integer, got ${n}`);
      if (spec.min !== undefined && n < spec.min) throw new UsageError(`${where} must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new UsageError(`${where} must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'size': {
      const n = typeof value === 'number' && !Number.isInteger(value) ? NaN : sizeBytes(value);
      if (Number.isNaN(n)) throw new UsageError(`${where} must be ${SIZE_FORM}, got ${showValue(value)}`);
      if (spec.min !== undefined && n < spec.min) throw new UsageError(`${where} must be at least ${spec.min} bytes, got ${showValue(value)}${typeof value === 'string' && String(n) !== value.trim() ? ` (${n} bytes)` : ''}`);
      if (spec.max !== undefined && n > spec.max) throw new UsageError(`${where} must be at most ${spec.max} bytes, got ${showValue(value)}${typeof value === 'string' && String(n) !== value.trim() ? ` (${n} bytes)` : ''}`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new UsageError(`${where} must be true or false, got ${showValue(value)}`);
    case 'string':
      if (typeof value !== 'string') throw new UsageError(`${where} must be a string, got ${showValue(value)}`);
      if (spec.values && !spec.values.includes(value)) {
        throw new UsageError(`${where} must be one of ${spec.values.join(', ')}; got '${showText(value)}'${didYouMean(value, spec.values)}`);
      }
      return value;
    case 'string[]': {
      const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        throw new UsageError(`${where} must be a list of strings, got ${showValue(value)}`);
      }
      if (spec.values) {
        const bad = list.find((s) => !spec.values!.includes(s));
        if (bad !== undefined) throw new UsageError(`${where}: '${showText(bad)}' is not one of ${spec.values.join(', ')}${didYouMean(bad, spec.values)}`);
      }
      return list;
    }
  }
}

/**
 * Check given options against a spec and fill in defaults. Keys may be camelCase, snake_case
 * or kebab-case. An unknown key is an error that names the allowed ones (and the closest one);
 * messages name options in the `naming` style, the way the user wrote them.
 */
export function resolveOptions(owner: string, spec: OptionsSpec, given: Readonly<Record<string, unknown>> = {}, naming: OptionNaming = 'camel'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const aliases = new Map<string, string>();
  for (const [key, s] of Object.entries(spec)) for (const a of s.aliases ?? []) aliases.set(a, key);
  for (const [rawKey, value] of Object.entries(given)) {
    let key = camelCase(rawKey);
    if (spec[key] === undefined && aliases.has(key)) {
      const to = aliases.get(key)!;
      if (Object.keys(given).some((k) => camelCase(k) === to)) throw new UsageError(`${owner}: give '${showText(optionName(to, naming))}' or its old name '${showText(rawKey)}', not both`);
      key = to;
    }
    const s = spec[key];
    if (s === undefined) {
      const allowed = Object.keys(spec).map((k) => optionName(k, naming));
      const shown = naming === 'flag' ? `--${rawKey}` : rawKey;
      throw new UsageError(
        `${owner}: unknown option '${showText(shown)}'` + (allowed.length ? `${didYouMean(optionName(camelCase(rawKey), naming), allowed)}; allowed: ${allowed.join(', ')}` : '; it takes no options'),
      );
    }
    if (value === undefined) continue;
    out[key] = coerce(owner, key, s, value, naming);
  }
  for (const [key, s] of Object.entries(spec)) if (!(key in out)) out[key] = s.default;
  return out;
}
