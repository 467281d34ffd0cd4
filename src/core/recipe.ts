import { dataJuicerHint, dataJuicerUnknown } from './dataJuicer.js';
import { UsageError } from './errors.js';
import { parseTextField, type TextField } from './doc.js';
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import { camelCase, resolveOptions, type OptionsSpec } from './options.js';
import { didYouMean } from './suggest.js';
import type { StageFactory, StageRegistry } from './registry.js';
import { ownFactory, ownStageWhere } from './registry.js';
import { pathToFileURL } from 'node:url';
import { showText, showValue, errorText } from './show.js';
import { showPath } from './fsname.js';
import { parseShardSize, parseSize } from './size.js';

export { parseSize };

/** One stage of a recipe, options resolved (defaults filled in). */
export interface RecipeStage {
  stage: string;
  options: Record<string, unknown>;
  /** For a stage of your own (`- module: ./my-stage.js`): the module's absolute path. */
  module?: string;
}

/** Output settings of a recipe. */
export interface RecipeOutput {
  /** Start a new shard after this many records. */
  shardRecords?: number;
  /** Start a new shard after this many uncompressed bytes. */
  shardBytes?: number;
  /** Shard compression; default `gzip` (JSONL), `snappy` (Parquet: also `none`, `gzip`, `zstd`, `brotli`). */
  compression: 'none' | 'gzip' | 'zstd' | 'snappy' | 'brotli';
  /** True when the recipe names `compression` (not the format's default). */
  compressionGiven?: boolean;
  /** Drop the `attrs` signals from output records; default false. */
  stripAttrs: boolean;
  /** `parquet`: the shards are Parquet files (`format: parquet`); absent: JSONL. */
  format?: 'parquet';
  /** Parquet shards: rows per row group (`row_group_size`; default 10,000). */
  rowGroupSize?: number;
}

/** A validated recipe: plain data, frozen, written next to the output as `_recipe.resolved.yaml`. */
export interface Recipe {
  /** Name for logs; default the file name. */
  name: string;
  /** Inputs (files, directories, globs); relative ones start from the recipe's folder when it is known. */
  input: string[];
  /** Text field, or fields tried in order; `undefined` means automatic (`text`, then `content`). */
  textField?: TextField;
  stages: RecipeStage[];
  output: RecipeOutput;
  /** Fraction of bad input (unparseable lines, missing text) above which the run exits 1; default 0.1. */
  maxRejectRate: number;
  /** How `run` executes the recipe (flags override it). */
  executor?: RecipeExecutor;
  /** How `run` keeps its rejects (recipe key `rejects:`). */
  rejects: RecipeRejects;
}

/** The `rejects:` section of a recipe: how `run` keeps its rejects (flags override it). */
export interface RecipeRejects {
  /** `failing` (default): only the signals of the rules that failed; `all`: every signal. */
  attrs: 'failing' | 'all';
  /** Keep at most this many rejects per `stage/reason` (all are still counted); absent: keep all. */
  samplePerReason?: number;
  /** Compression of `_rejects.jsonl`; absent: zstd beside compressed shards (JSONL or Parquet), none beside uncompressed ones. */
  compression?: 'none' | 'gzip' | 'zstd';
}

/** The `executor:` section of a recipe: defaults for `run`'s executor flags. */
export interface RecipeExecutor {
  /** `local` (default) or `slurm`. */
  kind?: 'local' | 'slurm';
  /** Local workers; default all cores. */
  workers?: number;
  /** Bytes per task when a large JSONL file is cut; default 64 MiB. */
  taskSize?: number;
  /** Slurm: partition, time limit, memory, CPUs per task, array tasks running at once. */
  partition?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  parallel?: number;
}

const EXECUTOR_KEYS = ['kind', 'workers', 'taskSize', 'partition', 'time', 'mem', 'cpusPerTask', 'parallel'];

