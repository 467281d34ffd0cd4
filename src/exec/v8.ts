/**
 * V8 settings for the threads that run units (local workers, the calling thread with one
 * worker, a Slurm task), and for every command of the CLI (cli/main.ts: a single stage's command
 * runs its pipeline in the CLI's own thread).
 *
 * `--interrupt-budget` 16x V8's default (67,584 -> 1,081,344): a function is optimised by
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
 * `CORPUS_CLEAN_V8_FLAGS` replaces these (space-separated V8 flags; empty for V8's defaults):
 * bench/exec.ts --v8-defaults measures the difference in one run.
 */
import { setFlagsFromString } from 'node:v8';
import { UsageError } from '../core/errors.js';

/** The V8 flags units run with. */
export const V8_FLAGS: readonly string[] = ['--interrupt-budget=1081344'];

/**
 * Flags that change how many threads V8's GC or compiler use. They are read when V8 starts its
 * heap: set later (setFlagsFromString, as here) they leave it half switched, and V8 aborts now
 * and then ("Check failed: concurrent_marking_handle_ ...", exit 133; perf session 11 with
 * --single-threaded-gc). They work only on node's own command line (`node --single-threaded-gc
 * dist/cli/main.js ...`; worker processes inherit it, NODE_OPTIONS refuses most of them), so
 * CORPUS_CLEAN_V8_FLAGS refuses them.
 */
const THREADING_FLAG = /^--(?:no-?)?(?:single-threaded|concurrent-|parallel-|predictable)/;

/**
 * The flags in force: `CORPUS_CLEAN_V8_FLAGS` when set, else `V8_FLAGS`. A GC- or
 * compiler-threading flag in it is a usage error (see THREADING_FLAG).
 */
export function unitV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const asked = env.CORPUS_CLEAN_V8_FLAGS;
  if (asked === undefined) return [...V8_FLAGS];
  const flags = asked.split(/\s+/).filter((f) => f !== '');
  const bad = flags.filter((f) => THREADING_FLAG.test(f.replace(/_/g, '-')));
  if (bad.length > 0) {
    throw new UsageError(`CORPUS_CLEAN_V8_FLAGS: ${bad.join(' ')} changes V8's GC or compiler threads, which V8 takes only at start-up (set later it can abort the run); give it to node itself: node ${bad.join(' ')} "$(command -v corpus-clean)" ...`);
  }
  return flags;
}

let applied = false;

/** Set the flags for this process (V8 flags are per process: worker threads share them). Once. */
export function tuneV8(): string[] {
  const flags = unitV8Flags();
  if (applied) return flags;
  applied = true;
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
