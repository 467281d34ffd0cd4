/** Completion markers, stale temporaries, and the rule that only a finished run folder is read. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FILE_SHARD, FOLDER_SHARD, LOCK_NAME, lockHolder, processAlive, setMarkerName, TEMP } from '../io/outputs.js';
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
 * What a completion marker (`_SUCCESS` of a folder, `out.jsonl._SUCCESS` of a file-mode shard
 * set) holds: the exit code, the command, the records written and the shard names, written last.
 * Hadoop/Spark's `_SUCCESS` is empty; an S3A committer's lists the files it committed.
 */
export interface Manifest {
  exit_code: number;
  command: string;
  records: number;
  shards: string[];
  /** Present when --limit N stopped the reading: the output is a sample of its inputs. */
  limit?: number;
}

/** Write a finished output's marker at `path` (atomically), listing its shards by name. */
export async function writeManifest(path: string, m: { exit_code: number; command: string; records: number; shards: readonly string[]; limit?: number }): Promise<void> {
  // `limit`: the output holds only what the first N records of the inputs gave (--limit N stopped the reading).
  const manifest: Manifest = { exit_code: m.exit_code, command: m.command, records: m.records, shards: m.shards.map((f) => basename(f)), ...(m.limit !== undefined ? { limit: m.limit } : {}) };
  await writeAtomic(path, JSON.stringify(manifest) + '\n');
}

/** The shard list of a marker, or undefined when it lists none (empty, Hadoop's, an older run's `{"exit_code":0}`). */
export function manifestShards(path: string): string[] | undefined {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest> | null;
    return m !== null && typeof m === 'object' && Array.isArray(m.shards) && m.shards.every((n) => typeof n === 'string') ? m.shards : undefined;
  } catch {
    return undefined;
  }
}

/** Who holds a lock: still writing, or killed. */
function lockWhy(lock: string): string {
  const pid = lockHolder(lock);
  if (pid === undefined) return 'its lock file is still there';
  return processAlive(pid) ? `PID ${pid} is still writing it` : `the command writing it, PID ${pid}, was killed`;
}

/** Who left a temporary `.name.tmp-PID-N`: still writing, or killed. */
function tempWhy(name: string): string {
  const pid = Number(/\.tmp-(\d+)/.exec(name)?.[1]);
  return processAlive(pid) ? `PID ${pid} is still writing its temporary '${showPath(name)}'` : `its temporary '${showPath(name)}' was left by PID ${pid}, which was killed`;
}

/** Up to three names, then how many more. */
function someNames(names: readonly string[]): string {
  return names.slice(0, 3).map((n) => showPath(n)).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
}

/** Compare the shards a marker lists with those present; undefined when they agree. */
function manifestProblem(what: string, marker: string, listed: readonly string[], present: readonly string[]): string | undefined {
  const here = new Set(present);
  const missing = listed.filter((n) => !here.has(n));
  if (missing.length > 0) return `${what} lacks ${missing.length} of the ${listed.length} shards its ${showPath(marker)} lists (${someNames(missing)}): an interrupted copy? copy it again, or pass --allow-unfinished to read what is there`;
  const known = new Set(listed);
  const extra = present.filter((n) => !known.has(n));
  if (extra.length > 0) return `${what} holds ${someNames(extra)}, which its ${showPath(marker)} does not list (it lists ${listed.length} shard${listed.length === 1 ? '' : 's'}): added after the command finished? remove ${extra.length === 1 ? 'it' : 'them'}, or pass --allow-unfinished to read every shard there`;
  return undefined;
}

/**
 * Why the files read from folder `dir` (all of them: a folder walk; or the names in `reading`)
 * must not be read as they are, or undefined:
 * - a run folder without `_SUCCESS` (killed or failed: it resumes);
 * - a folder output without `_SUCCESS` holding the output lock, shards `part-N.*`, or a
 *   temporary (`.name.tmp-PID-N`) of a shard (when the whole folder is read: any temporary);
 * - a folder whose `_SUCCESS` lists shards that are not there, or whose shards it does not list;
 * - a file-mode shard set read (`out-00000.jsonl` ...) beside its lock, or not matching the list
 *   of its marker `out.jsonl._SUCCESS` (a set with neither is read: such names are common).
 */
