import { UsageError } from './errors.js';
import { parseTextField, type TextField } from './doc.js';
import { camelCase } from './options.js';
import type { StageRegistry } from './registry.js';

/** One stage of a recipe, options resolved (defaults filled in). */
export interface RecipeStage {
  stage: string;
  options: Record<string, unknown>;
}

/** Output settings of a recipe. */
export interface RecipeOutput {
  /** Start a new shard after this many records. */
  shardRecords?: number;
  /** Start a new shard after this many uncompressed bytes. */
  shardBytes?: number;
  /** Shard compression; default `gzip`. */
  compression: 'none' | 'gzip' | 'zstd';
  /** Drop the `attrs` signals from output records; default false. */
  stripAttrs: boolean;
}

/** A validated recipe: plain data, frozen, written next to the output as `_recipe.resolved.yaml`. */
export interface Recipe {
  /** Name for logs; default the file name. */
  name: string;
  /** Inputs (files, directories, globs), relative to the current directory. */
  input: string[];
  /** Text field, or fields tried in order; `undefined` means automatic (`text`, then `content`). */
  textField?: TextField;
  stages: RecipeStage[];
  output: RecipeOutput;
  /** Fraction of bad input (unparseable lines, missing text) above which the run exits 1; default 0.1. */
  maxRejectRate: number;
}

const TOP_KEYS = ['name', 'input', 'textField', 'stages', 'output', 'maxRejectRate'];
const OUTPUT_KEYS = ['shardRecords', 'shardSize', 'shardBytes', 'compression', 'stripAttrs'];

/** Parse `256MB`, `1.5GiB`, `4096` into bytes. */
export function parseSize(v: unknown): number {
  if (typeof v === 'number' && v >= 1) return Math.floor(v);
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(v.trim()) : null;
  if (!m) throw new UsageError(`bad size ${JSON.stringify(v)}: use a number of bytes or e.g. 256MB, 1GB`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[m[2].toLowerCase()]!;
  const bin = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()]!;
  const bytes = Math.floor(Number(m[1]) * (m[3].toLowerCase().startsWith('i') ? bin : mult));
  if (bytes < 1) throw new UsageError(`bad size ${JSON.stringify(v)}: must be at least 1 byte`);
  return bytes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function camelKeys(o: Record<string, unknown>, allowed: string[], where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const c = camelCase(k);
    if (!allowed.includes(c)) throw new UsageError(`${where}: unknown key '${k}'; allowed: ${allowed.join(', ')}`);
    out[c] = v;
  }
  return out;
}

/**
 * Validate a parsed recipe (from YAML or JSON) against the registry, before any record is read.
 * Stages are written as in Data-Juicer: a list of one-key maps (`- quality: {preset: web-en}`),
 * or bare names (`- normalize`), or `{stage: name, ...options}`.
 */
export function resolveRecipe(raw: unknown, registry: StageRegistry, defaultName = 'recipe'): Recipe {
  if (!isObject(raw)) throw new UsageError('a recipe must be a mapping with at least a `stages` list');
  const top = camelKeys(raw, TOP_KEYS, 'recipe');
  const input = top.input === undefined ? [] : Array.isArray(top.input) ? top.input : [top.input];
  if (!input.every((x) => typeof x === 'string')) throw new UsageError('recipe: `input` must be a path or a list of paths');
  if (top.textField !== undefined && top.textField !== null && typeof top.textField !== 'string' && !(Array.isArray(top.textField) && top.textField.every((x) => typeof x === 'string'))) {
    throw new UsageError('recipe: `text_field` must be a field name or a list of names tried in order (text_field: [text, content, raw_content])');
  }
  if (!Array.isArray(top.stages)) throw new UsageError('recipe: `stages` must be a list');
  const stages: RecipeStage[] = top.stages.map((s: unknown, i: number) => {
    let name: string;
    let opts: Record<string, unknown>;
    if (typeof s === 'string') [name, opts] = [s, {}];
    else if (isObject(s) && typeof s.stage === 'string') {
      const { stage, ...rest } = s;
      [name, opts] = [stage as string, rest];
    } else if (isObject(s) && Object.keys(s).length === 1) {
      const [k, v] = Object.entries(s)[0];
      if (v !== null && v !== undefined && !isObject(v)) throw new UsageError(`recipe: stage ${i + 1} ('${k}'): options must be a mapping`);
      [name, opts] = [k, (v as Record<string, unknown> | null) ?? {}];
    } else throw new UsageError(`recipe: stage ${i + 1} must be a stage name or a one-key mapping {name: options}`);
    return { stage: name, options: registry.resolve(name, opts) };
  });
  const o = isObject(top.output) ? camelKeys(top.output, OUTPUT_KEYS, 'recipe output') : {};
  if (top.output !== undefined && !isObject(top.output)) throw new UsageError('recipe: `output` must be a mapping');
  const compression = o.compression ?? 'gzip';
  if (compression !== 'none' && compression !== 'gzip' && compression !== 'zstd') throw new UsageError(`recipe output: compression must be none, gzip or zstd; got ${JSON.stringify(compression)}`);
  const output: RecipeOutput = { compression, stripAttrs: o.stripAttrs === true };
  if (o.shardRecords !== undefined) {
    if (typeof o.shardRecords !== 'number' || !Number.isInteger(o.shardRecords) || o.shardRecords < 1) throw new UsageError('recipe output: shard_records must be a positive integer');
    output.shardRecords = o.shardRecords;
  }
  if (o.shardSize !== undefined || o.shardBytes !== undefined) output.shardBytes = parseSize(o.shardSize ?? o.shardBytes);
  const rate = top.maxRejectRate ?? 0.1;
  if (typeof rate !== 'number' || rate < 0 || rate > 1) throw new UsageError('recipe: max_reject_rate must be a number between 0 and 1');
  const recipe: Recipe = {
    name: typeof top.name === 'string' ? top.name : defaultName,
    input: input as string[],
    stages,
    output,
    maxRejectRate: rate,
  };
  const tf = parseTextField(top.textField);
  if (tf !== undefined) recipe.textField = tf;
  return recipe;
}
