/**
 * V8 settings for the threads that run units (local workers, the calling thread with one
 * worker, a Slurm task), and for the CLI's single commands (cli/main.ts: `quality`, `dedup`, ...
 * run their pipeline in the CLI's own thread).
 *
 * Units: `--interrupt-budget` 16x V8's default (67,584 -> 1,081,344): a function is optimised by
 * TurboFan after running 16x more bytecode, so with more type feedback. The stages' large
 * functions (the quality profile, the signal computers) were optimised early, deoptimised on
 * the first record that took a branch not seen yet ("insufficient type feedback"), and
 * optimised again: 398 TurboFan compiles and 119 deopts per worker on 34 MB of the sample
 * recipe, 187 and 43 with this budget. The compiles run on V8's helper threads: free with one
 * worker on an idle second core, paid for when workers fill every core. Sample recipe over
 * 103 MB, two runs side by side under the same load: 2 worker processes 19.4/19.2 -> 18.3/18.5
 * CPU s; 1 worker 14.2 -> 13.4 CPU s (its own thread 9.5 -> 9.8 s, V8's helpers 3.0 -> 2.0 s).
 * See bench/RESULTS.md "exec session 4".
 *
 * Single commands: V8's defaults (`COMMAND_V8_FLAGS`, none). They had the units' 16x for a while
 * (nineteenth pass): it made the English slice's `quality` ~10 % cheaper, because the quality
 * warm-up left `topNgramPartitioned` cold and V8's default budget compiled it on-stack and threw
 * it away 6 times, but `quality --preset web-zh` over web/zh (88,704 short records) 4-5 % dearer.
 * With that function warmed too (stages/quality/warm.ts), 16x is the dearest of default, 2x, 4x
 * and 16x on both commands and the other three are alike (bench/RESULTS.md "Issue 16, nineteenth
 * pass, the commands' V8 budget").
 *
 * `CORPUS_CLEAN_V8_FLAGS` replaces both (space-separated V8 flags; empty for V8's defaults):
 * bench/exec.ts --v8-defaults measures the difference in one run.
 */
import { setFlagsFromString, spawnSync } from '../core/lazyBuiltins.js';
import { UsageError } from '../core/errors.js';

/** The V8 flags units run with. */
export const V8_FLAGS: readonly string[] = ['--interrupt-budget=1081344'];

/** The V8 flags a single command (not `run`'s units) runs with: none, V8's defaults. */
export const COMMAND_V8_FLAGS: readonly string[] = [];

/**
 * Flags that change how many threads V8's GC or compiler use. They are read when V8 starts its
 * heap: set later (setFlagsFromString, as here) they leave it half switched, and V8 aborts now
 * and then ("Check failed: concurrent_marking_handle_ ...", exit 133; perf session 11 with
 * --single-threaded-gc). They work only on node's own command line (`node --single-threaded-gc
 * dist/bundle/main.js ...`; worker processes inherit it, NODE_OPTIONS refuses most of them), so
 * CORPUS_CLEAN_V8_FLAGS refuses them.
 */
const THREADING_FLAG = /^--(?:no-?)?(?:single-threaded|concurrent-|parallel-|predictable)/;

/**
 * `--jitless` is of the same kind: V8 takes it at start-up only, and set later a stage command
 * died of a segmentation fault (exit 139, no word; review-hostile19 F2). Given to node itself it
 * works (the stages' WebAssembly falls back to plain loops).
 */
const START_ONLY_FLAG = /^--(?:no-?)?jitless$/;

/**
 * The flags in force: `CORPUS_CLEAN_V8_FLAGS` when set, else `V8_FLAGS`. A GC- or
 * compiler-threading flag in it is a usage error (see THREADING_FLAG).
 */
export function unitV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  return flagsFor(V8_FLAGS, env);
}

/**
 * The flags a single command runs with: `CORPUS_CLEAN_V8_FLAGS` when set, else
 * `COMMAND_V8_FLAGS`; refused as `unitV8Flags` refuses.
 */
export function commandV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  return flagsFor(COMMAND_V8_FLAGS, env);
}

