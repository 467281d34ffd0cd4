/** Completion markers, stale temporaries, and the rule that only a finished run folder is read. */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FILE_SHARD, FOLDER_SHARD, LOCK_NAME, lockHolder, processAlive, setFailedName, setMarkerName, TEMP } from '../io/outputs.js';
import { writeAtomic } from '../io/writers/atomic.js';
import { lockPathFor } from '../io/writers/hiddenName.js';
import { UsageError } from '../core/errors.js';
import { donePath, FAILED, PLAN, SUCCESS } from './layout.js';
import { showPath } from '../core/fsname.js';
import { showText } from '../core/show.js';
import { commandLine, resumingCommand, type RecordedCommand } from './command.js';

/** Atomic small-file writes: the one implementation of the I/O layer. */
export { writeAtomic };

/** Mark a unit done, with what it reports (counters of a global step, or `{}`). */
export function markDone(run: string, phase: string, unit: number, facts: Record<string, unknown> = {}): Promise<void> {
  return writeAtomic(donePath(run, phase, unit), JSON.stringify(facts) + '\n', true);
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

/**
 * `removeStale` done synchronously, for a process that exits on a signal: its own thread may still
 * be running a unit whose writer makes a temporary after the sweep, so the sweep is made once more
 * in the 'exit' event, when no more of its code runs.
 */
export function removeStaleSync(run: string): void {
  const walk = (dir: string, deep: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (deep || e.name === '_work' || e.name === '_done' || e.name === '_stats') walk(p, true);
      } else if ((e.name.startsWith('.') && e.name.includes('.tmp-')) || e.name.endsWith('.tmp')) rmSync(p, { force: true });
    }
  };
  walk(run, false);
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
  /** The size of each shard in bytes, by name (a reader compares them with a stat: a shard cut, emptied or replaced). Since session 7. */
  bytes?: Record<string, number>;
  /** The records of each shard, by name, where the writer counted them (not `run`'s shards). Since session 7. */
  shard_records?: Record<string, number>;
  /** Present when --limit N stopped the reading: the output is a sample of its inputs. */
  limit?: number;
  /** Inputs read as they were with --allow-unfinished (an unfinished output), with what was wrong: the output is of an incomplete input. */
  unfinished_inputs?: UnfinishedInput[];
  /**
   * The text field (a list tried in order, `article_body,text,content`) the records were written
   * with, when it is not the default `text,content`: every command reading the folder reads it so
   * (cli/textFieldHint.ts `runTextField`), as it reads a run folder's `text_field`.
   */
  text_field?: string;
}

/** What a manifest is written from: shard paths (stat'ed for their sizes) and, optionally, their record counts in the same order. */
export interface ManifestFacts {
  exit_code: number;
  command: string;
  records: number;
  shards: readonly string[];
  shardRecords?: readonly number[];
  limit?: number;
  unfinished?: readonly UnfinishedInput[];
  textField?: string;
}

/** The name a marker takes when its command exited 1: `_SUCCESS` → `_FAILED`, `out.jsonl._SUCCESS` → `out.jsonl._FAILED`. */
export const failedMarker = (successPath: string): string => successPath.replace(/_SUCCESS$/, FAILED);

/**
 * Write a finished output's marker (atomically), listing its shards by name, with their sizes:
 * at `path` (`_SUCCESS`) when the command exited 0, else beside it as `_FAILED` (new-user review
 * 5 #31: as with Hadoop's and datatrove's markers, `_SUCCESS` means the job succeeded; a failed
 * output is refused as input and replaced by the rerun without --overwrite).
 */
