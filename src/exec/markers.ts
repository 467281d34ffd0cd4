/** Completion markers, stale temporaries, and the rule that only a finished run folder is read. */
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LOCK_NAME, lockHolder, processAlive, shardPattern, SHARD_NAME } from '../io/outputs.js';
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
 * Why a folder is an unfinished output of a single command (`cat -o DIR/`, a stage, convert,
 * dedup-disk), or undefined: it holds shards (`part-NNNNN.*`) or the output lock, and no
 * `_SUCCESS`, which such a command writes last. A dead lock says the writer was killed.
 */
export function unfinishedOutput(dir: string): string | undefined {
  if (existsSync(join(dir, SUCCESS))) return undefined;
  const lock = join(dir, LOCK_NAME);
  const pid = lockHolder(lock);
  if (pid !== undefined) return processAlive(pid) ? `PID ${pid} is still writing it` : `the command writing it, PID ${pid}, was killed`;
  if (existsSync(lock)) return 'its lock file is still there';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const shard = names.find((n) => SHARD_NAME.test(n));
  return shard === undefined ? undefined : `${shard} is there, but no ${SUCCESS}: the command writing it did not finish`;
}

/**
 * Refuse input folders that are unfinished runs or unfinished folder outputs (their shards may
 * be partial or missing), unless `allow`. Called on the input specs before they are expanded.
 */
export async function refuseUnfinished(specs: readonly string[], allow: boolean): Promise<void> {
  if (allow) return;
  for (const s of specs) {
    if (s === '-') continue;
    const st = await stat(s).catch(() => null);
    if (!st?.isDirectory()) continue;
    if (isUnfinishedRun(s)) {
      throw new UsageError(`'${showPath(s)}' is an unfinished run (no ${SUCCESS}): its shards may be incomplete; finish it with 'corpus-clean run' again (it resumes), see 'corpus-clean status ${showPath(s)}', or pass --allow-unfinished`);
    }
    const why = existsSync(join(s, PLAN)) ? undefined : unfinishedOutput(s);
    if (why !== undefined) {
      throw new UsageError(`'${showPath(s)}' is an unfinished output (${why}): its shards may be incomplete; run the command that wrote it again (it starts over), or pass --allow-unfinished`);
    }
  }
}

/**
 * Refuse input files that are shards of an unfinished file-mode output (`-o out.jsonl
 * --shard-records N` writes `out-00000.jsonl` ...): the output's lock `.out.jsonl.lock` is still
 * beside them (its command is writing, or was killed), unless `allow`. Only folders holding a
 * file named like a shard are read.
 */
export async function refuseUnfinishedShards(files: readonly string[], allow: boolean): Promise<void> {
  if (allow) return;
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    if (f === '-' || !/-\d{5,}\.[^/]*$/.test(f)) continue;
    const d = dirname(f);
    byDir.set(d, [...(byDir.get(d) ?? []), basename(f)]);
  }
  for (const [dir, names] of byDir) {
    const locks = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('.') && n.endsWith('.lock') && n !== LOCK_NAME);
    for (const lock of locks) {
      const re = shardPattern(lock.slice(1, -'.lock'.length));
      const shard = names.find((n) => re.test(n));
      if (shard === undefined) continue;
      const pid = lockHolder(join(dir, lock));
      const why = pid === undefined ? 'its lock file is still there' : processAlive(pid) ? `PID ${pid} is still writing it` : `the command writing it, PID ${pid}, was killed`;
      throw new UsageError(`'${showPath(join(dir, shard))}' is a shard of an unfinished output (${why}; lock ${showPath(join(dir, lock))}): the set may be incomplete; run the command that wrote it again (it starts over), or pass --allow-unfinished`);
    }
  }
}
