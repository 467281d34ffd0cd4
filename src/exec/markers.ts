/** Completion markers, stale temporaries, and the rule that only a finished run folder is read. */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../io/writers/atomic.js';
import { UsageError } from '../core/errors.js';
import { donePath, PLAN, SUCCESS } from './layout.js';
import { showPath } from '../core/fsname.js';

/** Atomic small-file writes: the one implementation of the I/O layer. */
export { writeAtomic };

/** Mark a unit done, with what it reports (counters of a global step, or `{}`). */
export function markDone(run: string, phase: string, unit: number, facts: Record<string, unknown> = {}): Promise<void> {
  return writeAtomic(donePath(run, phase, unit), JSON.stringify(facts) + '\n');
}

export function isDone(run: string, phase: string, unit: number): boolean {
  return existsSync(donePath(run, phase, unit));
}

/** What a done unit reported. */
export async function doneFacts(run: string, phase: string, unit: number): Promise<Record<string, number>> {
  return JSON.parse(await readFile(donePath(run, phase, unit), 'utf8')) as Record<string, number>;
}

/** Remove the temporaries a killed run left (`.name.tmp-*`, `*.tmp`), in the run folder and `_work/`. */
export async function removeStale(run: string): Promise<number> {
  let n = 0;
  const walk = async (dir: string, deep: boolean): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (deep || e.name === '_work' || e.name === '_done' || e.name === '_stats') await walk(p, true);
      } else if ((e.name.startsWith('.') && e.name.includes('.tmp-')) || e.name.endsWith('.tmp')) {
        await rm(p, { force: true });
        n++;
      }
    }
  };
  await walk(run, false);
  return n;
}

/** True when `dir` was written by `run` and holds no `_SUCCESS`: a killed or failed run. */
export function isUnfinishedRun(dir: string): boolean {
  return existsSync(join(dir, PLAN)) && !existsSync(join(dir, SUCCESS));
}

/**
 * Refuse input folders that are unfinished runs (their shards may be partial or missing), unless
 * `allow`. Called on the input specs before they are expanded.
 */
export async function refuseUnfinished(specs: readonly string[], allow: boolean): Promise<void> {
  if (allow) return;
  for (const s of specs) {
    if (s === '-') continue;
    const st = await stat(s).catch(() => null);
    if (st?.isDirectory() && isUnfinishedRun(s)) {
      throw new UsageError(`'${showPath(s)}' is an unfinished run (no ${SUCCESS}): its shards may be incomplete; finish it with 'corpus-clean run' again (it resumes), see 'corpus-clean status ${showPath(s)}', or pass --allow-unfinished`);
    }
  }
}