function resolveExecutor(raw: unknown, file: string): RecipeExecutor {
  if (!isObject(raw)) throw new UsageError('recipe: `executor` must be a mapping');
  const e = camelKeys(raw, EXECUTOR_KEYS, 'recipe executor');
  const out: RecipeExecutor = {};
  if (e.kind !== undefined) {
    if (e.kind !== 'local' && e.kind !== 'slurm') throw new UsageError(`recipe executor: kind must be local or slurm; got ${showValue(e.kind)}`);
    out.kind = e.kind;
  }
  for (const k of ['workers', 'cpusPerTask', 'parallel'] as const) {
    if (e[k] === undefined) continue;
    if (typeof e[k] !== 'number' || !Number.isInteger(e[k]) || (e[k] as number) < 1) throw new UsageError(`recipe executor: ${k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())} must be a positive integer`);
    out[k] = e[k] as number;
  }
  if (e.taskSize !== undefined) out.taskSize = parseSize(e.taskSize, 1, `${file}: executor: task_size`);
  for (const k of ['partition', 'time', 'mem'] as const) {
    if (e[k] === undefined) continue;
    if (typeof e[k] !== 'string' && typeof e[k] !== 'number') throw new UsageError(`recipe executor: ${k} must be a string`);
    out[k] = String(e[k]);
  }
  return out;
}

const TOP_KEYS = ['name', 'input', 'textField', 'stages', 'output', 'maxRejectRate', 'executor', 'rejects'];
const REJECTS_KEYS = ['attrs', 'samplePerReason', 'compression'];

/** Check the `rejects:` section of a recipe. */
function recipeRejects(raw: unknown, file: string): RecipeRejects {
  if (raw !== undefined && raw !== null && !isObject(raw)) throw new UsageError(`${file}: \`rejects\` must be a mapping (attrs, sample_per_reason, compression)`);
  const rj = isObject(raw) ? camelKeys(raw, REJECTS_KEYS, `${file}: rejects`) : {};
  const out: RecipeRejects = { attrs: 'failing' };
  if (rj.attrs !== undefined) {
    if (rj.attrs !== 'failing' && rj.attrs !== 'all') throw new UsageError(`${file}: rejects: attrs must be failing or all; got ${showValue(rj.attrs)}`);
    out.attrs = rj.attrs;
  }
  if (rj.samplePerReason !== undefined && rj.samplePerReason !== null) {
    if (typeof rj.samplePerReason !== 'number' || !Number.isInteger(rj.samplePerReason) || rj.samplePerReason < 0) throw new UsageError(`${file}: rejects: sample_per_reason must be a whole number (0 keeps none)`);
    out.samplePerReason = rj.samplePerReason;
  }
  if (rj.compression !== undefined) {
    if (rj.compression !== 'none' && rj.compression !== 'gzip' && rj.compression !== 'zstd') throw new UsageError(`${file}: rejects: compression must be none, gzip or zstd; got ${showValue(rj.compression)}`);
    out.compression = rj.compression;
  }
  return out;
}
const OUTPUT_KEYS = ['format', 'shardRecords', 'shardSize', 'shardBytes', 'compression', 'stripAttrs', 'rowGroupSize'];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function camelKeys(o: Record<string, unknown>, allowed: string[], where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const c = camelCase(k);
    if (!allowed.includes(c)) {
      const snake = allowed.map((x) => x.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase()));
      throw new UsageError(`${where}: unknown key '${showText(k)}'${didYouMean(k, snake)}; allowed: ${snake.join(', ')}`);
    }
    out[c] = v;
  }
  return out;
}

/** Where a recipe came from: its file (named in messages) and the folder its relative paths start from. */
export interface RecipeSource {
  /** The recipe file as the user gave it, e.g. `rules/recipes/sample.yaml`. */
  file?: string;
  /** Relative `input:` paths and file options (rule sets, word lists, models) start here; default the current directory. */
  baseDir?: string;
  /** Stage name -> module path, for stages loaded by `loadStageModules`. */
  modules?: ReadonlyMap<string, string>;
}

/** The stages of one's own each registry holds, by name: the module path each was loaded from. */
const ownModules = new WeakMap<StageRegistry, Map<string, string>>();

function isFactory(x: unknown): x is StageFactory {
  return isObject(x) && typeof x.name === 'string' && typeof x.create === 'function' && isObject(x.options);
}

/**
 * Load the stages of your own that a recipe names (`- module: ./my-stage.js`, options beside
 * `module`), before any record is read. The module (path relative to the recipe file) exports a
 * `StageFactory` (`{name, summary, options, create}`) as its default export or as any named
 * export; it is registered under its name, its options are checked like a built-in stage's.
 * Returns the recipe with those entries rewritten to `{stage: name, ...options}` and the map of
 * stage name to module path (give both to `resolveRecipe`).
 */
