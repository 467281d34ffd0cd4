import { isStageThrew, StageThrew, UsageError } from './errors.js';
import type { OptionNaming, OptionsSpec } from './options.js';
import { resolveOptions } from './options.js';
import { didYouMean } from './suggest.js';
import type { Doc } from './doc.js';
import type { Stage, StageContext } from './stage.js';
import { showText } from './show.js';
import { showPath } from './fsname.js';
import { isAbsolute, relative } from 'node:path';

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

/**
 * A stage factory of one's own (a recipe's `- module: ./x.mjs`) whose stages, when their code
 * throws, fail with a `StageThrew` naming the stage, `where` (the module and `stages[i]`) and
 * the record (new-user review 22 A5: 'task 0 ... failed: my bug at record 5000' named neither,
 * and advised a rerun that fails the same way).
 */
export function ownFactory(f: StageFactory, where: string): StageFactory {
  return { name: f.name, summary: f.summary, options: f.options, create: async (options) => ownStage(await f.create(options), where) };
}

/**
 * `stage` with its `run` watched (see `ownFactory`). A proxy, not a copy: a stage may be a class
 * instance whose getters and private fields a copy would lose. What the stage's code throws is
 * told apart from what the stages before it threw (which passes through as it is); the record is
 * the one `docStage` names, else the batch the stage was given last.
 */
export function ownStage(stage: Stage, where: string): Stage {
  const run = stage.run;
  async function* watched(this: unknown, batches: AsyncIterable<Doc[]>, ctx: StageContext): AsyncIterable<Doc[]> {
    let last: Doc[] | undefined;
    let ended = false;
    const before = new WeakSet<object>();
    async function* given(): AsyncIterable<Doc[]> {
      try {
        for await (const b of batches) {
          last = b;
          yield b;
        }
        ended = true;
      } catch (e) {
        if (typeof e === 'object' && e !== null) before.add(e);
        throw e;
      }
    }
    try {
      yield* run.call(stage, given(), ctx);
    } catch (e) {
      if (typeof e === 'object' && e !== null && before.has(e)) throw e;
      if (isStageThrew(e)) throw new StageThrew(e.stage, e.record, e.cause, where);
      throw new StageThrew(stage.name, onWhat(last, ended), e, where);
    }
  }
  const own = new Proxy(stage, { get: (t, k) => (k === 'run' ? watched : Reflect.get(t, k, t)) });
  ownWhere.set(own, where);
  return own;
}

/** The `where` of each stage of one's own (`ownStage`). */
const ownWhere = new WeakMap<Stage, string>();

/** For a stage of one's own (made by `ownStage`), its module and `stages[i]` as its errors name them; undefined for a built-in stage. */
export function ownStageWhereOf(stage: Stage): string | undefined {
  return ownWhere.get(stage);
}

/** The records a stage was on when it threw, as far as its batches tell. */
function onWhat(last: readonly Doc[] | undefined, ended: boolean): string {
  if (last === undefined) return 'no record (before its first batch)';
  if (ended) return `no record (after its last batch, which ended with ${showText(last[last.length - 1].source)})`;
  if (last.length === 1) return showText(last[0].source);
  return `one of the ${last.length} records of its batch ${showText(last[0].source)} .. ${showText(last[last.length - 1].source)}`;
}

/**
 * How an own stage's module is named in its errors: `./x.mjs, stages[1]` (its path from the
 * current folder when below it, else absolute, and the recipe's indices of its stages). The
 * same in every worker, which has the plan's absolute path only.
 */
export function ownStageWhere(modulePath: string, indices: readonly number[]): string {
  const rel = relative(process.cwd(), modulePath);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : modulePath;
  return `${showPath(shown)}, ${indices.map((i) => `stages[${i}]`).join(' or ')}`;
}

/**
 * A stage whose module is loaded when first used: its name is known at once (recipes are checked
 * against it), its factory (summary, options, create) when `StageRegistry.load` or `create` asks.
 */
export interface LazyStage {
  readonly name: string;
  load(): Promise<StageFactory>;
}

