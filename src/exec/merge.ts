/**
 * The merge at the end of a run: every task's stats merged into `_stats.json`, every task's
 * rejects joined into `_rejects.jsonl[.gz|.zst]` (task order, then segment order), the accounting
 * line, the reject-rate check and the exit code, the report (`_report.html`), then `_SUCCESS`,
 * then `_work/` removed. A kill after `_SUCCESS` leaves at most `_work/` behind, which the next
 * merge or rerun of the same command removes (`finishLeftovers`).
 */
import { close, existsSync, openSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { openDecoded } from '../io/decode.js';
import { namedOutputError, ShardedWriter } from '../io/writers/sharded.js';
import { REJECTS_GZIP_LEVEL, REJECTS_ZSTD_LEVEL } from '../io/writers/rejects.js';
import { madeOf, mergeRunStats, type RunStats } from '../core/stats.js';
import { finishRun, toStderr, type Say } from '../cli/execute.js';
import { isSpill, rejectsPath, segmentRejectsPath, segmentSamplesPath, segmentSealPath, segmentStatsPath, failedPath, successPath, taskStatsPath, workDir } from './layout.js';
import { checkAt, sealMismatch, WorkDamage } from '../core/workSeal.js';
import { crc32 } from '../io/crc32.js';
import { redoneFailure } from './redo.js';
import { redoTask } from './unit.js';
import { doneFacts, isDone, parseMarker, writeManifest } from './markers.js';
import type { Plan } from './plan.js';
import { describeTask } from './plan.js';
import { showPath } from '../core/fsname.js';
import { REJECTS_INDEX_PARTS, type RejectsIndex } from '../report/collect.js';
import { readSampleLines, type SampleEntry } from './samples.js';
import type { SegmentStats, TaskStats } from './unit.js';
import { zstdField, zstdWrittenWith, type ZstdCodecRecord } from '../io/zstdRecord.js';
import { REPORT_FILE, writeReport } from '../report/write.js';
import { errorText } from '../core/show.js';

/** Counters of global steps that belong in the stage's stats. */
const STEP_COUNTERS = ['candidates', 'candidates_unverified'];

/** Phases or tasks not done yet, as messages; empty when the run can be merged. */
export function missingUnits(run: string, plan: Plan): string[] {
  const out: string[] = [];
  for (const ph of plan.phases) {
    for (let u = 0; u < ph.units; u++) {
      if (!isDone(run, ph.id, u)) out.push(ph.kind === 'tasks' ? `${ph.id} task ${u} (${describeTask(plan.tasks[u])})` : `${ph.id} unit ${u}`);
    }
  }
  return out;
}

/**
 * Check what every task segment left for the merge against its seal (sizes and CRC-32s): a
 * damaged or missing file would fail every merge the same way (its task is marked done), or
 * (segment rejects are joined as they are) be copied into the run's rejects unnoticed. The task
 * is un-marked, so that the next run redoes it; the merge fails saying so. A segment without a
 * seal (done by a version before the seals) is not checked: redoing every such task would cost
 * one rerun each. With `rejectsCopied` (the rejects are joined as they are), each segment's
 * rejects file is checked here by its size only: its CRC-32 is taken as `joinRejects` copies it
 * (one read of the file, not two), and compared with the sum returned here before the run's
 * rejects file is published.
 */
async function checkSegments(run: string, plan: Plan, rejectsCopied: boolean): Promise<Map<string, SegmentSum>> {
  const sums = new Map<string, SegmentSum>();
  for (let t = 0; t < plan.tasks.length; t++) {
    for (let k = 0; k < plan.segments.length; k++) {
      const seal = segmentSealPath(run, t, k);
      if (!existsSync(seal)) continue;
      const rejects = segmentRejectsPath(run, t, k, plan.settings.rejectsCompression);
      const rel = relative(run, rejects);
      try {
        // Not the spill it lists (read, checked and removed by the next segment's task).
        const entries = checkAt(seal, run, { task: t }, (r) => !isSpill(r), (r) => !rejectsCopied || r !== rel);
        const e = entries?.[rel];
        if (rejectsCopied && e !== undefined) sums.set(rejects, { size: e.size, crc: e.crc, t, seal });
      } catch (e) {
        if (!(e instanceof WorkDamage)) throw e;
        throw await segmentDamaged(run, plan, t, e);
      }
    }
  }
  return sums;
}

/** What a segment's seal lists for its rejects file, with the task and the seal. */
interface SegmentSum {
  size: number;
  crc: number;
  t: number;
  seal: string;
}

/** The merge's error for a file task `t` left damaged: the task redone by the next run (`redoTask`). */
async function segmentDamaged(run: string, plan: Plan, t: number, e: WorkDamage): Promise<Error> {
  // `run` redoes it in the same call (redo.ts); the merge command says to run it again.
  return redoneFailure(Object.assign(new Error(`merge: ${(await redoTask(run, plan, t, e)).message}`), { code: e.code }), e.path);
}

/** Merge the stats of every task, with the global steps' counters. */
export async function mergedStats(run: string, plan: Plan, perTask?: number[], zstd?: ZstdCodecRecord[][]): Promise<RunStats> {
  let stats: RunStats | undefined;
  for (let t = 0; t < plan.tasks.length; t++) {
    const s = JSON.parse(await readFile(taskStatsPath(run, t), 'utf8')) as TaskStats;
    perTask?.push(s.written);
    if (s.zstd !== undefined) zstd?.push(s.zstd);
    stats = stats === undefined ? s : mergeRunStats(stats, s);
  }
  if (stats === undefined) throw new Error('merge: a run without tasks');
  // A one-task run's stats are that task's, which carry made per file only (madeOf): the run's say it too.
  if (stats.made === undefined && madeOf(stats) > 0) stats.made = madeOf(stats);
  for (const ph of plan.phases) {
    if (ph.kind !== 'step') continue;
    const st = stats.stages[plan.globals[ph.global!]];
    for (let u = 0; u < ph.units; u++) {
      const facts = await doneFacts(run, ph.id, u);
      for (const k of STEP_COUNTERS) if (typeof facts[k] === 'number') st.counters[k] = (st.counters[k] ?? 0) + facts[k];
    }
  }
  return stats;
}

/** Rejects a task segment counted (its stats in `_work/stats/`), or undefined when its stats are gone. */
async function segmentRejectCount(run: string, t: number, k: number): Promise<number | undefined> {
  const text = await readFile(segmentStatsPath(run, t, k), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const s = JSON.parse(text) as RunStats;
  let n = 0;
  for (const st of [s.input, ...s.stages]) for (const k2 of Object.values(st.dropped)) n += k2;
  return n;
}

/**
 * The rejects of every task in task order, then segment order (segments hold different stages).
 * A segment that counted rejects must have its file: when it is gone (a second merge after the
 * first removed `_work/`, a merge beside another one), the merge fails naming the missing files
 * rather than write a rejects file without them.
 */
async function segmentRejects(run: string, plan: Plan): Promise<{ path: string; t: number; k: number }[]> {
  const out: { path: string; t: number; k: number }[] = [];
  const missing: string[] = [];
  for (let t = 0; t < plan.tasks.length; t++) {
    for (let k = 0; k < plan.segments.length; k++) {
      const p = segmentRejectsPath(run, t, k, plan.settings.rejectsCompression);
      if (existsSync(p)) out.push({ path: p, t, k });
      else {
        const n = await segmentRejectCount(run, t, k);
        if (n === undefined) missing.push(`${relative(run, segmentStatsPath(run, t, k))} (task ${t}'s stats)`);
        else if (n > 0) missing.push(`${relative(run, p)} (task ${t}, ${n} rejects)`);
      }
    }
  }
  if (missing.length > 0) {
    throw new Error(`merge: the rejects of ${missing.length} task segments are missing in '${showPath(run)}': ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}; the merged rejects would lack them, so nothing was written (rerun the run with --overwrite to redo it)`);
  }
  return out;
}

/**
 * Join the tasks' rejects into the run's rejects file. Files compressed alike are joined as
 * they are (gzip members and zstd frames follow one another in one valid file), so a large run's
 * rejects are compressed once, by the workers. With `rejectsSample`, each task kept the first N
 * of each `stage/reason`; here the first N of each by task order are kept, so the file is the
 * same for any number of workers. Returns the rejects written per `stage/reason` when sampled.
 */
async function joinRejects(run: string, plan: Plan, sums: ReadonlyMap<string, SegmentSum>): Promise<{ kept?: Record<string, number>; index?: RejectsIndex; sampleLines?: string[] }> {
  const c = plan.settings.rejectsCompression;
  const final = rejectsPath(run, c);
  const segments = await segmentRejects(run, plan);
  const parts = segments.map((x) => x.path);
  const n = plan.settings.rejectsSample;
  if (n === undefined) {
    const tmp = join(run, `.${basename(final)}.tmp-${process.pid}`);
    // A full disk names the rejects file and leaves no temporary (hostile review 6 F6).
    let sizes: number[];
    // Each part as its seal lists it, checked as it was copied, before the file is published.
    const check = (i: number, size: number, crc: number): void => {
      const want = sums.get(parts[i]);
      const why = want === undefined ? undefined : sealMismatch(want, size, crc);
      if (why !== undefined) throw new WorkDamage(parts[i], why, { task: want!.t }, want!.seal);
    };
    try {
      sizes = await appendFiles(parts, tmp, final, check);
      await rename(tmp, final).catch((e: unknown) => {
        throw namedOutputError(final, e);
      });
    } catch (e) {
      await rm(tmp, { force: true });
      throw e instanceof WorkDamage && 'task' in e.writer ? await segmentDamaged(run, plan, e.writer.task, e) : e;
    }
    return rejectsIndex(run, basename(final), segments, sizes);
  }
  const kept: Record<string, number> = {};
  const w = new ShardedWriter({ output: final, gzipLevel: REJECTS_GZIP_LEVEL, zstdLevel: REJECTS_ZSTD_LEVEL }, false);
  try {
    for (const p of parts) {
      let text = '';
      let lines = 0;
      for await (const line of decodedLines(p)) {
        let key: string;
        try {
          const r = JSON.parse(line) as { stage?: unknown; reason?: unknown };
          key = `${String(r.stage)}/${String(r.reason)}`;
        } catch {
          continue;
        }
        if ((kept[key] ?? 0) >= n) continue;
        kept[key] = (kept[key] ?? 0) + 1;
        text += line + '\n';
        lines++;
      }
      if (lines > 0) await w.write(text, lines);
    }
    await w.close();
  } catch (e) {
    await w.abort().catch(() => {});
    throw e;
  }
  return { kept };
}

/**
 * Where each reason is in the joined rejects file, from each segment's per-file stats (the
 * `stage/reason` of every reject it wrote): `corpus-clean report` then reads only the parts its
 * samples come from (a run over one large file read most of its rejects, in one thread after all
 * the workers). Undefined when a segment's stats are gone (the report reads the whole file).
 * With it, the sample candidates of every segment joined (see samples.ts): the report `run`
 * writes reads those and not the file; undefined when a segment has none (made by an older
 * version before a resume).
 */
async function rejectsIndex(run: string, file: string, segments: readonly { t: number; k: number }[], sizes: readonly number[]): Promise<{ index?: RejectsIndex; sampleLines?: string[] }> {
  const reasons: RejectsIndex['reasons'] = {};
  const entries: SampleEntry[][] = [];
  for (const [i, { t, k }] of segments.entries()) {
    const text = await readFile(segmentStatsPath(run, t, k), 'utf8').catch(() => undefined);
    if (text === undefined) return {};
    const seg = JSON.parse(text) as SegmentStats;
    if (Array.isArray(seg.sample_lines)) entries.push(seg.sample_lines);
    const keys = new Set<string>();
    for (const f of Object.values(seg.perFile ?? {})) for (const [key, m] of Object.entries(f.reasons)) if (m > 0) keys.add(key);
    for (const key of keys) {
      const e = (reasons[key] ??= { first: [], parts: 0 });
      if (e.first.length < REJECTS_INDEX_PARTS) e.first.push(i);
      e.parts++;
    }
  }
  const index = { file, bytes: sizes.reduce((a, b) => a + b, 0), parts: [...sizes], reasons };
  if (entries.length < segments.length) return { index };
  // Only the report's speed depends on them: a file that cannot be read leaves it to read the rejects.
  const sampleLines = await readSampleLines(segments.map(({ t, k }) => segmentSamplesPath(run, t, k)), entries).catch(() => undefined);
  return { index, ...(sampleLines !== undefined ? { sampleLines } : {}) };
}

// Made at first use (no work at module load: the bundle's chunks are loaded by every command).
let fdCalls: { write: (fd: number, b: Buffer, off: number, len: number) => Promise<{ bytesWritten: number }>; close: (fd: number) => Promise<void> } | undefined;
const fdWrite = (f: number, b: Buffer, off: number, len: number): Promise<{ bytesWritten: number }> => (fdCalls ??= { write: promisify(write) as never, close: promisify(close) }).write(f, b, off, len);
const fdClose = (f: number): Promise<void> => (fdCalls ??= { write: promisify(write) as never, close: promisify(close) }).close(f);

/** The buffer `appendFiles` copies through: 64 KiB stream chunks cost 4-5 times the CPU and time. */
const COPY_CHUNK = 4 << 20;

/**
 * Write `parts` one after the other into a new file `out`; returns each part's size. One
 * buffer, read and written in large blocks: the merge joins the whole rejects of a run (about
 * half the input's size for a web crawl's sample recipe) after every worker is done, alone on
 * the machine's cores. `check` is given each part's index, size and CRC-32, taken as it was
 * copied, once it is (it throws to stop).
 */
export async function appendFiles(parts: readonly string[], out: string, name = out, check?: (i: number, size: number, crc: number) => void): Promise<number[]> {
  const sizes: number[] = [];
  // Opened synchronously: an open left in the thread pool when a signal's exit swept the temporaries
  // made the file after the sweep, and the process waits for it at exit (interrupt23).
  let fd: number;
  try {
    fd = openSync(out, 'w');
  } catch (e) {
    throw namedOutputError(name, e);
  }
  let closed = false;
  const o = {
    write: (b: Buffer, off: number, len: number) => fdWrite(fd, b, off, len),
    close: async () => {
      if (closed) return;
      closed = true;
      await fdClose(fd);
    },
  };
  try {
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    for (const [i, p] of parts.entries()) {
      const h = await open(p, 'r');
      let size = 0;
      let crc = 0;
      try {
        for (;;) {
          const { bytesRead } = await h.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          if (check !== undefined) crc = crc32(buf.subarray(0, bytesRead), crc);
          for (let off = 0; off < bytesRead; ) {
            try {
              off += (await o.write(buf, off, bytesRead - off)).bytesWritten;
            } catch (e) {
              throw namedOutputError(name, e);
            }
          }
          size += bytesRead;
        }
      } finally {
        await h.close();
      }
      check?.(i, size, crc);
      sizes.push(size);
    }
  } finally {
    await o.close().catch((e: unknown) => {
      throw namedOutputError(name, e);
    });
  }
  return sizes;
}

/** The lines of a (possibly compressed) file. */
async function* decodedLines(path: string): AsyncGenerator<string> {
  let rest = '';
  const dec = new TextDecoder();
  for await (const chunk of openDecoded(path)) {
    const parts = (rest + dec.decode(chunk, { stream: true })).split('\n');
    rest = parts.pop()!;
    for (const l of parts) if (l !== '') yield l;
  }
  rest += dec.decode();
  if (rest !== '') yield rest;
}

/**
 * Merge a run whose units are all done; returns the exit code. `started` is when the run began
 * (for the rate in the accounting line).
 */
export async function mergeRun(run: string, plan: Plan, opts: { started: number; executor: Record<string, unknown>; samples?: { lines?: string[] }; say?: Say }): Promise<number> {
  const say = opts.say ?? toStderr;
  // A finished run is merged already (its `_work/` is gone): a second merge, by hand or a
  // requeued Slurm merge job, changes nothing and ends as the first one did.
  // A run that failed is merged already too (its marker is `_FAILED`).
  const marker = existsSync(successPath(run)) ? successPath(run) : failedPath(run);
  const finished = await readFile(marker, 'utf8').catch(() => undefined);
  if (finished !== undefined) {
    const left = await finishLeftovers(run, 'merge', say);
    say(`corpus-clean merge: '${showPath(run)}' is a finished run (${basename(marker)}): merged already, ${left.length > 0 ? `only ${left.join(' and ')}` : 'nothing changed'}; its accounting is in ${showPath(join(run, '_stats.json'))}`);
    return successCode(finished);
  }
  const missing = missingUnits(run, plan);
  if (missing.length > 0) throw new Error(`merge: ${missing.length} units are not done, e.g. ${missing[0]}`);
  const sums = await checkSegments(run, plan, plan.settings.rejectsSample === undefined);
  // The two read different files: the tasks' stats parsed while the rejects are copied (the merge runs alone after the workers).
  const perTask: number[] = [];
  const taskCodecs: ZstdCodecRecord[][] = [];
  const [a, b] = await Promise.allSettled([mergedStats(run, plan, perTask, taskCodecs), joinRejects(run, plan, sums)]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  const [stats, { kept: sampled, index, sampleLines }] = [a.value, b.value];
  stats.ms = Date.now() - opts.started;
  // The report's sample candidates (the merge writes the report with them; also handed back to the caller).
  if (opts.samples !== undefined) opts.samples.lines = sampleLines;
  const rejects = rejectsPath(run, plan.settings.rejectsCompression);
  // Rejects left out by the sample: every reject is counted in the stats, so what the file lacks is the difference.
  const leftOut: Record<string, number> = {};
  if (sampled !== undefined) {
    for (const st of [stats.input, ...stats.stages]) {
      for (const [r, k] of Object.entries(st.dropped)) {
        const key = `${st.stage}/${r}`;
        const gone = k - (sampled[key] ?? 0);
        if (gone > 0) leftOut[key] = (leftOut[key] ?? 0) + gone;
      }
    }
  }
  const shards = (await readdir(run)).filter((f) => f.startsWith('part-')).sort().map((f) => join(run, f));
  const code = await finishRun({
    say,
    ...(plan.settings.limit !== undefined ? { limit: { n: plan.settings.limit, reached: plan.limitReached === true } } : {}),
    command: 'run',
    stats,
    ownStages: plan.stages.some((st) => st.module !== undefined),
    inputs: plan.inputs,
    ...(plan.roots !== undefined ? { roots: plan.roots } : {}),
    skipped: plan.skipped ?? [],
    unfinished: plan.unfinished ?? [],
    ...(plan.expectedRecords !== undefined ? { expectedRecords: plan.expectedRecords } : {}),
    output: run.endsWith('/') ? run : run + '/',
    shards,
    rejectsPath: rejects,
    statsPath: join(run, '_stats.json'),
    maxRejectRate: plan.settings.maxRejectRate,
    textField: plan.settings.textField,
    wrapArrays: plan.settings.wrapArrays,
    allowEmpty: plan.settings.allowEmpty,
    extra: {
      tasks: plan.tasks.length,
      executor: opts.executor,
      rejects_attrs: plan.settings.rejectAttrs ?? 'all',
      ...(sampled !== undefined ? { rejects_sample_per_reason: plan.settings.rejectsSample, rejects_left_out: leftOut } : {}),
      ...(index !== undefined ? { rejects_index: index } : {}),
      ...zstdField([...taskCodecs, zstdWrittenWith()]),
    },
  });
  // The report before `_SUCCESS`: a run killed between them is not finished, and its rerun merges again.
  await report(run, 'run', sampleLines, say, code);
  // The exit code is kept, so that a second merge of the finished run ends the same way; the
  // command, records and shard names as every folder output's manifest (readers check the list).
  await writeManifest(successPath(run), { exit_code: code, command: 'run', records: stats.written, shards, ...(await shardCounts(run, plan, shards, perTask)), ...(plan.settings.limit !== undefined && plan.limitReached === true ? { limit: plan.settings.limit } : {}), unfinished: plan.unfinished });
  await rm(workDir(run), { recursive: true, force: true });
  return code;
}

/**
 * The records of each shard: as the last segment of each task counted them (its stats); for a
 * task whose stats lack them (a segment written by an older version), its `written` when it
 * wrote one shard. Left out when any shard's count is unknown.
 */
async function shardCounts(run: string, plan: Plan, shards: readonly string[], perTask: readonly number[]): Promise<{ shardRecords?: number[] }> {
  const last = plan.segments.length - 1;
  const counted = new Map<string, number>();
  for (let t = 0; t < plan.tasks.length; t++) {
    const text = await readFile(segmentStatsPath(run, t, last), 'utf8').catch(() => undefined);
    const seg = text === undefined ? undefined : (JSON.parse(text) as SegmentStats);
    for (const [n, c] of Object.entries(seg?.shard_records ?? {})) counted.set(n, c);
  }
  const byTask = new Map<number, number>();
  for (const f of shards) {
    const t = Number(/^part-(\d+)-\d+\./.exec(basename(f))?.[1]);
    if (Number.isInteger(t)) byTask.set(t, (byTask.get(t) ?? 0) + 1);
  }
  const counts: number[] = [];
  for (const f of shards) {
    const n = basename(f);
    const t = Number(/^part-(\d+)-\d+\./.exec(n)?.[1]);
    const c = counted.get(n) ?? (byTask.get(t) === 1 ? perTask[t] : undefined);
    if (c === undefined) return {};
    counts.push(c);
  }
  return { shardRecords: counts };
}

/**
 * The exit code a finished run's `_SUCCESS` holds; 1 when it is not the manifest a run writes
 * (empty, garbage, a string exit code: nothing says the run succeeded).
 */
export function successCode(text: string): number {
  const r = parseMarker(text);
  return r.kind === 'manifest' ? r.m.exit_code : 1;
}

/** Write a run's report; one that fails is a warning (it must not lose the run's exit code). */
async function report(run: string, command: string, sampleLines?: readonly string[], say: Say = toStderr, code?: number): Promise<boolean> {
  try {
    await writeReport(run, undefined, sampleLines, undefined, code);
    return true;
  } catch (e) {
    say(`corpus-clean ${command}: warning: no report: ${errorText(e)}`);
    return false;
  }
}

/** What a finished run still lacks: its report, or the removal of `_work/` (a kill after `_SUCCESS`). */
export function leftovers(run: string): string[] {
  const out: string[] = [];
  if (!existsSync(join(run, REPORT_FILE))) out.push(`no ${REPORT_FILE}`);
  if (existsSync(workDir(run))) out.push('_work/ left');
  return out;
}

/**
 * Do the last steps of a finished run that a kill cut short (or whose report failed): write the
 * missing report, remove `_work/`. Returns what was done, for a message.
 */
export async function finishLeftovers(run: string, command: string, say: Say = toStderr): Promise<string[]> {
  const done: string[] = [];
  if (!existsSync(join(run, REPORT_FILE)) && (await report(run, command, undefined, say))) done.push(`wrote its missing ${REPORT_FILE}`);
  if (existsSync(workDir(run))) {
    await rm(workDir(run), { recursive: true, force: true });
    done.push('removed the _work/ left behind');
  }
  return done;
}