export async function loadStageModules(raw: unknown, registry: StageRegistry, source: RecipeSource = {}): Promise<{ raw: unknown; modules: Map<string, string> }> {
  const modules = new Map<string, string>();
  if (!isObject(raw) || !Array.isArray(raw.stages)) return { raw, modules };
  const file = source.file ?? 'recipe';
  const stages = [];
  const factories = new Map<string, StageFactory>();
  const uses = new Map<string, number[]>();
  for (const [i, s] of (raw.stages as unknown[]).entries()) {
    if (!isObject(s) || s.module === undefined) {
      stages.push(s);
      continue;
    }
    const at = `${file}: stages[${i}]`;
    if (typeof s.module !== 'string') throw new UsageError(`${at}: module must be a path to a JavaScript module`);
    const path = resolvePath(source.baseDir ?? '.', s.module);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`${at}: cannot load module '${showText(s.module)}' (${showPath(path)}): ${errorText(e)}${moduleHint(e)}`);
    }
    const factory = [mod.default, ...Object.values(mod)].find(isFactory);
    if (factory === undefined) throw new UsageError(`${at}: module '${showText(s.module)}' exports no stage factory ({name, summary, options, create})`);
    // The stage name goes into every accounting line and reason code (`[mystage/too_long 3]`).
    if (CONTROL.test(factory.name)) throw new UsageError(`${at}: module '${showText(s.module)}' names its stage ${showText(JSON.stringify(factory.name))}, which holds a control character (a newline?); give it a plain name (letters, digits, . _ -)`);
    const known = modules.get(factory.name);
    if (known !== undefined && known !== path) throw new UsageError(`${at}: stage name '${showText(factory.name)}' is already used by ${known}`);
    if (known === undefined) {
      // Registered by an earlier load of a recipe into this registry (runRecipe loads its recipe
      // twice; a program may run it again): the same module is the same stage (new-user review 23 B0).
      const earlier = ownModules.get(registry)?.get(factory.name);
      if (earlier !== undefined && earlier !== path) throw new UsageError(`${at}: stage name '${showText(factory.name)}' is already used by ${earlier}`);
      if (earlier === undefined && registry.has(factory.name)) throw new UsageError(`${at}: module '${showText(s.module)}' names its stage '${showText(factory.name)}', which is a built-in stage; pick another name`);
      if (earlier === undefined) factories.set(factory.name, factory);
      modules.set(factory.name, path);
    }
    uses.set(factory.name, [...(uses.get(factory.name) ?? []), i]);
    const { module: _m, ...opts } = s;
    stages.push({ stage: factory.name, ...opts });
  }
  // Registered once every use is known: a stage that throws names its module and stages[i].
  for (const [name, f] of factories) {
    registry.register(ownFactory(f, ownStageWhere(modules.get(name)!, uses.get(name)!)));
    const own = ownModules.get(registry) ?? new Map<string, string>();
    ownModules.set(registry, own.set(name, modules.get(name)!));
  }
  return { raw: { ...raw, stages }, modules };
}

/** A path written in a recipe, taken from the recipe's folder (`-`, absolute paths and plain names stay). */
function fromRecipe(p: string, baseDir: string | undefined, plainNamesToo: boolean): string {
  // A URL stays as written (the input check refuses it by name: local files only).
  if (baseDir === undefined || p === '-' || isAbsolute(p) || /^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(p)) return p;
  if (!plainNamesToo && !p.includes('/') && !/\.[A-Za-z0-9]+$/.test(p)) return p; // a shipped name such as `alpaca`
  const abs = resolvePath(baseDir, p);
  if (!plainNamesToo) return abs;
  // Inputs are spelled from the current directory when below it (messages and rejects stay short).
  const rel = relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** Stage options that are file paths, taken from the recipe's folder. */
function recipePaths(spec: OptionsSpec, opts: Record<string, unknown>, baseDir: string | undefined): Record<string, unknown> {
  if (baseDir === undefined) return opts;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) {
    const s = spec[camelCase(k)];
    if (s?.path && typeof v === 'string') out[k] = fromRecipe(v, baseDir, false);
    else if (s?.path && Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'string' ? fromRecipe(x, baseDir, false) : x));
    else out[k] = v;
  }
  return out;
}