function isLazy(f: StageFactory | LazyStage): f is LazyStage {
  return typeof (f as Partial<LazyStage>).load === 'function' && typeof (f as Partial<StageFactory>).create !== 'function';
}

/**
 * A set of stage factories by name. Some may be lazy (`LazyStage`): a `run` of a normalize-only
 * recipe compiled every stage's module (~60 chunks, 1.2-1.5 MB of JavaScript, issue #16) though it
 * builds one. `names` and `has` never load; `get` and `resolve` need the stage loaded (`load`, as
 * `loadRecipe` does for the stages a recipe names); `create` loads it.
 */
export class StageRegistry {
  private readonly byName = new Map<string, StageFactory>();
  private readonly lazy = new Map<string, LazyStage>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(factories: readonly (StageFactory | LazyStage)[] = []) {
    for (const f of factories) this.register(f);
  }

  register(f: StageFactory | LazyStage): void {
    if (this.byName.has(f.name) || this.lazy.has(f.name)) throw new Error(`stage '${f.name}' registered twice`);
    if (isLazy(f)) this.lazy.set(f.name, f);
    // a lazy stage's entry is replaced by its factory when loaded; `get` refuses it until then
    this.byName.set(f.name, f as StageFactory);
  }

  /** Names in registration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Load the modules of the lazy stages among `names` (other names, known or not, are left alone:
   * an unknown one is refused where it is used, with the list of known stages).
   */
  async load(names: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const name of new Set(names)) {
      const l = this.lazy.get(name);
      if (l === undefined) continue;
      let p = this.loading.get(name);
      if (p === undefined) {
        p = l.load().then((f) => {
          if (f.name !== name) throw new Error(`stage '${name}': its module gives a factory named '${f.name}'`);
          this.byName.set(name, f);
          this.lazy.delete(name);
        });
        this.loading.set(name, p);
        p.catch(() => this.loading.delete(name));
      }
      waits.push(p);
    }
    await Promise.all(waits);
  }

  /**
   * Load the lazy stages a recipe's `stages` list (as read, before `resolveRecipe`) may name: a
   * string, a `stage:` value, or a key of a stage's mapping.
   */
  async loadNamedIn(stages: unknown): Promise<void> {
    if (this.lazy.size === 0) return;
    if (!Array.isArray(stages)) return;
    const names: string[] = [];
    for (const s of stages as unknown[]) {
      if (typeof s === 'string') names.push(s);
      else if (typeof s === 'object' && s !== null && !Array.isArray(s)) {
        const o = s as Record<string, unknown>;
        if (typeof o.stage === 'string') names.push(o.stage);
        names.push(...Object.keys(o));
      }
    }
    await this.load(names);
  }

  /** The factory, or a usage error that lists the known stages. */
  get(name: string): StageFactory {
    const f = this.byName.get(name);
    if (f === undefined) throw new UsageError(`unknown stage '${showText(name)}'${didYouMean(name, this.names())}; known stages: ${this.names().join(', ')}`);
    if (this.lazy.has(name)) throw new Error(`stage '${name}' is not loaded yet: await registry.load(['${name}']) first`);
    return f;
  }

  /** Resolve options without building (used to validate a whole recipe before reading). */
  resolve(name: string, options: Readonly<Record<string, unknown>> = {}, naming: OptionNaming = 'camel'): Record<string, unknown> {
    return resolveOptions(name, this.get(name).options, options, naming);
  }

  /** Build a stage from a name and options (messages name options in the `naming` style); loads a lazy stage's module. */
  async create(name: string, options: Readonly<Record<string, unknown>> = {}, naming: OptionNaming = 'camel'): Promise<Stage> {
    if (this.lazy.has(name)) await this.load([name]);
    const f = this.get(name);
    const resolved = this.resolve(name, options, naming);
    return noteFilesRead(await f.create(resolved), name, f.options, resolved);
  }
}

/** A registry of lazy stages, in the order of `loaders` (name -> its factory's module). */
export function lazyRegistry(loaders: Readonly<Record<string, () => Promise<StageFactory>>>): StageRegistry {
  return new StageRegistry(Object.entries(loaders).map(([name, load]) => ({ name, load })));
}