export async function writeManifest(path: string, m: ManifestFacts): Promise<void> {
  const target = m.exit_code === 0 ? path : failedMarker(path);
  await rm(m.exit_code === 0 ? failedMarker(path) : path, { force: true });
  const bytes: Record<string, number> = {};
  for (const f of m.shards) bytes[basename(f)] = (await stat(f)).size;
  const counts = m.shardRecords !== undefined && m.shardRecords.length === m.shards.length ? Object.fromEntries(m.shards.map((f, i) => [basename(f), m.shardRecords![i]])) : undefined;
  // `limit`: the output holds only what the first N records of the inputs gave (--limit N stopped the reading).
  const manifest: Manifest = { exit_code: m.exit_code, command: m.command, records: m.records, shards: m.shards.map((f) => basename(f)), bytes, ...(counts !== undefined ? { shard_records: counts } : {}), ...(m.limit !== undefined ? { limit: m.limit } : {}), ...(m.unfinished !== undefined && m.unfinished.length > 0 ? { unfinished_inputs: [...m.unfinished] } : {}), ...(m.textField !== undefined ? { text_field: m.textField } : {}) };
  await writeAtomic(target, JSON.stringify(manifest) + '\n');
}

/**
 * A completion marker as read: `empty` (Hadoop's, or a stage command's folder before manifests),
 * a manifest, or `unreadable` with why (garbage, cut, a string exit code: not what we write).
 */
export type MarkerRead = { kind: 'empty' } | { kind: 'manifest'; m: Partial<Manifest> & { exit_code: number } } | { kind: 'unreadable'; why: string };

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const countsByName = (o: unknown): o is Record<string, number> => o !== null && typeof o === 'object' && !Array.isArray(o) && Object.values(o).every(isCount);

/** Read and check a completion marker's content (see `MarkerRead`). */
export function parseMarker(text: string): MarkerRead {
  if (text.trim() === '') return { kind: 'empty' };
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', why: `it is not JSON (${text.length} bytes)` };
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return { kind: 'unreadable', why: 'it is not a JSON object' };
  const o = m as Record<string, unknown>;
  if (!isCount(o.exit_code)) return { kind: 'unreadable', why: `its exit_code is ${JSON.stringify(o.exit_code) ?? 'missing'}, not a whole number` };
  if (o.shards !== undefined && !(Array.isArray(o.shards) && o.shards.every((n) => typeof n === 'string'))) return { kind: 'unreadable', why: 'its shards are not a list of names' };
  if (o.records !== undefined && !isCount(o.records)) return { kind: 'unreadable', why: 'its records are not a whole number' };
  if (o.bytes !== undefined && !countsByName(o.bytes)) return { kind: 'unreadable', why: 'its bytes are not sizes by shard name' };
  if (o.shard_records !== undefined && !countsByName(o.shard_records)) return { kind: 'unreadable', why: 'its shard_records are not counts by shard name' };
  return { kind: 'manifest', m: o as Partial<Manifest> & { exit_code: number } };
}

/** Read the completion marker at `path` (a marker that cannot be read at all is `unreadable`). */
export function readMarker(path: string): MarkerRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { kind: 'unreadable', why: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return parseMarker(text);
}

/** The shard list of a marker, or undefined when it lists none (empty, Hadoop's, an older run's `{"exit_code":0}`, or unreadable). */
export function manifestShards(path: string): string[] | undefined {
  const r = readMarker(path);
  return r.kind === 'manifest' ? r.m.shards : undefined;
}

