import { table } from '../core/own.js';
/**
 * The plan of a run: what `corpus-clean run` decides before any record is read, written to
 * `_plan.json` so that workers, Slurm array tasks and a rerun all work from the same plan.
 *
 * Tasks are defined by the input alone: consecutive small files (in the run's sorted order) are
 * packed into one task of up to `taskSize` bytes, a large plain JSONL file is cut into byte ranges
 * of about `taskSize` bytes on line boundaries (with the line number each range starts at, so
 * sources stay `file:line`), a large Parquet file into runs of whole row groups of about
 * `taskSize` compressed bytes, and any other file is a task of its own. The recipe is cut into segments at its global stages;
 * the phases are: the tasks of segment 0, each global stage's steps, the tasks of the next
 * segment, and so on. Nothing in the plan depends on the number of workers, so the output does not.
 */
import type { UnfinishedInput } from './markers.js';
import type { SkippedInput } from '../io/inputs.js';
import { open, readFile, stat } from 'node:fs/promises';
import { fileSha256 } from '../io/fileHash.js';
import { sniffCompression } from '../io/decode.js';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type { TextField } from '../core/doc.js';
import { UsageError } from '../core/errors.js';
import type { RecipeStage } from '../core/recipe.js';
import type { Stage } from '../core/stage.js';
import { formatOf, type InputFormat } from '../io/readers/index.js';
import { parquetRowGroups } from '../io/readers/parquet.js';
import { wideBom } from '../io/readers/utf16.js';
import { UNREAD_HEAD, unreadKind } from '../io/magic.js';
import type { OutputCompression } from '../io/writers/sharded.js';
import type { ParquetCompression } from '../io/writers/parquet.js';
import { fsPath, showPath } from '../core/fsname.js';
import { showText } from '../core/show.js';
import { bandsAndRows, DEFAULT_ROWS } from '../stages/dedup/options.js';

/** The settings every task of a run shares. */
export interface RunSettings {
  format: InputFormat;
  txtMode: 'file' | 'line';
  wrapArrays?: string;
  textField?: TextField;
  /** Inputs written with different text fields: each run folder's file with its run's list (label), the others with textField (io/readers/ownTextField.ts). */
  ownTextFields?: [string, string][];
  requireText?: boolean;
  shardRecords?: number;
  shardBytes?: number;
  /** Of the shards: JSONL's none/gzip/zstd, or a Parquet codec (none/snappy/gzip/zstd/brotli) when `outputFormat` is parquet. */
  compression: OutputCompression | ParquetCompression;
  /** `parquet`: the last segment writes Parquet shards `part-<task>-<n>.parquet`; absent: JSONL (so plans of JSONL runs are as before). */
  outputFormat?: 'parquet';
  /** Parquet shards: rows per row group. */
  rowGroupSize?: number;
  stripAttrs: boolean;
  maxRejectRate: number;
  /** Record signal histograms for the report. */
  profile?: boolean;
  /** Exit 0 even when nothing is written. */
  allowEmpty?: boolean;
  /** What a reject keeps of `attrs` (see `PipelineSpec.rejectAttrs`); default all. */
  rejectAttrs?: 'failing' | 'all';
  /** Keep at most this many rejects per `stage/reason`: per task, then the first by task order at the merge. */
  rejectsSample?: number;
  /** Compression of the rejects (per task, and of the merged `_rejects.jsonl`); default none. */
  rejectsCompression?: OutputCompression;
  /** `--limit N`: the first N records of the inputs in order (the plan keeps the tasks holding them; see `limitTasks`). */
  limit?: number;
}

/**
 * One task: a whole file, several whole small files read one after another, a byte range of a
 * plain JSONL file that starts and ends on a line, or a run of row groups of a Parquet file.
 */
export interface TaskSpec {
  /** The file (of a pack: its first). */
  file: string;
  /** A pack of whole files, in the run's order (`file` is the first); absent for a task of one file. */
  files?: string[];
  /** Parquet row groups `[first, end)`; absent for a whole file. */
  rowGroups?: [number, number];
  /** Byte range `[start, end)`; absent for a whole file. */
  start?: number;
  end?: number;
  /** Lines before `start`. */
  linesBefore?: number;
  /** Bytes to read (the range, or the file's size on disk; of a pack, the sum of its files'). */
  bytes: number;
  /** `--limit`: the task reads only its first `limit` records (the last task of a limited run). */
  limit?: number;
}

/** The input files a task reads, in order. */
export const taskFiles = (t: TaskSpec): string[] => t.files ?? [t.file];

/**
 * The plan's format. 2: small files packed into one task (`TaskSpec.files`); an unfinished run
 * folder of version 1 (one task per file) is refused with a message naming the version.
 */
export const PLAN_VERSION = 2;

/** One phase: the tasks of a segment, or one step of a global stage. */
export interface PhaseSpec {
  /** Folder name of its markers: `0-tasks`, `1-dedup-partitions`, ... */
  id: string;
  kind: 'tasks' | 'step';
  /** Task phases: the segment they run. */
  segment?: number;
  /** Step phases: which global stage (index into `globals`) and which of its steps. */
  global?: number;
  step?: number;
  units: number;
}

