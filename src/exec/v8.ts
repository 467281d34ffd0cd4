/**
 * V8 settings for the threads that run units (local workers, the calling thread with one
 * worker, a Slurm task).
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

/** The V8 flags units run with. */
export const V8_FLAGS: readonly string[] = ['--interrupt-budget=1081344'];

/** The flags in force: `CORPUS_CLEAN_V8_FLAGS` when set, else `V8_FLAGS`. */
export function unitV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const asked = env.CORPUS_CLEAN_V8_FLAGS;
  return asked !== undefined ? asked.split(/\s+/).filter((f) => f !== '') : [...V8_FLAGS];
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