/** A control character (C0, DEL, C1) or a line or paragraph separator: it would break the line a name is written into. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/**
 * Validate a parsed recipe (from YAML or JSON) against the registry, before any record is read.
 * Stages are written as in Data-Juicer: a list of one-key maps (`- quality: {preset: web-en}`),
 * or bare names (`- normalize`), or `{stage: name, ...options}`. Messages name the recipe file
 * and the stage (`sample.yaml: stages[1] (langid): unknown option 'min_scor'; did you mean
 * 'min_score'?`), options in snake_case. With `source.baseDir`, relative paths in the recipe
 * (`input:`, rule files, word lists, models) start from there, as in Data-Juicer and dolma configs.
 */
export function resolveRecipe(raw: unknown, registry: StageRegistry, defaultName = 'recipe', source: RecipeSource = {}): Recipe {
  const file = source.file ?? 'recipe';
  if (!isObject(raw)) throw new UsageError(`${file}: a recipe must be a mapping with at least a \`stages\` list`);
  // A Data-Juicer config (project_name, dataset_path, process: ...): how its keys and ops map here.
  const dj = dataJuicerHint(raw);
  if (dj !== undefined) throw new UsageError(`${file}: ${dj[0]}`, dj.slice(1));
  const top = camelKeys(raw, TOP_KEYS, file);
  const input = top.input === undefined ? [] : Array.isArray(top.input) ? top.input : [top.input];
  if (!input.every((x) => typeof x === 'string')) throw new UsageError(`${file}: \`input\` must be a path or a list of paths`);
  if (top.textField !== undefined && top.textField !== null && typeof top.textField !== 'string' && !(Array.isArray(top.textField) && top.textField.every((x) => typeof x === 'string'))) {
    throw new UsageError(`${file}: \`text_field\` must be a field name or a list of names tried in order (text_field: [text, content, raw_content])`);
  }
  if (!Array.isArray(top.stages)) throw new UsageError(`${file}: \`stages\` must be a list`);
  // Every stage is checked, and all their errors said at once (new-user review 21 N5: one per run).
  const wrong: UsageError[] = [];
  const stages: RecipeStage[] = top.stages.map((s: unknown, i: number) => {
    try {
      return recipeStage(s, i);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      wrong.push(e);
      return undefined as unknown as RecipeStage;
    }
  });
  if (wrong.length > 0) throw new UsageError(wrong[0].message, [...wrong[0].more, ...wrong.slice(1).flatMap((e) => [e.message, ...e.more])]);
  function recipeStage(s: unknown, i: number): RecipeStage {
    const at = `${file}: stages[${i}]`;
    let name: string;
    let opts: Record<string, unknown>;
    if (typeof s === 'string') [name, opts] = [s, {}];
    else if (isObject(s) && typeof s.stage === 'string') {
      const { stage, ...rest } = s;
      [name, opts] = [stage as string, rest];
    } else if (isObject(s) && Object.keys(s).length === 1) {
      const [k, v] = Object.entries(s)[0];
      if (v !== null && v !== undefined && !isObject(v)) throw new UsageError(`${at} (${k}): options must be a mapping`);
      [name, opts] = [k, (v as Record<string, unknown> | null) ?? {}];
    } else {
      // The YAML slip: options at the indentation of `- quality:` become keys beside it.
      const named = isObject(s) ? Object.entries(s).find(([k, v]) => (v === null || v === undefined) && registry.has(k)) : undefined;
      if (named) {
        const others = Object.keys(s as object).filter((k) => k !== named[0]);
        throw new UsageError(`${at} (${named[0]}): ${others.map((k) => `'${showText(k)}'`).join(', ')} ${others.length > 1 ? 'are' : 'is'} beside '${showText(named[0])}', not under it; indent the options two more spaces than '- ${named[0]}:'`);
      }
      throw new UsageError(`${at} must be a stage name or a one-key mapping {name: options}`);
    }
    if (!registry.has(name)) throw new UsageError(`${at}: unknown stage '${showText(name)}'${dataJuicerUnknown(name, opts) ?? didYouMean(name, registry.names())}; known stages: ${registry.names().join(', ')}`);
    const spec = registry.get(name).options;
    const module = source.modules?.get(name);
    return { stage: name, options: resolveOptions(`${at} (${name})`, spec, recipePaths(spec, opts, source.baseDir), 'recipe'), ...(module ? { module } : {}) };
  }
  const o = isObject(top.output) ? camelKeys(top.output, OUTPUT_KEYS, `${file}: output`) : {};
  if (top.output !== undefined && !isObject(top.output)) throw new UsageError(`${file}: \`output\` must be a mapping`);
  const format = o.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'parquet') throw new UsageError(`${file}: output: format must be jsonl or parquet; got ${showValue(format)}`);
  const parquet = format === 'parquet';
  const compression = o.compression ?? (parquet ? 'snappy' : 'gzip');
  const codecs = parquet ? ['none', 'snappy', 'gzip', 'zstd', 'brotli'] : ['none', 'gzip', 'zstd'];
  if (!codecs.includes(compression as string)) throw new UsageError(`${file}: output: compression ${parquet ? 'of Parquet shards ' : ''}must be ${codecs.slice(0, -1).join(', ')} or ${codecs[codecs.length - 1]}; got ${showValue(compression)}`);
  const output: RecipeOutput = { compression: compression as RecipeOutput['compression'], ...(o.compression !== undefined ? { compressionGiven: true } : {}), stripAttrs: o.stripAttrs === true, ...(parquet ? { format: 'parquet' as const } : {}) };
  if (o.rowGroupSize !== undefined) {
    if (!parquet) throw new UsageError(`${file}: output: row_group_size is for Parquet shards (format: parquet)`);
    if (typeof o.rowGroupSize !== 'number' || !Number.isInteger(o.rowGroupSize) || o.rowGroupSize < 1) throw new UsageError(`${file}: output: row_group_size must be a positive integer`);
    output.rowGroupSize = o.rowGroupSize;
  }
  if (o.shardRecords !== undefined) {
    if (typeof o.shardRecords !== 'number' || !Number.isInteger(o.shardRecords) || o.shardRecords < 1) throw new UsageError(`${file}: output: shard_records must be a positive integer`);
    output.shardRecords = o.shardRecords;
  }
  if (o.shardSize !== undefined || o.shardBytes !== undefined) output.shardBytes = o.shardSize !== undefined ? parseShardSize(o.shardSize, `${file}: output: shard_size`) : parseSize(o.shardBytes, 1, `${file}: output: shard_bytes`);
  if (parquet && output.shardBytes !== undefined) throw new UsageError(`${file}: output: shard_size is for JSONL shards: a Parquet file is cut by rows, give shard_records`);
  const rate = top.maxRejectRate ?? 0.1;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new UsageError(`${file}: max_reject_rate must be a number between 0 and 1; got ${showValue(rate)}`);
  // A name with a control character (a newline) would break every line it is written into: the
  // `#SBATCH --job-name=` header ran the rest as a shell command (hostile review 9 F44).
  if (typeof top.name === 'string' && CONTROL.test(top.name)) throw new UsageError(`${file}: name ${showText(JSON.stringify(top.name))} holds a control character (a newline?); give a plain name (letters, digits, . _ -)`);
  const recipe: Recipe = {
    // The default, the recipe's file name, may hold one too (`r\n.yaml`): replaced by `_`, as the
    // name refused above would have made the resolved recipe written beside the run, which says
    // `name: "r\n"`, refused by the rerun it suggests (hostile review 13, follow13's note).
    name: typeof top.name === 'string' ? top.name : defaultName.replace(CONTROLS, '_'),
    input: (input as string[]).map((x) => fromRecipe(x, source.baseDir, true)),
    stages,
    output,
    maxRejectRate: rate,
    rejects: recipeRejects(top.rejects, file),
  };
  const tf = parseTextField(top.textField);
  if (tf !== undefined) recipe.textField = tf;
  if (top.executor !== undefined && top.executor !== null) recipe.executor = resolveExecutor(top.executor, file);
  return recipe;
}

/** The folder of this package (the clone or the installed package), for install hints. */
const PACKAGE_ROOT = resolvePath(import.meta.dirname, '../..');

/** What to do when a stage module cannot be loaded for a reason its author can fix. */
function moduleHint(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/Cannot find (package|module) 'corpus-clean'/.test(m)) {
    return `; the module imports 'corpus-clean', which must resolve from the module's folder: in that project, 'npm install ${showPath(PACKAGE_ROOT)}' (this installation; or the .tgz of 'npm pack')`;
  }
  if (/Cannot use import statement outside a module|require is not defined in ES module scope/.test(m)) {
    return "; name the module .mjs (an ES module) or set \"type\": \"module\" in its package.json";
  }
  return '';
}