/** Everything a task needs, as plain data (`_plan.json`). */
export interface Plan {
  version: typeof PLAN_VERSION;
  name: string;
  /** The recipe's stages, options resolved. */
  stages: RecipeStage[];
  settings: RunSettings;
  /** The expanded input files, in the run's order. */
  inputs: string[];
  /** Input names the expansion did not read (dangling links, FIFOs, second names of a file), with why: in `_stats.json` too. */
  skipped?: SkippedInput[];
  /**
   * The inputs as given (`-i`), for the merge's notes: a file found in a folder given as input is
   * told how to leave it out of that folder, as a single command tells it. Absent in plans of older
   * versions. Not part of `planKey` (the same files named another way are the same run).
   */
  roots?: string[];
  tasks: TaskSpec[];
  /** Target bytes per task (a file larger than this is cut). */
  taskSize: number;
  /** Per segment, the recipe indices of its record stages. */
  segments: number[][];
  /** The recipe index of the global stage after segment `k`. */
  globals: number[];
  phases: PhaseSpec[];
  /**
   * Per input (as `inputs`), what tells cheaply whether its content changed since the plan was
   * made: a rerun that finds one changed refuses to resume (absent in plans of older versions).
   */
  inputFacts?: InputFacts[];
  /** `--limit`: the inputs hold more records than the limit (the accounting says the run stopped there). */
  limitReached?: boolean;
  /** Planned by a version whose units seal their work files: a seal missing is damage (core/workSeal.ts). Not part of `planKey`. */
  sealed?: boolean;
  /** Inputs read with --allow-unfinished that are unfinished outputs, with what is missing or differs: in `_stats.json` and `_SUCCESS` too. Not part of `planKey`. */
  unfinished?: UnfinishedInput[];
  /** Shards of finished outputs among the inputs, with the records their manifest says they hold (compared at the merge). Not part of `planKey`. */
  expectedRecords?: Record<string, number>;
  /**
   * The files the stages read besides the records (a url-filter list, quality rules, a schema),
   * with the SHA-256 of their content when the plan was made: a rerun that finds one changed
   * refuses to resume (its finished tasks used the old one). Absent when there are none, and in
   * plans of older versions. Not part of `planKey`.
   */
  sideFiles?: SideFile[];
  /**
   * The bands x rows of each MinHash dedup stage (its index among `stages`), as this version chose
   * them from its options: the signatures, buckets and clusters of finished units were made with
   * them, so a rerun whose version chooses others for the same options refuses to resume (465b5cb
   * changed them for a threshold alone under about 0.65). Absent in plans of older versions, which
   * `planKey` reads as the bands and rows those chose when both rules agree. Part of `planKey`.
   */
  lsh?: PlannedLsh[];
}

/** The LSH of one MinHash dedup stage of a plan. */
export interface PlannedLsh {
  stage: number;
  bands: number;
  rows: number;
}

/** Whether a recipe stage is a MinHash dedup (the built-in stage, not exact). */
function minHashStage(s: RecipeStage): boolean {
  return typeof s === 'object' && s !== null && typeof s.options === 'object' && s.options !== null && s.stage === 'dedup' && s.module === undefined && (s.options as { method?: unknown }).method !== 'exact';
}

/** The bands x rows of each MinHash dedup stage of `stages`, as this version chooses them. */
export function planLsh(stages: readonly RecipeStage[]): PlannedLsh[] | undefined {
  const out: PlannedLsh[] = [];
  stages.forEach((s, i) => {
    if (!minHashStage(s)) return;
    const o = s.options as { threshold: number; bands?: number | null; rows?: number | null };
    out.push({ stage: i, ...bandsAndRows(o.threshold, o.bands ?? null, o.rows ?? null) });
  });
  return out.length > 0 ? out : undefined;
}

/**
 * Why this version cannot resume a plan of an older one whose MinHash bands x rows it cannot tell
 * (not recorded, and the rules before and since 465b5cb choose differently), for `status`.
 */
export function unknownLsh(p: Plan): string | undefined {
  for (const x of lshOf(p) ?? []) {
    if (!('unknown' in x)) continue;
    const th = (p.stages[x.stage].options as { threshold?: unknown }).threshold;
    return `its MinHash dedup (stage ${x.stage + 1}, threshold ${String(th)}) was planned by a version that did not record its bands x rows: ${x.unknown.before} before 2026-12-05 (465b5cb), ${x.unknown.now} since, and its finished units may hold either`;
  }
  return undefined;
}

/**
 * The bands x rows a plan's MinHash stages were made with: its `lsh`, or for a plan of an older
 * version (none recorded) what both the rule before 465b5cb (rows 8 for a threshold alone) and
 * this one choose; `unknown` where they differ (the planned ones cannot be told).
 */
