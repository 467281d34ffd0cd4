import { UsageError } from './errors.js';

/** Types an option can have. `string[]` accepts a list or a comma-separated string. */
export type OptionType = 'number' | 'integer' | 'string' | 'boolean' | 'string[]';

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

function coerce(owner: string, name: string, spec: OptionSpec, value: unknown): unknown {
  const where = `${owner}: option '${name}'`;
  if (value === null || value === 'null') {
    if (spec.nullable) return null;
    throw new UsageError(`${where} cannot be null`);
  }
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new UsageError(`${where} must be a number, got ${JSON.stringify(value)}`);
      if (spec.type === 'integer' && !Number.isInteger(n)) throw new UsageError(`${where} must be an integer, got ${n}`);
      if (spec.min !== undefined && n < spec.min) throw new UsageError(`${where} must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new UsageError(`${where} must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new UsageError(`${where} must be true or false, got ${JSON.stringify(value)}`);
    case 'string':
      if (typeof value !== 'string') throw new UsageError(`${where} must be a string, got ${JSON.stringify(value)}`);
      if (spec.values && !spec.values.includes(value)) {
        throw new UsageError(`${where} must be one of ${spec.values.join(', ')}; got '${value}'`);
      }
      return value;
    case 'string[]': {
      const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        throw new UsageError(`${where} must be a list of strings, got ${JSON.stringify(value)}`);
      }
      if (spec.values) {
        const bad = list.find((s) => !spec.values!.includes(s));
        if (bad !== undefined) throw new UsageError(`${where}: '${bad}' is not one of ${spec.values.join(', ')}`);
      }
      return list;
    }
  }
}

/**
 * Check given options against a spec and fill in defaults. Keys may be camelCase, snake_case
 * or kebab-case. An unknown key is an error that names the allowed ones.
 */
export function resolveOptions(owner: string, spec: OptionsSpec, given: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(given)) {
    const key = camelCase(rawKey);
    const s = spec[key];
    if (s === undefined) {
      const allowed = Object.keys(spec);
      throw new UsageError(
        `${owner}: unknown option '${rawKey}'` + (allowed.length ? `; allowed: ${allowed.join(', ')}` : '; it takes no options'),
      );
    }
    if (value === undefined) continue;
    out[key] = coerce(owner, key, s, value);
  }
  for (const [key, s] of Object.entries(spec)) if (!(key in out)) out[key] = s.default;
  return out;
}
