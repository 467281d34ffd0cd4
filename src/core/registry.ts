import { UsageError } from './errors.js';
import type { OptionNaming, OptionsSpec } from './options.js';
import { resolveOptions } from './options.js';
import { didYouMean } from './suggest.js';
import type { Stage } from './stage.js';
import { showText } from './show.js';

/** How to build a stage by name: what recipes, the CLI and the library share. */
export interface StageFactory {
  /** Registry name, used in recipes and as the CLI subcommand. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  readonly options: OptionsSpec;
  /** Build the stage from resolved options (defaults filled in, types checked). */
  create(options: Record<string, unknown>): Stage | Promise<Stage>;
}

/** A file a stage reads besides the records (a list, a rule set, a schema, a tokenizer model). */
export interface FileRead {
  path: string;
  /** Which stage option names it, e.g. `the block file of url-filter`. */
  what: string;
}

const filesRead = new WeakMap<Stage, FileRead[]>();

/**
 * Note the files `stage` reads: the values of its options marked `path` (a string or a list).
 * Whether each is a file (and not a built-in name such as repair's `wanjuan-cc`) is judged where
 * outputs are checked.
 */
export function noteFilesRead(stage: Stage, name: string, spec: OptionsSpec, options: Readonly<Record<string, unknown>>): Stage {
  const out: FileRead[] = [];
  for (const [key, s] of Object.entries(spec)) {
    if (s.path !== true) continue;
    const v = options[key];
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' && x !== '') out.push({ path: x, what: `the ${key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())} file of ${name}` });
  }
  if (out.length > 0) filesRead.set(stage, out);
  return stage;
}

/** The files a stage built by a registry (or noted by `noteFilesRead`) reads besides the records. */
export function filesReadBy(stage: Stage): readonly FileRead[] {
  return filesRead.get(stage) ?? [];
}

/** A set of stage factories by name. */
export class StageRegistry {
  private readonly byName = new Map<string, StageFactory>();

  constructor(factories: readonly StageFactory[] = []) {
    for (const f of factories) this.register(f);
  }

  register(f: StageFactory): void {
    if (this.byName.has(f.name)) throw new Error(`stage '${f.name}' registered twice`);
    this.byName.set(f.name, f);
  }

  /** Names in registration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The factory, or a usage error that lists the known stages. */
  get(name: string): StageFactory {
    const f = this.byName.get(name);
    if (f === undefined) throw new UsageError(`unknown stage '${showText(name)}'${didYouMean(name, this.names())}; known stages: ${this.names().join(', ')}`);
    return f;
  }

  /** Resolve options without building (used to validate a whole recipe before reading). */
  resolve(name: string, options: Readonly<Record<string, unknown>> = {}, naming: OptionNaming = 'camel'): Record<string, unknown> {
    return resolveOptions(name, this.get(name).options, options, naming);
  }

  /** Build a stage from a name and options (messages name options in the `naming` style). */
  async create(name: string, options: Readonly<Record<string, unknown>> = {}, naming: OptionNaming = 'camel'): Promise<Stage> {
    const f = this.get(name);
    const resolved = this.resolve(name, options, naming);
    return noteFilesRead(await f.create(resolved), name, f.options, resolved);
  }
}