function lshOf(p: Plan): (PlannedLsh | { stage: number; unknown: { before: string; now: string } })[] | undefined {
  if (p.lsh !== undefined || !Array.isArray(p.stages)) return p.lsh;
  const now = planLsh(p.stages);
  return now?.map((x) => {
    const o = p.stages[x.stage].options as { threshold: number; bands?: number | null; rows?: number | null };
    const bands = o.bands ?? null;
    const rows = o.rows ?? null;
    // Before 465b5cb a missing rows was 8 whatever the threshold gave (256 x 8 for 0.5).
    const before = rows === null && bands === null ? { bands: Math.max(1, Math.round(Math.pow(o.threshold, -DEFAULT_ROWS))), rows: DEFAULT_ROWS } : { bands: x.bands, rows: x.rows };
    return before.bands === x.bands && before.rows === x.rows ? x : { stage: x.stage, unknown: { before: `${before.bands} x ${before.rows}`, now: `${x.bands} x ${x.rows}` } };
  });
}

/**
 * A run folder's `_plan.json`, read for `status`, `merge` and `task`: a file that is not JSON or
 * not the shape a run writes (damaged, emptied, edited) is a usage error naming it, as `run`
 * refuses it (hostile review 20 F13: a JavaScript stack trace, exit 1).
 */
export async function readPlan(run: string): Promise<Plan> {
  const file = join(run, '_plan.json');
  const text = await readFile(file, 'utf8');
  let why: string | undefined;
  let plan: Plan | undefined;
  try {
    plan = JSON.parse(text) as Plan;
  } catch (e) {
    why = text.trim() === '' ? 'it is empty' : `not JSON: ${(e as Error).message}`;
  }
  why ??= planShapeProblem(plan);
  if (why !== undefined) throw new UsageError(`'${showPath(file)}' does not read (${why}): it is not the plan a 'corpus-clean run' writes (damaged or edited), so the run in '${showPath(run)}' cannot be told or resumed; run its recipe again into that folder with --overwrite to start over`);
  return plan!;
}

/** Most units a step phase of a plan may have (a bucket per band, a partition per 1/256 of keys: far fewer). */
const MAX_STEP_UNITS = 1_000_000;

/**
 * What makes `v` other than the shape of a plan a run writes, or undefined when it has that shape:
 * every list and entry the commands read, of its kind and in range, so that a damaged or edited
 * `_plan.json` is one line (exit 2), never a TypeError's stack or a status counting 10^9 markers
 * (hostile review 21, F13 re-check: `tasks: [null]`, `segments: [[7], []]`, `units: 1e9`).
 */
export function planShapeProblem(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const p = v as Record<string, unknown>;
  if (typeof p.name !== 'string') return 'no run name';
  const arrays = ['stages', 'inputs', 'tasks', 'segments', 'globals', 'phases'];
  const missing = arrays.find((k) => !Array.isArray(p[k]));
  if (missing !== undefined) return `no ${missing} list`;
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(p.settings) || typeof p.settings.format !== 'string') return 'no settings (with their input format)';
  const stages = p.stages as unknown[];
  if (!stages.every((st) => isObject(st) && typeof st.stage === 'string' && isObject(st.options))) return 'a stage without its name or options';
  if (!(p.inputs as unknown[]).every((f) => typeof f === 'string')) return 'an input that is not a file name';
  const inputFacts = p.inputFacts;
  if (inputFacts !== undefined && !(Array.isArray(inputFacts) && inputFacts.every(isObject))) return 'input facts that are not a list of objects';
  const tasks = p.tasks as unknown[];
  const count = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (!tasks.every((t) => isObject(t) && typeof t.file === 'string' && count(t.bytes) && (t.files === undefined || (Array.isArray(t.files) && t.files.every((f) => typeof f === 'string'))))) return 'a task without its file or bytes';
  const index = (x: unknown, n: number): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) < n;
  const segments = p.segments as unknown[];
  const globals = p.globals as unknown[];
  if (!segments.every((seg) => Array.isArray(seg) && seg.every((i) => index(i, stages.length)))) return 'a segment naming no stage of the plan';
  if (!globals.every((i) => index(i, stages.length)) || segments.length !== globals.length + 1) return 'global stages that do not match its segments';
  for (const ph of p.phases as unknown[]) {
    if (!isObject(ph) || typeof ph.id !== 'string' || !count(ph.units)) return 'a phase without its id or units';
    if (ph.kind === 'tasks') {
      if (!index(ph.segment, segments.length) || ph.units !== tasks.length) return `phase '${showText(ph.id)}' of tasks that does not match the plan's segments or tasks`;
    } else if (ph.kind === 'step') {
      if (!index(ph.global, globals.length) || !count(ph.step) || (ph.units as number) > MAX_STEP_UNITS) return `step phase '${showText(ph.id)}' that does not match the plan's global stages`;
    } else return `phase '${showText(ph.id)}' of no known kind`;
  }
  return undefined;
}

/** A file a stage reads (core/registry.ts `filesReadBy`) and the SHA-256 of its content. */
export interface SideFile {
  path: string;
  /** Which stage option names it, e.g. `the block file of url-filter`. */
  what: string;
  sha256: string;
}

/**
 * The SHA-256 of each file the stages read that is a regular file (repair's built-in schema names
 * are not). Relative paths are read from `cwd` (the folder the run was started in) when given, and
 * kept as written.
 */