function flagsFor(defaults: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const asked = env.CORPUS_CLEAN_V8_FLAGS;
  if (asked === undefined) return [...defaults];
  const flags = asked.split(/\s+/).filter((f) => f !== '');
  const bad = flags.filter((f) => THREADING_FLAG.test(f.replace(/_/g, '-')));
  if (bad.length > 0) {
    throw new UsageError(`CORPUS_CLEAN_V8_FLAGS: ${bad.join(' ')} changes V8's GC or compiler threads, which V8 takes only at start-up (set later it can abort the run); give it to node itself: node ${bad.join(' ')} "$(command -v corpus-clean)" ...`);
  }
  const late = flags.filter((f) => START_ONLY_FLAG.test(f.split('=')[0].replace(/_/g, '-')));
  if (late.length > 0) {
    throw new UsageError(`CORPUS_CLEAN_V8_FLAGS: ${late.join(' ')} is taken by V8 only at start-up (set later it crashes the run); give it to node itself: node ${late.join(' ')} "$(command -v corpus-clean)" ...`);
  }
  return flags;
}

/** V8's flags by name (dashes), with their type: from `node --v8-options`, read once, only when asked. */
let known: Map<string, string> | undefined;

/** Parse `node --v8-options`: `  --name (what)` lines, each followed by `type: T  default: ...`. */
export function parseV8Options(text: string): Map<string, string> {
  const m = new Map<string, string>();
  let name: string | undefined;
  for (const line of text.split('\n')) {
    const f = /^ {2}--([a-z0-9][a-z0-9_-]*)/i.exec(line);
    if (f) {
      name = f[1].replace(/_/g, '-');
      m.set(name, 'bool');
      continue;
    }
    const t = /^\s+type: (\S+)/.exec(line);
    if (t && name !== undefined) m.set(name, t[1]);
  }
  return m;
}

/**
 * Refuse (a usage error) a flag V8 does not know or a value of the wrong type: V8 itself only
 * prints "Error: unrecognized flag" and goes on, so a misspelt flag was silently not in force
 * (review-hostile19 F2, review-newuser19 F4). `options` is `node --v8-options`'s text.
 */
export function checkV8Flags(flags: readonly string[], options?: string): void {
  if (flags.length === 0) return;
  if (options !== undefined) known = parseV8Options(options);
  else if (known === undefined) {
    const r = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 << 20 });
    known = parseV8Options(r.stdout ?? '');
  }
  if (known.size === 0) return; // the list could not be read: let V8 judge, as before
  for (const f of flags) {
    const eq = f.indexOf('=');
    const raw = (eq < 0 ? f : f.slice(0, eq)).replace(/^--?/, '').replace(/_/g, '-');
    const value = eq < 0 ? undefined : f.slice(eq + 1);
    let type = known.get(raw);
    if (type === undefined && /^no-?/.test(raw)) {
      const positive = known.get(raw.replace(/^no-?/, ''));
      if (positive === 'bool' || positive === 'maybe_bool') type = 'negated';
    }
    const ok =
      type === undefined ? false
      : type === 'bool' || type === 'maybe_bool' ? value === undefined || /^(true|false)$/.test(value)
      : type === 'negated' ? value === undefined
      : type === 'int' ? value !== undefined && /^-?\d+$/.test(value)
      : type === 'uint' || type === 'uint64' || type === 'size_t' ? value !== undefined && /^\d+$/.test(value)
      : type === 'float' ? value !== undefined && value !== '' && Number.isFinite(Number(value))
      : value !== undefined;
    if (!ok) {
      const why = type === undefined ? 'is not a flag this V8 knows' : `needs ${type === 'bool' || type === 'negated' ? 'no value' : `a value of type ${type} (--name=value)`}`;
      throw new UsageError(`CORPUS_CLEAN_V8_FLAGS: ${f} ${why} (node --v8-options lists them)`);
    }
  }
}

let applied = false;

/**
 * Set a single command's flags (`commandV8Flags`) for this process; a refused flag (a threading
 * or start-up flag, one V8 does not know, a wrong value: checkV8Flags) is a usage error here,
 * before anything is read. Units set theirs later (`tuneV8`, exec/local.ts, task),
 * which this leaves to them.
 */
export function tuneCommandV8(): string[] {
  const flags = commandV8Flags();
  if (process.env.CORPUS_CLEAN_V8_FLAGS !== undefined) checkV8Flags(flags);
  if (applied) return flags;
  for (const f of flags) setFlagsFromString(f);
  return flags;
}

/** Set the units' flags for this process (V8 flags are per process: worker threads share them). Once. */
export function tuneV8(): string[] {
  const flags = unitV8Flags();
  if (applied) return flags;
  applied = true;
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