export function folderProblem(dir: string, names: readonly string[], reading: ReadonlySet<string> | 'all'): string | undefined {
  const has = new Set(names);
  const d = showPath(dir);
  if (has.has(PLAN) && !has.has(SUCCESS)) {
    return `'${d}' is an unfinished run (no ${SUCCESS}): its shards may be incomplete; finish it with 'corpus-clean run' again (it resumes), see 'corpus-clean status ${d}', or pass --allow-unfinished`;
  }
  const shards = names.filter((n) => FOLDER_SHARD.test(n));
  if (!has.has(SUCCESS)) {
    const temp = names.find((n) => TEMP.test(n) && (reading === 'all' || FOLDER_SHARD.test(n.slice(1, n.indexOf('.tmp-')))));
    const why = has.has(LOCK_NAME) ? lockWhy(join(dir, LOCK_NAME)) : shards.length > 0 ? `${showPath(shards[0])} is there, but no ${SUCCESS}: the command writing it did not finish` : temp !== undefined ? tempWhy(temp) : undefined;
    if (why !== undefined) return `'${d}' is an unfinished output (${why}): its shards may be incomplete; run the command that wrote it again (it starts over), or pass --allow-unfinished`;
  } else {
    const listed = manifestShards(join(dir, SUCCESS));
    const bad = listed === undefined ? undefined : manifestProblem(`'${d}'`, SUCCESS, listed, shards);
    if (bad !== undefined) return bad;
  }
  // File-mode shard sets with a shard read: `out-00000.jsonl` belongs to `out.jsonl`.
  const sets = new Map<string, string[]>();
  for (const n of names) {
    if (FOLDER_SHARD.test(n)) continue;
    const m = FILE_SHARD.exec(n);
    if (m !== null) sets.set(m[1] + m[3], [...(sets.get(m[1] + m[3]) ?? []), n]);
  }
  for (const [set, members] of sets) {
    if (reading !== 'all' && !members.some((n) => reading.has(n))) continue;
    const lock = `.${set}.lock`;
    if (has.has(lock)) {
      return `'${showPath(join(dir, members[0]))}' is a shard of an unfinished output (${lockWhy(join(dir, lock))}; lock ${showPath(join(dir, lock))}): the set may be incomplete; run the command that wrote it again (it starts over), or pass --allow-unfinished`;
    }
    // Without a trace of ours (the lock, the marker) the names alone prove nothing: Hugging Face's
    // `train-00000-of-00001.parquet`, `data-00000.jsonl` are read as they are (hostile review 4 P1).
    const marker = setMarkerName(set);
    if (!has.has(marker)) continue;
    const listed = manifestShards(join(dir, marker));
    const bad = listed === undefined ? undefined : manifestProblem(`the shard set '${showPath(join(dir, set))}'`, marker, listed, members);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * Refuse input folders that are unfinished runs or unfinished folder outputs (their shards may
 * be partial or missing), unless `allow`. Called on the input specs before they are expanded, so
 * a folder holding nothing readable yet (only a lock) is named as unfinished, not as empty.
 */
export async function refuseUnfinished(specs: readonly string[], allow: boolean): Promise<void> {
  if (allow) return;
  for (const s of specs) {
    if (s === '-') continue;
    let names: string[];
    try {
      names = readdirSync(s);
    } catch {
      continue;
    }
    const why = folderProblem(s, names, 'all');
    if (why !== undefined) throw new UsageError(why);
  }
}

/**
 * After expansion: check every folder a folder walk entered (`entered`: all its files are read)
 * and the folder of every other file read (globs, files named), unless `allow` (see
 * `folderProblem`). In a folder whose `_SUCCESS` lists its shards, other files met by a folder
 * walk (notes.txt) are not records: they are left out (`leftOut`), and the rest returned.
 */
export async function checkInputFolders(files: readonly string[], entered: readonly string[], allow: boolean): Promise<{ files: string[]; leftOut: string[] }> {
  const walked = new Set(entered.map((d) => d.replace(/\/+$/, '') || '/'));
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    if (f === '-') continue;
    const d = dirname(f);
    if (!byDir.has(d)) byDir.set(d, new Set());
    byDir.get(d)!.add(basename(f));
  }
  const dirs = new Set([...walked, ...byDir.keys()]);
  const listed = new Map<string, Set<string>>();
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => null);
    if (names === null) continue;
    if (!allow) {
      const why = folderProblem(dir, names, walked.has(dir) ? 'all' : (byDir.get(dir) ?? new Set()));
      if (why !== undefined) throw new UsageError(why);
    }
    if (walked.has(dir) && names.includes(SUCCESS)) {
      const shards = manifestShards(join(dir, SUCCESS));
      if (shards !== undefined) listed.set(dir, new Set(shards));
    }
  }
  const kept: string[] = [];
  const leftOut: string[] = [];
  for (const f of files) {
    const shards = f === '-' ? undefined : listed.get(dirname(f));
    if (shards !== undefined && !shards.has(basename(f)) && !FOLDER_SHARD.test(basename(f))) leftOut.push(f);
    else kept.push(f);
  }
  return { files: kept, leftOut };
}