export async function sideFileFacts(reads: readonly { path: string; what: string }[], cwd?: string): Promise<SideFile[]> {
  const out: SideFile[] = [];
  for (const r of reads) {
    const path = fsPath(cwd === undefined ? r.path : resolve(cwd, r.path));
    const st = await stat(path).catch(() => null);
    if (st?.isFile() !== true || out.some((x) => x.path === r.path && x.what === r.what)) continue;
    out.push({ path: r.path, what: r.what, sha256: fileSha256(path) });
  }
  return out;
}

/**
 * The files the plan's stages read (`sideFiles`) whose content differs now from what the plan
 * recorded, or that are gone: `changedSideFiles` of the plan against the files as they are.
 */
export async function changedSideFilesNow(plan: Plan, cwd?: string): Promise<string[]> {
  if (plan.sideFiles === undefined || plan.sideFiles.length === 0) return [];
  return changedSideFiles(plan, { ...plan, sideFiles: await sideFileFacts(plan.sideFiles, cwd) });
}

/**
 * The refusal of an unfinished run in `dir` some of whose side files changed (`sides`, from
 * `changedSideFiles`): said by `run` for a resume, and by `task` and `merge`, which would run or
 * publish units of the old and the new content together (hostile review 23b M2).
 */
export function sideFilesRefusal(dir: string, sides: readonly string[], by: 'run' | 'task' | 'merge' = 'run'): string {
  // task and merge take no --overwrite (new-user reviews 24 N4, 25 L-3): they name the run's command, which status gives.
  const over = by === 'run' ? 'pass --overwrite to start again' : `run the run's command again with --overwrite to start over (\`corpus-clean status ${showPath(dir)}\` gives it)`;
  return `output folder '${showPath(dir)}' holds an unfinished run, and a file its stages read changed since it began: ${sides.slice(0, 3).join(', ')}${sides.length > 3 ? ` and ${sides.length - 3} more` : ''}; its finished tasks used the old content, so it cannot be resumed: ${over} (or put the old file back to resume)`;
}

/** `task` and `merge`: refuse (exit 2) when a file the plan's stages read differs from the plan's (see `sideFilesRefusal`). */
export async function checkSideFiles(dir: string, plan: Plan, cwd?: string, by: 'task' | 'merge' = 'task'): Promise<void> {
  const sides = await changedSideFilesNow(plan, cwd);
  if (sides.length > 0) throw new UsageError(sideFilesRefusal(dir, sides, by));
}

/**
 * The files the stages of `earlier` read whose content differs now (or that are gone): one line
 * each, for the message refusing to resume (hostile review 8 F36: a resumed run applied the old
 * block list to its finished tasks and the new one to the rest, exit 0).
 */
export function changedSideFiles(earlier: Plan, now: Plan): string[] {
  const out: string[] = [];
  for (const a of earlier.sideFiles ?? []) {
    const b = now.sideFiles?.find((x) => x.path === a.path && x.what === a.what);
    if (b === undefined) out.push(`${a.what} '${showPath(a.path)}' (gone, or no longer a file)`);
    else if (b.sha256 !== a.sha256) out.push(`${a.what} '${showPath(a.path)}' (its content differs)`);
  }
  return out;
}

/** Size, modification and change times (ns) and inode of an input file when the plan was made. */
export interface InputFacts {
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
}

/** The facts of each input file (the device is left out: it may differ between the nodes of a cluster). */
export async function inputFacts(files: readonly string[]): Promise<InputFacts[]> {
  const out: InputFacts[] = [];
  for (const f of files) {
    const st = await stat(fsPath(f), { bigint: true });
    out.push({ size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), ino: String(st.ino) });
  }
  return out;
}

/**
 * The inputs of `earlier` whose content may have changed since: another size, modification or
 * change time, or another file (inode) at the same path. One line each, for a message.
 */
export function changedInputs(earlier: Plan, now: Plan): string[] {
  if (earlier.inputFacts === undefined || now.inputFacts === undefined) return [];
  const out: string[] = [];
  const at = new Map(now.inputs.map((f, j) => [f, j]));
  earlier.inputs.forEach((file, i) => {
    const j = at.get(file) ?? -1;
    const a = earlier.inputFacts![i];
    const b = j === -1 ? undefined : now.inputFacts![j];
    if (a === undefined || b === undefined) return;
    const iso = (ns: string): string => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
    if (a.size !== b.size) out.push(`'${showPath(file)}' (${a.size} bytes then, ${b.size} now)`);
    else if (a.ino !== b.ino) out.push(`'${showPath(file)}' (another file now: it was replaced)`);
    else if (a.mtimeNs !== b.mtimeNs) out.push(`'${showPath(file)}' (modified ${iso(b.mtimeNs)}, was ${iso(a.mtimeNs)})`);
    else if (a.ctimeNs !== b.ctimeNs) out.push(`'${showPath(file)}' (changed ${iso(b.ctimeNs)}, was ${iso(a.ctimeNs)})`);
  });
  return out;
}