/** Who holds a lock: still writing, or killed. */
function lockWhy(lock: string): string {
  const h = lockHolder(lock);
  if (h === undefined) return 'its lock file is still there';
  if (h.foreign) return `PID ${h.pid} on host '${h.host}' holds its lock`;
  if (h.live) return `PID ${h.pid} is still writing it`;
  // An --overwrite killed before its new output was in place left the earlier one aside (its lock
  // says so): the next command writing this output puts it back (io/outputs.ts recoverEarlier).
  const aside = h.earlier === 'aside' || h.earlier === 'restoring' ? `; the complete earlier output it was replacing (--overwrite) is kept beside it under hidden names ('.NAME.earlier-${h.pid}'), which the next command writing this output puts back` : '';
  return `the command writing it, PID ${h.pid}, was killed${aside}`;
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

/** `n` bytes, said briefly. */
const sized = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

/**
 * Compare the shards a marker lists with those present (by name), then the sizes of the shards
 * read (`reading`: the names read, or 'all') with those it records (one stat each), then its
 * record total with its per-shard counts; undefined when they agree.
 */
function manifestProblem(what: string, dir: string, marker: string, m: Partial<Manifest>, present: readonly string[], reading: ReadonlySet<string> | 'all'): Problem | undefined {
  const listed = m.shards;
  if (listed === undefined) return undefined;
  const here = new Set(present);
  const missing = listed.filter((n) => !here.has(n));
  if (missing.length > 0) return problem(`${what} lacks ${missing.length} of the ${listed.length} shards its ${showPath(marker)} lists (${someNames(missing)})`, ': an interrupted copy? copy it again, or pass --allow-unfinished to read what is there');
  const known = new Set(listed);
  const extra = present.filter((n) => !known.has(n));
  if (extra.length > 0) return problem(`${what} holds ${someNames(extra)}, which its ${showPath(marker)} does not list (it lists ${listed.length} shard${listed.length === 1 ? '' : 's'})`, `: added after the command finished? remove ${extra.length === 1 ? 'it' : 'them'}, or pass --allow-unfinished to read every shard there`);
  // Sizes (manifests since session 7): a shard emptied by a failed copy, cut, or swapped for
  // another's bytes has the right name and the wrong size. A stat per shard read, no reading.
  if (m.bytes !== undefined) {
    for (const n of listed) {
      if (reading !== 'all' && !reading.has(n)) continue;
      const want = m.bytes[n];
      if (want === undefined) continue;
      let size: number;
      try {
        size = statSync(join(dir, n)).size;
      } catch {
        continue;
      }
      if (size !== want) return problem(`${what} holds ${showPath(n)} of ${sized(size)}, but its ${showPath(marker)} says ${sized(want)}`, `: ${size === 0 ? 'emptied' : size < want ? 'cut short' : 'grown or replaced'} after the command finished (a failed copy, a full disk?); copy it again or rerun the command that wrote it, or pass --allow-unfinished to read it as it is`);
    }
  }
  if (m.shard_records !== undefined && m.records !== undefined) {
    const sum = listed.reduce((a, n) => a + (m.shard_records![n] ?? 0), 0);
    if (sum !== m.records) return problem(`${what}: its ${showPath(marker)} says ${m.records} records, but its shards' counts add up to ${sum}`, ': the marker was changed after the command finished; rerun the command that wrote it, or pass --allow-unfinished to read the shards as they are');
  }
  return undefined;
}

/** Why a marker that is there does not count as one (garbage, cut, a string exit code), or undefined. */
function markerDamage(dir: string, marker: string, r: MarkerRead, run: boolean): string | undefined {
  if (r.kind === 'unreadable') return `its ${showPath(marker)} does not read as the completion manifest corpus-clean writes (${r.why})`;
  // A run always writes its manifest: an empty `_SUCCESS` beside `_plan.json` was emptied.
  if (r.kind === 'empty' && run) return `its ${showPath(marker)} is empty, and a run writes its manifest there`;
  return undefined;
}

/** What is wrong with an input: `problem` (for a warning when it is read anyway) and the whole refusal `message` (with the remedy). */
export interface Problem {
  problem: string;
  message: string;
}

const problem = (what: string, remedy: string): Problem => ({ problem: what, message: what + remedy });

/** A failed command's manifest, for a message: `'corpus-clean run' exited 1`. */
function exitedWhat(r: MarkerRead): string {
  if (r.kind !== 'manifest') return 'it exited 1';
  return r.m.command !== undefined ? `'corpus-clean ${showText(String(r.m.command))}' exited ${r.m.exit_code}` : `it exited ${r.m.exit_code}`;
}

/** `_FAILED` of a command or run that exited 1: what it says, for a message. */
function failedWhat(path: string): string {
  return exitedWhat(readMarker(path));
}

/**
 * The command that wrote run folder `dir`, for the advice to finish it: the command line kept in
 * `_work/command.json` when there is one, else by the plan's name (`dedup-disk` with the same
 * --work, or `run`). It said 'corpus-clean run' for a dedup-disk work folder too (hostile review 6 F8).
 */
function resumeCommand(dir: string): string {
  try {
    const v = JSON.parse(readFileSync(join(dir, '_work', 'command.json'), 'utf8')) as Partial<RecordedCommand>;
    if (typeof v.cwd === 'string' && Array.isArray(v.argv) && v.argv.length > 0 && v.argv.every((a) => typeof a === 'string')) {
      // Begun with --overwrite, the same command starts over: it resumes without it (R-1's sibling).
      const { command, dropped } = resumingCommand({ cwd: v.cwd, argv: v.argv });
      return `the command that wrote it${dropped ? ' without --overwrite' : ''} (${commandLine(command)})`;
    }
  } catch {
    // none recorded: by the plan's name
  }
  try {
    if ((JSON.parse(readFileSync(join(dir, PLAN), 'utf8')) as { name?: unknown }).name === 'dedup-disk') return `the same 'corpus-clean dedup-disk' command (--work '${showPath(dir)}')`;
  } catch {
    // unreadable: a run's advice
  }
  return `'corpus-clean run'`;
}

/**
 * Why the files read from folder `dir` (all of them: a folder walk; or the names in `reading`)
 * must not be read as they are, or undefined:
 * - a folder whose command failed (`_FAILED`, no `_SUCCESS`): its shards are no result;
 * - a run folder without `_SUCCESS` (killed: it resumes);
 * - a folder output without `_SUCCESS` holding the output lock, shards `part-N.*`, or a
 *   temporary (`.name.tmp-PID-N`) of a shard (when the whole folder is read: any temporary);
 * - a `_SUCCESS` beside shards that is not our manifest (garbage; emptied in a run folder);
 * - a folder whose `_SUCCESS` lists shards that are not there, or whose shards it does not list,
 *   or whose shards' sizes (one stat each) or record counts are not the ones it records;
 * - a file-mode shard set read (`out-00000.jsonl` ...) beside its lock, or its command failed
 *   (`out.jsonl._FAILED`), or not matching its marker `out.jsonl._SUCCESS` (a set with none of
 *   these is read: such names are common).
 */
export function folderProblem(dir: string, names: readonly string[], reading: ReadonlySet<string> | 'all'): Problem | undefined {
  const has = new Set(names);
  const d = showPath(dir);
  if (has.has(FAILED) && !has.has(SUCCESS)) {
    return problem(`'${d}' is the output of a command that failed (${failedWhat(join(dir, FAILED))}; its ${FAILED})`, `: its shards are not a finished result; fix what its messages said and run the command again (it starts over), or pass --allow-unfinished`);
  }
  if (has.has(PLAN) && !has.has(SUCCESS)) {
    return problem(`'${d}' is an unfinished run (no ${SUCCESS})`, `: its shards may be incomplete; finish it with ${resumeCommand(dir)} again (it resumes), see 'corpus-clean status ${d}', or pass --allow-unfinished`);
  }
  const shards = names.filter((n) => FOLDER_SHARD.test(n));
  if (!has.has(SUCCESS)) {
    const temp = names.find((n) => TEMP.test(n) && (reading === 'all' || FOLDER_SHARD.test(n.slice(1, n.indexOf('.tmp-')))));
    const why = has.has(LOCK_NAME) ? lockWhy(join(dir, LOCK_NAME)) : shards.length > 0 ? `${showPath(shards[0])} is there, but no ${SUCCESS}: the command writing it did not finish` : temp !== undefined ? tempWhy(temp) : undefined;
    if (why !== undefined) return problem(`'${d}' is an unfinished output (${why})`, ': its shards may be incomplete; run the command that wrote it again (it starts over), or pass --allow-unfinished');
  } else {
    // A `_SUCCESS` with an exit code other than 0: written by a version before `_FAILED`.
    const r = readMarker(join(dir, SUCCESS));
    if (r.kind === 'manifest' && r.m.exit_code !== 0) return problem(`'${d}' is the output of a command that failed (${exitedWhat(r)}; its ${SUCCESS}, written by a version before ${FAILED})`, ': its shards are not a finished result; fix what its messages said and run the command again (it starts over), or pass --allow-unfinished');
  }
  if (has.has(SUCCESS) && (shards.length > 0 || has.has(PLAN))) {
    // A marker beside shards of ours that is not what we write (garbage, cut, emptied in a run
    // folder, a string exit code) is no marker: the folder is unfinished as far as a reader knows.
    const r = readMarker(join(dir, SUCCESS));
    const damage = markerDamage(dir, SUCCESS, r, has.has(PLAN));
    if (damage !== undefined) return problem(`'${d}' is an unfinished output (${damage})`, ': its shards may be incomplete; run the command that wrote it again, or pass --allow-unfinished');
    const bad = r.kind === 'manifest' ? manifestProblem(`'${d}'`, dir, SUCCESS, r.m, shards, reading) : undefined;
    if (bad !== undefined) return bad;
  }
  // A single output file whose command exited 1 (F16): `out.jsonl` beside `out.jsonl._FAILED`
  // listing it (a shard set's `_FAILED` lists its shards, and the set is judged below).
  for (const n of names) {
    if (!n.endsWith(`.${FAILED}`)) continue;
    const file = n.slice(0, -FAILED.length - 1);
    if (!has.has(file) || has.has(setMarkerName(file)) || (reading !== 'all' && !reading.has(file))) continue;
    const r = readMarker(join(dir, n));
    if (r.kind === 'manifest' && Array.isArray(r.m.shards) && !r.m.shards.includes(file)) continue;
    return problem(`'${showPath(join(dir, file))}' is the output of a command that failed (${exitedWhat(r)}; its ${showPath(n)})`, ': it is not a finished result; fix what its messages said and run the command again (it starts over), or pass --allow-unfinished');
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
    const lock = basename(lockPathFor(join(dir, set)));
    if (has.has(lock)) {
      return problem(`'${showPath(join(dir, members[0]))}' is a shard of an unfinished output (${lockWhy(join(dir, lock))}; lock ${showPath(join(dir, lock))})`, ': the set may be incomplete; run the command that wrote it again (it starts over), or pass --allow-unfinished');
    }
    const marker = setMarkerName(set);
    const failed = setFailedName(set);
    if (has.has(failed) && !has.has(marker)) {
      return problem(`the shard set '${showPath(join(dir, set))}' is the output of a command that failed (${failedWhat(join(dir, failed))}; its ${showPath(failed)})`, ': its shards are not a finished result; fix what its messages said and run the command again (it starts over), or pass --allow-unfinished');
    }
    // Without a trace of ours (the lock, the marker) the names alone prove nothing: Hugging Face's
    // `train-00000-of-00001.parquet`, `data-00000.jsonl` are read as they are (hostile review 4 P1).
    if (!has.has(marker)) continue;
    const r = readMarker(join(dir, marker));
    if (r.kind === 'manifest' && r.m.exit_code !== 0) return problem(`the shard set '${showPath(join(dir, set))}' is the output of a command that failed (${exitedWhat(r)}; its ${showPath(marker)}, written by a version before ${FAILED})`, ': its shards are not a finished result; fix what its messages said and run the command again (it starts over), or pass --allow-unfinished');
    const damage = markerDamage(dir, marker, r, false);
    if (damage !== undefined) return problem(`the shard set '${showPath(join(dir, set))}' is an unfinished output (${damage})`, ': the set may be incomplete; run the command that wrote it again, or pass --allow-unfinished');
    const bad = r.kind === 'manifest' ? manifestProblem(`the shard set '${showPath(join(dir, set))}'`, dir, marker, r.m, members, reading === 'all' ? 'all' : new Set(members.filter((n) => reading.has(n)))) : undefined;
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/** An input read as it is with --allow-unfinished: the folder and what is missing or differs. */
export interface UnfinishedInput {
  input: string;
  problem: string;
}

/**
 * Refuse input folders that are unfinished runs or unfinished folder outputs (their shards may
 * be partial or missing), unless `allow`: then each is returned with what is wrong (a run made
 * from it says so). Called on the input specs before they are expanded, so a folder holding
 * nothing readable yet (only a lock) is named as unfinished, not as empty.
 */
export async function refuseUnfinished(specs: readonly string[], allow: boolean): Promise<UnfinishedInput[]> {
  const found: UnfinishedInput[] = [];
  for (const s of specs) {
    if (s === '-') continue;
    let names: string[];
    try {
      names = readdirSync(s);
    } catch {
      continue;
    }
    const why = folderProblem(s, names, 'all');
    if (why === undefined) continue;
    if (!allow) throw new UsageError(why.message);
    found.push({ input: s.replace(/\/+$/, '') || '/', problem: why.problem });
  }
  return found;
}

/**
 * After expansion: check every folder a folder walk entered (`entered`: all its files are read)
 * and the folder of every other file read (globs, files named) (see `folderProblem`); refused
 * unless `allow`, when each is returned in `unfinished`. In a folder whose `_SUCCESS` lists its
 * shards, other files met by a folder walk (notes.txt) are not records: they are left out
 * (`leftOut`), and the rest returned.
 */
export async function checkInputFolders(files: readonly string[], entered: readonly string[], allow: boolean): Promise<{ files: string[]; leftOut: string[]; unfinished: UnfinishedInput[]; inherited: UnfinishedInput[]; expected: Record<string, number>; samples: { dir: string; limit: number }[] }> {
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
  const unfinished: UnfinishedInput[] = [];
  // Finished outputs that were made from unfinished inputs (their manifest lists them): what is
  // made from them is of an incomplete input too, and says so (hostile review 4 N21).
  const inherited: UnfinishedInput[] = [];
  // The records each shard read should hold, by file as read (its manifest's shard_records): the
  // end of the run compares them with what was read (a shard changed without changing its size).
  const expected: Record<string, number> = {};
  // Outputs of a command cut by --limit (their manifest's `limit`): a sample, said in a note.
  const samples: { dir: string; limit: number }[] = [];
  for (const dir of dirs) {
    // A run's or command's own files named on their own (`_rejects.jsonl.zst`, `_stats.json` of a
    // failed or unfinished run) are read as they are: they say why it failed. The marker checks
    // are for its shards.
    if (!walked.has(dir) && [...(byDir.get(dir) ?? [])].every((n) => n.startsWith('_'))) continue;
    const names = await readdir(dir).catch(() => null);
    if (names === null) continue;
    const why = folderProblem(dir, names, walked.has(dir) ? 'all' : (byDir.get(dir) ?? new Set()));
    if (why !== undefined) {
      if (!allow) throw new UsageError(why.message);
      unfinished.push({ input: dir, problem: why.problem });
    }
    if (names.includes(SUCCESS)) {
      const r = readMarker(join(dir, SUCCESS));
      const from = r.kind === 'manifest' && Array.isArray(r.m.unfinished_inputs) ? r.m.unfinished_inputs : [];
      if (from.length > 0) inherited.push({ input: dir, problem: `'${showPath(dir)}' was made from ${from.length} unfinished input${from.length === 1 ? '' : 's'} read as ${from.length === 1 ? 'it was' : 'they were'} (--allow-unfinished): ${from.slice(0, 3).map((u) => showText(String(u.problem))).join('; ')}${from.length > 3 ? ` and ${from.length - 3} more` : ''}` });
      if (walked.has(dir) && r.kind === 'manifest' && r.m.shards !== undefined) listed.set(dir, new Set(r.m.shards));
      if (r.kind === 'manifest' && typeof r.m.limit === 'number') samples.push({ dir, limit: r.m.limit });
      // Not for a folder read as it is with --allow-unfinished: its counts are known not to hold.
      if (why === undefined && r.kind === 'manifest' && r.m.shard_records !== undefined) {
        for (const f of files) if (f !== '-' && dirname(f) === dir && r.m.shard_records[basename(f)] !== undefined) expected[f] = r.m.shard_records[basename(f)];
      }
    }
  }
  const kept: string[] = [];
  const leftOut: string[] = [];
  for (const f of files) {
    const shards = f === '-' ? undefined : listed.get(dirname(f));
    if (shards !== undefined && !shards.has(basename(f)) && !FOLDER_SHARD.test(basename(f))) leftOut.push(f);
    else kept.push(f);
  }
  return { files: kept, leftOut, unfinished, inherited, expected, samples };
}