/**
 * The smallest --task-size accepted: 1 KiB, about one web page's text, so a task holds a record
 * or a few. Tests cut small fixtures with it; for real work a task below about 1 MiB costs more
 * than it does (each costs ~30 ms of CPU, about 300 KB of records' work, and ~6 files).
 */
export const MIN_TASK_SIZE = 1024;

/** `size` as a task size (from --task-size or `executor: task_size`), or a usage error. */
export function checkTaskSize(size: number, from = '--task-size'): number {
  if (!(size >= MIN_TASK_SIZE)) throw new UsageError(`${from} must be at least 1KiB (${MIN_TASK_SIZE} bytes); got ${size} bytes (a task below about 1MiB costs more in bookkeeping than its records take)`);
  return size;
}

/** The largest default task size: large enough that per-task costs vanish, small enough to use every core on one file. */
export const DEFAULT_TASK_SIZE = 64 * 1024 * 1024;
/**
 * The smallest task size chosen by default. Each task costs a fixed amount of CPU beside its
 * records (its files, seals and markers, its stages' and writers' set-up): measured at 60-70 ms
 * with the sample recipe on the 5-copy bench mix (session 16: 64 MiB against 8 MiB tasks; 1 MiB
 * tasks, 145 more, cost 14-16 s more, partly in steps that grow as tasks squared), some 7 % of an
 * 8 MiB task's ~0.9 s; fewer files per task saved ~15 ms of it. Under 1 % only from about
 * 64 MiB (bench/RESULTS.md, issue 16, sixteenth pass).
 */
export const MIN_AUTO_TASK_SIZE = 8 * 1024 * 1024;
/** Tasks the default task size aims at for an input that allows it. */
export const AUTO_TASKS = 32;

/**
 * The default task size for `total` input bytes: about 1/32 of the input in whole MiB, between
 * 8 and 64 MiB. Every phase ends at a barrier, and its last tasks run while workers that
 * have no task left wait: with 9 tasks of 57 MB (514 MB cut at 64 MiB) on 2 workers the last one
 * ran alone, a tenth of the phase on one core. 32 tasks make that tail a sixteenth at most on 2
 * workers, smaller on more. A function of the input alone, as tasks must be.
 */
export function taskSizeFor(total: number): number {
  const mib = 1024 * 1024;
  return Math.min(DEFAULT_TASK_SIZE, Math.max(MIN_AUTO_TASK_SIZE, Math.ceil(total / AUTO_TASKS / mib) * mib));
}

/**
 * The size of an input being planned. One gone since the inputs were listed (a folder replaced by
 * another command's --overwrite) is said as such (review 6 F23: a bare "ENOENT ... stat").
 */
async function inputSize(file: string): Promise<number> {
  try {
    return (await stat(fsPath(file))).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw Object.assign(new Error(`input '${showPath(file)}' is gone since the inputs were listed (removed, or replaced by another command's --overwrite?); nothing was read: run again once it is complete`), { code: 'ERR_INPUT_CHANGED' });
  }
}

/** `taskSizeFor` the total size of `files`. */
export async function autoTaskSize(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const f of files) if (f !== '-') total += await inputSize(f);
  return taskSizeFor(total);
}

/**
 * The default task size of a recipe: `autoTaskSize`, except with stages whose cost per task is
 * large whatever the task's size (paragraphs saves, merges and loads a count-min sketch of
 * `sketch_bytes`, 64 MiB by default, per task): those keep the largest default, so more tasks
 * do not multiply that cost.
 */
export async function defaultTaskSize(stageNames: readonly string[], files: readonly string[]): Promise<number> {
  if (stageNames.includes('paragraphs')) return DEFAULT_TASK_SIZE;
  return autoTaskSize(files);
}

async function isPlain(file: string): Promise<boolean> {
  const fh = await open(fsPath(file), 'r');
  try {
    const b = Buffer.alloc(UNREAD_HEAD);
    const { bytesRead } = await fh.read(b, 0, UNREAD_HEAD, 0);
    const head = b.subarray(0, bytesRead);
    if (sniffCompression(head) !== 'none') return false;
    // A UTF-16/32 file stays one task, so that its reader sees the byte-order mark and names it
    // (a range past the start would read as invalid UTF-8 lines).
    if (wideBom(head) !== undefined) return false;
    // So does an archive or a compression not read (a tar named x.jsonl): its first range refused
    // it, the later ones read its members' lines as records (fix22c's note).
    if (unreadKind(head) !== undefined) return false;
    return true;
  } finally {
    await fh.close();
  }
}

/**
 * Cut a plain JSONL file into ranges of about `size` bytes, each starting on a line, with the
 * number of lines before it. One pass over the file counting newlines.
 */
export async function cutFile(file: string, total: number, size: number): Promise<TaskSpec[]> {
  const n = Math.ceil(total / size);
  if (n <= 1) return [{ file, bytes: total }];
  // The cut points, computed as they are reached (an array of them was total/size long: 2.6
  // million entries for 2.6 MB cut at 1 byte, whatever the number of lines).
  const targets = { length: n - 1, at: (i: number): number => Math.round(((i + 1) * total) / n) };
  const cuts: { at: number; lines: number }[] = [{ at: 0, lines: 0 }];
  const fh = await open(fsPath(file), 'r');
  try {
    const buf = Buffer.alloc(4 << 20);
    let pos = 0;
    let lines = 0;
    let next = 0;
    while (next < targets.length) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      let i = 0;
      for (;;) {
        const nl = buf.indexOf(10, i);
        if (nl === -1 || nl >= bytesRead) break;
        lines++;
        const at = pos + nl + 1;
        // A cut falls after the first newline at or past each target.
        while (next < targets.length && at >= targets.at(next)) {
          if (at < total && at > cuts[cuts.length - 1].at) cuts.push({ at, lines });
          next++;
        }
        i = nl + 1;
      }
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return cuts.map((c, i) => {
    const end = i + 1 < cuts.length ? cuts[i + 1].at : total;
    return { file, start: c.at, end, linesBefore: c.lines, bytes: end - c.at };
  });
}

/**
 * Cut a Parquet file into runs of whole row groups of about `size` compressed bytes (a file of
 * one row group, or whose footer cannot be read, stays one task).
 */
export async function cutParquet(file: string, total: number, size: number): Promise<TaskSpec[]> {
  const groups = await parquetRowGroups(file);
  if (groups === undefined || groups.length <= 1) return [{ file, bytes: total }];
  const tasks: TaskSpec[] = [];
  let first = 0;
  let bytes = 0;
  for (let g = 0; g < groups.length; g++) {
    bytes += groups[g].bytes;
    if (bytes >= size || g === groups.length - 1) {
      tasks.push({ file, rowGroups: [first, g + 1], bytes });
      first = g + 1;
      bytes = 0;
    }
  }
  return tasks.length === 1 ? [{ file, bytes: total }] : tasks;
}

/**
 * The tasks of a run over `files`, in their order: a large plain JSONL file cut into ranges, a
 * large Parquet file into row groups, and runs of consecutive whole files packed into one task
 * while their sizes add up to at most `taskSize` (2,000 files of one record each were 2,000
 * tasks: 2,000 tiny shards, stats files and markers per phase; datatrove and Spark pack so too).
 * A function of the files and `taskSize` alone, never of the workers.
 */
export async function planTasks(files: readonly string[], format: InputFormat, taskSize: number): Promise<TaskSpec[]> {
  const tasks: TaskSpec[] = [];
  let pack: TaskSpec | undefined;
  const close = (): void => {
    if (pack !== undefined) tasks.push(pack.files!.length === 1 ? { file: pack.file, bytes: pack.bytes } : pack);
    pack = undefined;
  };
  for (const file of files) {
    if (file === '-') throw new UsageError('run reads files, not stdin: give --input PATH (or pipe into a stage command such as corpus-clean quality)');
    const size = await inputSize(file);
    if (size <= taskSize) {
      if (pack !== undefined && pack.bytes + size > taskSize) close();
      if (pack === undefined) pack = { file, files: [file], bytes: size };
      else {
        pack.files!.push(file);
        pack.bytes += size;
      }
      continue;
    }
    close();
    const jsonl = format === 'jsonl' || (format === 'auto' && formatOf(file) === 'jsonl' && !/\.json$/.test(file));
    const parquet = format === 'parquet' || (format === 'auto' && formatOf(file) === 'parquet');
    // A loop, not push(...pieces): a small --task-size cuts a file into more pieces than a
    // spread's arguments may number (~100k), which threw "Maximum call stack size exceeded".
    const pieces = jsonl && (await isPlain(file)) ? await cutFile(file, size, taskSize) : parquet ? await cutParquet(file, size, taskSize) : [{ file, bytes: size }];
    for (const t of pieces) tasks.push(t);
  }
  close();
  return tasks;
}

/** Cut a recipe into segments at its global stages, and list the phases. */
export function planPhases(stages: readonly Stage[], tasks: number): Pick<Plan, 'segments' | 'globals' | 'phases'> {
  const segments: number[][] = [[]];
  const globals: number[] = [];
  stages.forEach((s, i) => {
    if (s.scope === 'global' && s.global !== undefined) {
      globals.push(i);
      segments.push([]);
    } else segments[segments.length - 1].push(i);
  });
  const phases: PhaseSpec[] = [];
  let n = 0;
  for (let k = 0; k < segments.length; k++) {
    phases.push({ id: `${n++}-tasks`, kind: 'tasks', segment: k, units: tasks });
    if (k < globals.length) {
      const g = globals[k];
      stages[g].global!.steps(tasks).forEach((step, j) => {
        phases.push({ id: `${n++}-${stages[g].name}-${step.name}`, kind: 'step', global: k, step: j, units: step.units });
      });
    }
  }
  return { segments, globals, phases };
}

/**
 * One line when a run has fewer tasks than workers, so workers wait through every task phase
 * (new-user review 10 #19: web/zh, 23 MB in 16 files, was one task under the 64 MiB task size
 * `paragraphs` sets, one core busy and nothing said). It names the task size, what set it
 * (`setBy`), and a --task-size that plans about two tasks per worker, or that the files cannot
 * be cut. Nothing for an input under 1 MiB per worker: a smaller task would cost more than its
 * records (checkTaskSize says so).
 */
export async function fewTasksNote(files: readonly string[], format: InputFormat, tasks: readonly TaskSpec[], workers: number, taskSize: number, setBy: string): Promise<string | undefined> {
  if (tasks.length >= workers) return undefined;
  const mib = 1024 * 1024;
  let total = 0;
  for (const t of tasks) total += t.bytes;
  if (total < workers * mib) return undefined;
  const size = Math.max(mib, Math.floor(total / (2 * workers) / mib) * mib);
  const sizeText = (n: number): string => (n % mib === 0 ? `${n / mib} MiB` : `${n} bytes`);
  const head = `${tasks.length} task${tasks.length === 1 ? '' : 's'} for ${workers} workers (${workers - tasks.length} idle in every task phase): the input (${(total / 1e6).toFixed(1)} MB) is planned under the ${sizeText(taskSize)} task size ${setBy}`;
  if (size >= taskSize) return undefined;
  const split = await planTasks(files, format, size);
  if (split.length <= tasks.length) return `${head}; its files cannot be cut smaller (a compressed file, or a format other than plain JSONL and Parquet, is read whole)`;
  return `${head}; --task-size ${size / mib}MiB plans ${split.length} tasks`;
}

/** The part of a plan that must match for a rerun to resume it. */
export function planKey(p: Plan): string {
  // The LSH apart, as recorded or as an older version chose it (lshOf), wherever the key stands.
  return JSON.stringify({ ...p, name: undefined, inputFacts: undefined, skipped: undefined, roots: undefined, sealed: undefined, unfinished: undefined, expectedRecords: undefined, sideFiles: undefined, lsh: undefined }) + JSON.stringify(lshOf(p) ?? null);
}

/** A value for a message: JSON, cut short. */
/**
 * Two texts cut to where they first differ, with some context on either side: both cut at 60
 * characters from their start hid the difference in a long stage (new-user review 22 A8: `set:
 * [zh_quality:min_chars=20]` against `=30` showed two equal excerpts).
 */
function aroundDifference(a: string, b: string): [string, string] {
  let d = 0;
  while (d < a.length && d < b.length && a[d] === b[d]) d++;
  const from = Math.max(0, d - 30);
  const cut = (s: string): string => {
    const to = Math.min(s.length, d + 30);
    return `${from > 0 ? '...' : ''}${s.slice(from, to)}${to < s.length ? '...' : ''}`;
  };
  return [cut(a), cut(b)];
}

/** JSON with the keys of every object in sorted order. */
function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : x));
}

function brief(v: unknown): string {
  const s = v === undefined ? 'unset' : JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** How a user sets each run setting (flag, or recipe key where no flag sets it). */
const SETTING_NAMES: Record<string, string> = table({
  format: '--format', txtMode: '--txt-mode', wrapArrays: '--wrap-arrays', textField: '--text-field', requireText: 'require_text',
  shardRecords: '--shard-records', shardBytes: '--shard-size', compression: '--compress', stripAttrs: '--strip-attrs',
  maxRejectRate: '--max-reject-rate', profile: 'profile', allowEmpty: '--allow-empty', rejectAttrs: '--rejects-attrs',
  ownTextFields: "the inputs' own text fields (their runs' _recipe.resolved.yaml)", rejectsSample: '--rejects-sample', rejectsCompression: '--rejects-compress', limit: '--limit', outputFormat: '--output-format', rowGroupSize: '--row-group-size',
});

/**
 * What differs between two plans that `planKey` tells apart, for the message refusing to resume:
 * the settings by name with both values, else the stages, the inputs, the task size or the tasks.
 */
export function planDifference(was: Plan, now: Plan): string[] {
  // Another version cuts the same inputs into other tasks: say so rather than "other tasks".
  if (was.version !== now.version) return [`the plan was written by another version of corpus-clean (plan version ${brief(was.version)}, now ${now.version})`];
  const out: string[] = [];
  const a = was.settings as unknown as Record<string, unknown>;
  const b = now.settings as unknown as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort()) {
    if (JSON.stringify(a?.[k]) === JSON.stringify(b?.[k])) continue;
    // A flag's earlier value given again resumes the run: say so (a default that changed between
    // versions, as the rejects' compression did, is otherwise a dead end).
    const flag = SETTING_NAMES[k];
    const again = flag?.startsWith('--') === true && (typeof a?.[k] === 'string' || typeof a?.[k] === 'number') ? ` (give ${flag} ${String(a[k])} to resume it)` : '';
    out.push(`${flag ?? k} was ${brief(a?.[k])}, now ${brief(b?.[k])}${again}`);
  }
  if (was.taskSize !== now.taskSize) out.push(`--task-size was ${was.taskSize} bytes, now ${now.taskSize}`);
  if (JSON.stringify(was.stages) !== JSON.stringify(now.stages)) {
    const n = Math.max(was.stages?.length ?? 0, now.stages?.length ?? 0);
    let i = 0;
    while (i < n && JSON.stringify(was.stages?.[i]) === JSON.stringify(now.stages?.[i])) i++;
    // Options in one key order on both sides, so that the excerpts show what differs (new-user
    // review 23b C6: an option given sorted first, a default in the stage's own order).
    const [a, b] = was.stages?.[i] !== undefined && now.stages?.[i] !== undefined ? aroundDifference(sortedJson(was.stages[i]), sortedJson(now.stages[i])) : [brief(was.stages?.[i]), brief(now.stages?.[i])];
    out.push(`the recipe's stages differ from stage ${i + 1} on (was ${a}, now ${b})`);
  }
  if (JSON.stringify(was.inputs) !== JSON.stringify(now.inputs)) {
    const nowSet = new Set(now.inputs);
    const wasSet = new Set(was.inputs ?? []);
    const gone = (was.inputs ?? []).filter((f) => !nowSet.has(f));
    const added = now.inputs.filter((f) => !wasSet.has(f));
    // The same files, read in another order: the tasks (and shards) would follow another order.
    const moved = sameFilesRespelled(was, now);
    if (moved !== undefined) out.push(moved);
    else if (gone.length === 0 && added.length === 0 && was.inputs?.length === now.inputs.length) out.push(`the same ${now.inputs.length} inputs in another order (a folder's files are read in the order of their names since 2026-12-03, a symbolic link by its own name, no longer by its target's)`);
    else out.push(`the inputs differ (${was.inputs?.length ?? 0} files, now ${now.inputs.length}${gone.length > 0 ? `; no longer: ${showPath(gone[0])}${gone.length > 1 ? ` and ${gone.length - 1} more` : ''}` : ''}${added.length > 0 ? `; new: ${showPath(added[0])}${added.length > 1 ? ` and ${added.length - 1} more` : ''}` : ''})`);
  }
  // Same options, other bands x rows: the finished units' signatures and buckets were made with the planned ones.
  if (JSON.stringify(was.stages) === JSON.stringify(now.stages)) {
    const before = lshOf(was) ?? [];
    for (const x of lshOf(now) ?? []) {
      const b = before.find((y) => y.stage === x.stage);
      if (b === undefined || !('bands' in x) || JSON.stringify(b) === JSON.stringify(x)) continue;
      const th = (now.stages[x.stage].options as { threshold?: unknown }).threshold;
      if ('unknown' in b) out.push(unknownLsh(was)!);
      else out.push(`its MinHash dedup (stage ${x.stage + 1}, threshold ${String(th)}) was planned with ${b.bands} bands x ${b.rows} rows, and this version chooses ${x.bands} x ${x.rows} for the same options (give bands: ${b.bands} and rows: ${b.rows} in a new run to keep them)`);
    }
  }
  if (out.length === 0 && JSON.stringify(was.tasks) !== JSON.stringify(now.tasks)) out.push('the inputs are cut into other tasks (an input changed size?)');
  return out;
}

/**
 * When the inputs are the same files (same inodes and sizes, in the same order) spelled another
 * way (relative then, absolute now, or from another folder), say so and how to resume: the plan
 * keeps the paths as they were first given, relative to the folder the run was started from.
 */
function sameFilesRespelled(was: Plan, now: Plan): string | undefined {
  const a = was.inputs ?? [];
  const fa = was.inputFacts;
  const fb = now.inputFacts;
  if (a.length !== now.inputs.length || a.length === 0 || fa === undefined || fb === undefined) return undefined;
  for (let i = 0; i < a.length; i++) if (fa[i] === undefined || fb[i] === undefined || fa[i].ino !== fb[i].ino || fa[i].size !== fb[i].size) return undefined;
  // The folder the earlier run was started from, when its relative paths resolve from one.
  const first = a[0];
  const abs = resolve(now.inputs[0]);
  const from = !isAbsolute(first) && abs.endsWith(sep + normalize(first)) ? abs.slice(0, abs.length - normalize(first).length - 1) || sep : undefined;
  const where = from !== undefined && a.every((f, i) => resolve(from, f) === resolve(now.inputs[i])) ? ` from '${showPath(from)}'` : '';
  return `the same ${a.length === 1 ? 'input file' : `${a.length} input files`}, named another way (was '${showPath(first)}', now '${showPath(now.inputs[0])}'): the run keeps its inputs as first given; run the command again${where} with the inputs named as then (${a.slice(0, 3).map((f) => `'${showPath(f)}'`).join(', ')}${a.length > 3 ? ', ...' : ''}) to resume`;
}

/** A task for messages: `file`, `first to last (N files)`, `file bytes a-b (lines from N)` or `file row groups a-b`. */
export function describeTask(t: TaskSpec): string {
  if (t.files !== undefined && t.files.length > 1) return `${showPath(t.files[0])} to ${showPath(t.files[t.files.length - 1])} (${t.files.length} files)`;
  if (t.rowGroups !== undefined) return `${showPath(t.file)} row groups ${t.rowGroups[0]}-${t.rowGroups[1] - 1}`;
  return t.start === undefined ? showPath(t.file) : `${showPath(t.file)} bytes ${t.start}-${t.end} (from line ${(t.linesBefore ?? 0) + 1})`;
}
