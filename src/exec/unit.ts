/**
 * Run one unit of a plan: a task of a segment (`pipeline()` over the task's input or spill,
 * writing a spill or the final shards, its rejects and stats), or one unit of a global step.
 * Every unit ends by writing its completion marker; one that has it is skipped by executors.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DocSink, DocSource } from '../core/pipeline.js';
import { pipeline } from '../core/pipeline.js';
import { addCount } from '../core/own.js';
import type { GlobalScope } from '../core/global.js';
import type { StageFactory, StageRegistry } from '../core/registry.js';
import { filesReadBy, ownFactory, ownStageWhere } from '../core/registry.js';
import { pathToFileURL } from 'node:url';
import type { Stage } from '../core/stage.js';
import type { RunStats, StageStats } from '../core/stats.js';
import { readFiles } from '../io/readers/index.js';
import { limitRecords } from '../io/readers/limit.js';
import { ownTextFields } from '../io/readers/ownTextField.js';
import { parseTextField } from '../core/doc.js';
import { readJsonl } from '../io/readers/jsonl.js';
import { readParquet } from '../io/readers/parquet.js';
import { htmlFieldFor, readSettings } from '../io/readers/options.js';
import { JsonlWriter } from '../io/writers/jsonl.js';
import { ParquetShardWriter, type ParquetCompression } from '../io/writers/parquet.js';
import { parquetSchemaStage, SchemaHolder } from '../io/writers/parquetSchema.js';
import type { OutputCompression } from '../io/writers/sharded.js';
import { RejectsWriter } from '../io/writers/rejects.js';
import { SampledRejects } from '../core/rejectSink.js';
import { optionThresholds } from '../core/profile.js';
import { minHashConfig } from '../stages/dedup/options.js';
import { donePath, globalDir, segmentRejectsPath, segmentSamplesPath, segmentSealPath, segmentStatsPath, shardPrefix, spillPath, taskStatsPath } from './layout.js';
import { isDone, markDone, writeAtomic } from './markers.js';
import { zstdRecords, zstdWrittenWith, type ZstdCodecRecord } from '../io/zstdRecord.js';
import { haltAtomicWrites } from '../io/writers/atomic.js';
import { taskFiles, type Plan, type TaskSpec } from './plan.js';
import { removeSpill, SpillDamage, SpillWriter, spillSource } from './spill.js';
import { checkAt, sealAt, sealPath, WorkDamage, type SealEntry, type WorkWriter } from '../core/workSeal.js';
import { SampleLinesSink, type SampleEntry } from './samples.js';
import { fsPath, showPath } from '../core/fsname.js';
import { debugWanted, errorCode, UsageError } from '../core/errors.js';
import { makeDirSync } from '../io/dirs.js';
import { redoneFailure } from './redo.js';
import { errorText, showText } from '../core/show.js';
import { importMax, MODULE_MAX } from '../io/sideFile.js';
import { fileSha256 } from '../io/fileHash.js';

/**
 * Register the recipe's stages of your own (`- module: ./my-stage.js`, kept in the plan as an
 * absolute path) in `registry`: a worker thread, a child process or a Slurm task starts with
 * the built-in stages only.
 */
export async function registerModules(plan: Plan, registry: StageRegistry): Promise<void> {
  for (const s of plan.stages) {
    if (s.module === undefined || registry.has(s.stage)) continue;
    // Read as a file first: a device or a huge file put in its place is refused before the import
    // reads it (F9d). Its content is the plan's, before and after the import, so that the code this
    // process runs is the code the plan holds (hostile review 23b M1: a module edited while a run
    // started was imported by the tasks, while the plan kept the old one's SHA-256).
    const what = `the module of stage ${showText(s.stage)} '${showPath(s.module)}'`;
    const digest = (): string => {
      try {
        return fileSha256(s.module!, MODULE_MAX);
      } catch (e) {
        throw new Error(`cannot load ${what}: ${errorText(e)}`);
      }
    };
    const planned = plan.sideFiles?.find((x) => x.path === s.module && x.what.startsWith('the module of stage '))?.sha256;
    const moved = (): Error => new Error(`${what} is not the one the run was planned with (its content changed since the run began): its units cannot run the new code beside the old; put the module back as it was, or run the run's command again with --overwrite`);
    // So are the files it imports that the plan holds (cli/commands/run.ts names them so): checked
    // as read, a device put in one's place is refused before the import reads it (new-user review
    // 24 N9), and one edited since the plan fails the unit (N10, hostile review 24 H1: a worker
    // imported a helper edited while the run worked, rc 0 with both codes' decisions).
    const imports = (plan.sideFiles ?? []).filter((x) => x.what === `a file the module of stage ${s.stage} imports`);
    const check = (): void => {
      if (planned !== undefined && digest() !== planned) throw moved();
      for (const f of imports) {
        let now: string;
        try {
          now = fileSha256(f.path, importMax(f.path));
        } catch (e) {
          throw new Error(`cannot load ${what}: a file it imports, '${showPath(f.path)}': ${errorText(e)}`);
        }
        if (now !== f.sha256) throw new Error(`${what} imports '${showPath(f.path)}', which is not the file the run was planned with (its content changed since the run began): its units cannot run the new code beside the old; put the file back as it was, or run the run's command again with --overwrite`);
      }
    };
    check();
    const mod = (await import(pathToFileURL(s.module).href)) as Record<string, unknown>;
    check();
    const factory = [mod.default, ...Object.values(mod)].find((x): x is StageFactory => typeof x === 'object' && x !== null && (x as StageFactory).name === s.stage && typeof (x as StageFactory).create === 'function');
    if (factory === undefined) throw new Error(`module ${s.module} no longer exports the stage '${showText(s.stage)}'`);
    // Named as loadStageModules names it, whichever worker runs the record it throws on.
    const uses = plan.stages.flatMap((x, i) => (x.stage === s.stage && x.module === s.module ? [i] : []));
    registry.register(ownFactory(factory, ownStageWhere(s.module, uses)));
  }
}

/**
 * Build the recipe's stages for a plan (each worker does this once); with `phaseIndex`, only
 * those that phase uses (a dedup step does not load the language model).
 */
export async function buildStages(plan: Plan, registry: StageRegistry, phaseIndex?: number): Promise<Stage[]> {
  await registerModules(plan, registry);
  const wanted = new Set<number>(plan.stages.map((_, i) => i));
  if (phaseIndex !== undefined) {
    wanted.clear();
    const ph = plan.phases[phaseIndex];
    if (ph.kind === 'step') wanted.add(plan.globals[ph.global!]);
    else {
      const k = ph.segment!;
      for (const i of plan.segments[k]) wanted.add(i);
      if (k > 0) wanted.add(plan.globals[k - 1]);
      if (k < plan.globals.length) wanted.add(plan.globals[k]);
    }
  }
  const out: Stage[] = new Array(plan.stages.length);
  for (const i of wanted) {
    const s = plan.stages[i];
    try {
      out[i] = await registry.create(s.stage, s.options);
    } catch (e) {
      throw s.module !== undefined && !(e instanceof UsageError) ? createThrew(s.stage, s.module, i, e) : e;
    }
    checkStageReads(plan, out[i]);
  }
  return out;
}

/**
 * Fail when a file `stage` read as it was built (a url-filter list, quality rules: core/registry.ts
 * `filesReadBy`) is not the file the plan holds: edited while the run worked, a worker built after
 * it would apply the new content to its units beside units of the old (hostile review 24 H1: rc 0,
 * _SUCCESS, 429 records of a blocked domain written). Read again after the stage read it: an edit
 * between the two reads and back is not seen.
 */
function checkStageReads(plan: Plan, stage: Stage): void {
  for (const r of filesReadBy(stage)) {
    const was = plan.sideFiles?.find((x) => x.path === r.path && x.what === r.what);
    if (was === undefined) continue;
    let now: string | undefined;
    try {
      now = fileSha256(fsPath(r.path));
    } catch {
      now = undefined;
    }
    if (now !== was.sha256) throw new Error(`${r.what} '${showPath(r.path)}' is not the file the run was planned with (its content changed since the run began, or it is gone): its units cannot use the new content beside the old; put the file back as it was, or run the run's command again with --overwrite`);
  }
}

/**
 * The failure of a stage of one's own whose `create` threw (it cannot open its model, a bad
 * option combination): named as a throw on a record is, with its module and `stages[i]`, and said
 * to have happened while it was built; its stack only with CORPUS_CLEAN_DEBUG=1, a TypeError's
 * too (new-user review 23b C4: 'error: cannot open my model file' named no stage; a TypeError
 * came as a corpus-clean bug, with the bundle's stack). A usage error: nothing was read.
 */
export function createThrew(stage: string, module: string, index: number, e: unknown): UsageError {
  const what = e instanceof Error ? `${e.name}: ${errorText(e)}` : errorText(e);
  const u = new UsageError(`stage ${stage} (${ownStageWhere(module, [index])}) threw while it was being built (its create), before any record was read: ${what}${debugWanted() ? '' : ' (CORPUS_CLEAN_DEBUG=1 shows its stack)'}`);
  if (e instanceof Error && typeof e.stack === 'string') u.stack = `${u.name}: ${u.message}\n${e.stack}`;
  return u;
}

/** The records of a task's input: a whole file, a pack of whole files in order, a byte range read raw and split on lines, or row groups. */
export function taskSource(plan: Plan, t: TaskSpec): DocSource {
  // The last task of a run cut by --limit reads only its share of the first N records.
  return t.limit === undefined ? ownFieldSource(plan, t) : limitRecords(ownFieldSource(plan, t), t.limit);
}

/** Inputs written with different text fields (dedup-disk): each record read with its own run's list (io/readers/ownTextField.ts). */
function ownFieldSource(plan: Plan, t: TaskSpec): DocSource {
  const s = plan.settings;
  if (s.ownTextFields === undefined || s.textField === undefined) return wholeTaskSource(plan, t);
  return ownTextFields(wholeTaskSource(plan, t), new Map(s.ownTextFields.map(([f, l]) => [f, parseTextField(l)!])), s.textField);
}

function wholeTaskSource(plan: Plan, t: TaskSpec): DocSource {
  const s = plan.settings;
  const first = plan.stages[0];
  const htmlField = htmlFieldFor(first === undefined ? undefined : { name: first.stage, options: first.options });
  const options = { format: s.format, txtMode: s.txtMode, wrapArrays: s.wrapArrays, htmlField };
  const groups = t.rowGroups;
  if (groups !== undefined) {
    return {
      async *read(events) {
        events.file(t.file);
        yield* readParquet(t.file, events, readSettings(options), undefined, groups);
      },
    };
  }
  if (t.start === undefined) return readFiles(taskFiles(t), options);
  return {
    async *read(events) {
      // Every range names its file, so that per-file accounting counts its records; the run
      // counts the file once (see composeTaskStats).
      events.file(t.file);
      const chunks = createReadStream(fsPath(t.file), { start: t.start, end: t.end! - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
      yield* readJsonl(t.file, events, readSettings(options), chunks, t.linesBefore ?? 0);
    },
  };
}

const indexes = new WeakMap<Plan, Map<string, number>>();
/** Each input's index in `plan.inputs` (a pack of 50,000 files looked each up with indexOf: quadratic). */
function inputIndex(plan: Plan): Map<string, number> {
  let m = indexes.get(plan);
  if (m === undefined) indexes.set(plan, (m = new Map(plan.inputs.map((f, i) => [f, i]))));
  return m;
}

/**
 * Fail the task when its input is not the file the run planned: another size or modification
 * time than `_plan.json` holds (truncated, appended to or rewritten since). Checked before and
 * after the task reads it, so records of a file that shrank mid-run are never silently missing.
 */
async function checkInput(plan: Plan, t: TaskSpec): Promise<void> {
  const at = inputIndex(plan);
  for (const file of taskFiles(t)) {
    const i = at.get(file);
    const was = i === undefined ? undefined : plan.inputFacts?.[i];
    if (was === undefined || file === '-') continue;
    const st = await stat(fsPath(file), { bigint: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    });
    // Gone: its finished tasks read it, and a rerun cannot resume with it put back either (its
    // time of change is another then): --overwrite (new-user review 21 N10: 'run the same command
    // again to resume' was said, and the rerun then refused the changed inputs).
    if (st === null) throw Object.assign(new Error(`input '${showPath(file)}' is no longer there (ENOENT: removed or moved after the run was planned); the run cannot go on or be resumed without it: run again with --overwrite once the inputs are complete`), { code: 'ERR_INPUT_CHANGED' });
    const size = Number(st.size);
    if (size === was.size && String(st.mtimeNs) === was.mtimeNs) continue;
    const what = size !== was.size ? `${was.size} bytes when planned, ${size} now` : `modified ${new Date(Number(st.mtimeNs / 1_000_000n)).toISOString()}, after the run was planned`;
    // A code: told as its one line (failureText), not as a bug with its stack.
    throw Object.assign(new Error(`input '${showPath(file)}' changed while the run used it (${what}); its records cannot all be accounted for: run again with --overwrite once it is complete`), { code: 'ERR_INPUT_CHANGED' });
  }
}

/** A global stage's scope: its own folder under `_work/global/`, made here (the stages expect it). */
const scopeOf = (run: string, plan: Plan, g: number): GlobalScope => {
  const workDir = globalDir(run, g);
  makeDirSync(workDir, 'work folder');
  return { workDir, tasks: plan.tasks.length };
};

/** What a task segment writes to `_work/stats/`: its stats, and the report's sample candidates among its rejects (when unsampled; their lines in `_work/samples/`). */
export type SegmentStats = RunStats & {
  sample_lines?: SampleEntry[];
  /** The last segment: the records of each shard it wrote, by name (for the run's _SUCCESS). */
  shard_records?: Record<string, number>;
  /** The zstd codec its process wrote .zst with (shards, rejects, Parquet pages), when it wrote any: the merge lists it in _stats.json. */
  zstd?: ZstdCodecRecord;
};

/** A task's stats across its segments, with the zstd codecs they wrote with (each once). */
export type TaskStats = RunStats & { zstd?: ZstdCodecRecord[] };

/** Called with the live stats of a task while it runs. */
export type UnitProgress = (s: Readonly<RunStats>) => void;

/** Run unit `unit` of phase `phaseIndex`, then mark it done. */
export async function runUnit(run: string, plan: Plan, stages: readonly Stage[], phaseIndex: number, unit: number, onProgress?: UnitProgress): Promise<void> {
  const phase = plan.phases[phaseIndex];
  if (unitsStopped) throw new Error('stopped: the process is being stopped by a signal');
  // A fault for tests of failure handling, on any executor: CORPUS_CLEAN_FAIL_UNIT=<phase id>/<unit>.
  if (process.env.CORPUS_CLEAN_FAIL_UNIT === `${phase.id}/${unit}`) throw new Error(`failing on purpose (CORPUS_CLEAN_FAIL_UNIT=${phase.id}/${unit})`);
  if (phase.kind === 'step') {
    const g = phase.global!;
    const step = stages[plan.globals[g]].global!.steps(plan.tasks.length)[phase.step!];
    let facts: Record<string, number>;
    try {
      facts = await step.run(scopeOf(run, plan, g), unit);
    } catch (e) {
      if (e instanceof WorkDamage) throw await redoWorkWriter(run, plan, g, e);
      throw e;
    }
    await markDone(run, phase.id, unit, facts);
    return;
  }
  const k = phase.segment!;
  const t = unit;
  const last = k === plan.segments.length - 1;
  const s = plan.settings;
  // The stats the task's earlier segments left (sealed, a few hundred bytes each): damage is found,
  // and the task redone, at its next segment rather than only once its last composes them, after
  // every other phase ran (new-user review 17 F7).
  try {
    for (let j = 0; j < k; j++) checkAt(segmentSealPath(run, t, j), run, { task: t }, (rel) => join(run, rel) === segmentStatsPath(run, t, j));
  } catch (e) {
    if (e instanceof WorkDamage) throw await redoTask(run, plan, t, e);
    throw e;
  }
  const own: Stage[] = [];
  if (k > 0) own.push(stages[plan.globals[k - 1]].global!.apply(scopeOf(run, plan, k - 1), t));
  for (const i of plan.segments[k]) own.push(stages[i]);
  if (!last) own.push(stages[plan.globals[k]].global!.collect(scopeOf(run, plan, k), t));

  let sink: DocSink;
  if (last) {
    // An earlier attempt of this task may have published some shards: start again from none.
    await removeTaskShards(run, t);
    const output = run.endsWith('/') ? run : run + '/';
    if (s.outputFormat === 'parquet') {
      // Parquet shards: each with the schema of this task's records (so the same for any number
      // of workers); the check stage before it rejects, by field, what Parquet cannot hold.
      const schema = new SchemaHolder();
      sink = await ParquetShardWriter.create({ output, prefix: shardPrefix(t), rowGroupSize: s.rowGroupSize, compression: s.compression as ParquetCompression, shardRecords: s.shardRecords, stripAttrs: s.stripAttrs, schema });
      own.push(parquetSchemaStage(schema, s.rowGroupSize ?? 10_000, s.stripAttrs));
    } else sink = await JsonlWriter.create({ output, prefix: shardPrefix(t), shardRecords: s.shardRecords, shardBytes: s.shardBytes, compression: s.compression as OutputCompression, stripAttrs: s.stripAttrs });
  } else if (plan.phases.some((ph) => ph.kind === 'tasks' && ph.segment === k + 1)) sink = new SpillWriter(spillPath(run, k, t));
  // A plan that stops at a barrier (dedup-disk: the signatures and decisions only) keeps no records.
  else sink = { write() {}, async close() {}, async abort() {} };
  // Compressed per task like the shards (the merge then joins them as they are); sampled per
  // task, the merge keeping the first of each reason by task order.
  // Its size and CRC-32 taken as it writes, for the segment's seal (see writeTask).
  const writer = new RejectsWriter({ output: segmentRejectsPath(run, t, k, s.rejectsCompression), sums: true });
  // Unsampled, the report's sample candidates are kept beside (see samples.ts): sampled, the
  // merge's choice decides what the file holds, and the report reads it.
  const candidates = s.rejectsSample === undefined ? new SampleLinesSink(writer) : undefined;
  const rejects = candidates ?? new SampledRejects(writer, s.rejectsSample!);
  // Until the task is marked done, a signal stopping the process aborts these writers and waits
  // for them (stopUnits), so that none of their files is still being made when the temporaries
  // are swept (review 12 N3). Not after: the shards of a task marked done are its result.
  const abortWriters = (): Promise<unknown> => Promise.allSettled([sink.abort(), writer.abort()]);
  running.add(abortWriters);
  try {
    await writeTask({ run, plan, stages, k, t, last, own, sink, writer, candidates, rejects, onProgress });
  } finally {
    running.delete(abortWriters);
  }
  await markDone(run, phase.id, t);
  if (k > 0) await removeSpill(spillPath(run, k - 1, t));
}

/** The writers of the task units running in this thread (see stopUnits). */
const running = new Set<() => Promise<unknown>>();
/** Set by stopUnits: no unit starts in this thread any more. */
let unitsStopped = false;

/**
 * A signal is stopping the process: abort the writers of the task units running in this thread,
 * and wait until they have removed their temporaries and have no open in flight (a file whose open
 * is in the thread pool is made even after the process's 'exit' listeners ran: review 12 N3 found
 * one shard temporary left in 50 group SIGINTs; an atomic write opens its temporary synchronously,
 * so none of those is in flight). No unit starts
 * here from then on. Called by a worker process's signal handler, and by `run`'s clean-up for the
 * units of its calling thread (exec/local.ts stopWorkers).
 */
export async function stopUnits(): Promise<void> {
  unitsStopped = true;
  haltAtomicWrites();
  const settled = Promise.allSettled([...running].map((abort) => abort()));
  // A writer that never settles (a stalled file system) must not keep a signalled process alive:
  // after STOP_WAIT_MS it exits all the same, and the rerun removes what is left (its PID is gone).
  await Promise.race([settled, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
}

/** The longest a signalled process waits for its units' writers (stopUnits). */
const STOP_WAIT_MS = 10_000;

/** Segment `k` of task `t` through its stages into its writers, its files published and sealed (runUnit). */
async function writeTask(u: { run: string; plan: Plan; stages: readonly Stage[]; k: number; t: number; last: boolean; own: Stage[]; sink: DocSink; writer: RejectsWriter; candidates: SampleLinesSink | undefined; rejects: SampleLinesSink | SampledRejects; onProgress: UnitProgress | undefined }): Promise<void> {
  const { run, plan, stages, k, t, last, own, sink, candidates, rejects, onProgress } = u;
  const s = plan.settings;
  if (unitsStopped) throw new Error('stopped: the process is being stopped by a signal');
  if (k === 0) await checkInput(plan, plan.tasks[t]);
  let stats: RunStats;
  try {
    stats = await pipeline({
      source: k === 0 ? taskSource(plan, plan.tasks[t]) : spillSource(spillPath(run, k - 1, t), { path: segmentSealPath(run, t, k - 1), base: run, writer: { task: t } }),
      stages: own,
      sink,
      rejects,
      rejectAttrs: s.rejectAttrs,
      textField: s.textField,
      requireText: k === 0 ? s.requireText : false,
      profile: s.profile,
      onProgress,
    });
  } catch (e) {
    // The writers were aborted; the shards they had published and the rejects go too (H3).
    await discardTaskFiles(run, plan, k, t, last).catch(() => {});
    // Its input gone between the check above and its open: said as the check says it.
    if (k === 0 && errorCode(e) === 'ENOENT') await checkInput(plan, plan.tasks[t]);
    if (e instanceof SpillDamage) throw await redoWriters(run, plan, k, t, e);
    // The apply step of the global stage before this segment found one of its files damaged.
    if (e instanceof WorkDamage) throw await redoWorkWriter(run, plan, k - 1, e);
    throw e;
  }
  // From here the task's files are published (rejects, shards, the spill of the next segment):
  // a failure before it is marked done (a full disk writing its samples or stats, its input
  // changed) removes them, so a failed task leaves none of its files behind to keep a full disk
  // full (hostile review 12 H3); the rerun writes them again, as it would have.
  try {
    if (k === 0) await checkInput(plan, plan.tasks[t]);
    const segment: SegmentStats = candidates !== undefined ? { ...stats, sample_lines: await candidates.write(segmentSamplesPath(run, t, k)) } : stats;
    // The records of each shard the last segment wrote: the merge lists them in _SUCCESS, where
    // readers compare them with its records total.
    if (last && (sink instanceof JsonlWriter || sink instanceof ParquetShardWriter)) {
      const counts = sink instanceof JsonlWriter ? sink.shardRecords : sink.writtenRows;
      if (counts.length === sink.shards.length) segment.shard_records = Object.fromEntries(sink.shards.map((f, i) => [basename(f), counts[i]]));
    }
    // Which zstd codec wrote this segment's .zst files: the bytes depend on it (new-user review 13 #4).
    const zstd = zstdWrittenWith();
    if (zstd !== undefined) segment.zstd = zstd;
    await writeAtomic(segmentStatsPath(run, t, k), JSON.stringify(segment) + '\n', true);
    if (last) {
      let composed: TaskStats;
      try {
        composed = await composeTaskStats(run, plan, stages, t);
      } catch (e) {
        if (e instanceof WorkDamage) throw await redoTask(run, plan, t, e);
        throw e;
      }
      await writeAtomic(taskStatsPath(run, t), JSON.stringify(composed, null, 1) + '\n', true);
    }
    // What the merge (and a later segment's stats) read of this segment, sealed: a damaged one is redone, not merged.
    // The rejects and the spill for the next segment are sealed with the size and CRC-32 taken as
    // they were written (not read again: the rejects are most of what a web crawl's run writes).
    const rejectsFile = segmentRejectsPath(run, t, k, s.rejectsCompression);
    const rejectsSum = u.writer.writtenSum();
    const left = [...(rejectsSum === undefined ? [rejectsFile] : []), segmentSamplesPath(run, t, k), segmentStatsPath(run, t, k), ...(last ? [taskStatsPath(run, t)] : [])];
    const known: [string, SealEntry][] = u.sink instanceof SpillWriter ? u.sink.sealEntries() : [];
    if (rejectsSum !== undefined) known.push([rejectsFile, rejectsSum]);
    sealAt(segmentSealPath(run, t, k), run, left.filter((f) => existsSync(f)), known);
  } catch (e) {
    await discardTaskFiles(run, plan, k, t, last).catch(() => {});
    throw e;
  }
}

/** Remove the shards task `t` published in the run folder (`part-TTTTT-*`). */
async function removeTaskShards(run: string, t: number): Promise<void> {
  const prefix = shardPrefix(t) + '-';
  for (const f of await readdir(run)) if (f.startsWith(prefix)) await rm(join(run, f), { force: true });
}

/**
 * The files segment `k` of task `t` published, removed after it failed before being marked done:
 * its rejects, report samples and stats, the spill the next segment would read, and (the last
 * segment) its shards and task stats. A global stage's collected files are left: sealed, and
 * written again by the rerun.
 */
async function discardTaskFiles(run: string, plan: Plan, k: number, t: number, last: boolean): Promise<void> {
  const s = plan.settings;
  for (const f of [segmentRejectsPath(run, t, k, s.rejectsCompression), segmentSamplesPath(run, t, k), segmentStatsPath(run, t, k), segmentSealPath(run, t, k)]) await rm(f, { force: true });
  if (last) {
    await rm(taskStatsPath(run, t), { force: true });
    await removeTaskShards(run, t);
  } else await removeSpill(spillPath(run, k, t));
}

/**
 * Segment `k` of task `t` found the spill it reads damaged: every rerun would fail the same way,
 * since the tasks that wrote it are marked done. Remove the spill and un-mark task `t` in the
 * task phases of every earlier segment (each removed the spill it read once done, so the task
 * starts again from its input); the global steps between them are kept (the task writes the
 * same files for them again). Returns the error to fail with, saying so.
 */
async function redoWriters(run: string, plan: Plan, k: number, t: number, e: SpillDamage): Promise<Error> {
  // The spill's seal gone (_work/seals removed): every other task whose seal is gone is redone too.
  const sealGone = !existsSync(segmentSealPath(run, t, k - 1));
  await removeSpill(spillPath(run, k - 1, t));
  const tasks = plan.phases.filter((ph) => ph.kind === 'tasks' && ph.segment! < k);
  const phases = tasks.map((ph) => ph.id);
  const also = sealGone ? sealsGoneToo(run, plan, t, tasks) : [];
  for (const u of [t, ...also]) for (const id of phases) await rm(donePath(run, id, u), { force: true });
  return redoneFailure(Object.assign(new Error(`${e.message}; it was removed and task ${t}${tooSaid(also)} of phase${phases.length > 1 ? 's' : ''} ${phases.join(', ')} un-marked, so that the run redoes it`), { code: e.code }), e.path);
}

/**
 * The done tasks other than `t` whose segment seal of one of the task phases `tasks` is gone. A
 * seal gone is seldom alone (_work/seals removed): they are un-marked in the same pass as `t`, not
 * one failing rerun each (hostile review 16 F6).
 */
function sealsGoneToo(run: string, plan: Plan, t: number, tasks: readonly Plan['phases'][number][]): number[] {
  return plan.tasks.map((_, u) => u).filter((u) => u !== t && tasks.some((ph) => isDone(run, ph.id, u) && !existsSync(segmentSealPath(run, u, ph.segment!))));
}

/** ' (and task 3, whose seal is gone too)' for the tasks `sealsGoneToo` found, '' for none. */
function tooSaid(also: readonly number[]): string {
  return also.length === 0 ? '' : ` (and ${also.length === 1 ? `task ${also[0]}, whose seal is` : `${also.length} more tasks, whose seals are`} gone too)`;
}

/**
 * A file task `t` left for the merge (or for its last segment) is damaged: remove it and its
 * seal and un-mark the task in every task phase, so that the run does it again from its input
 * (writing the same files). Returns the error to fail with, saying so.
 */
export async function redoTask(run: string, plan: Plan, t: number, e: WorkDamage): Promise<Error> {
  // Its seal gone, in a run sealed from its start (checkAt found it so): damage, as is every other one gone.
  const sealGone = e.path === e.seal && !existsSync(e.path);
  await rm(e.path, { force: true });
  if (e.seal !== undefined) await rm(e.seal, { force: true });
  const tasks = plan.phases.filter((ph) => ph.kind === 'tasks');
  const phases = tasks.map((ph) => ph.id);
  const also = sealGone ? sealsGoneToo(run, plan, t, tasks) : [];
  for (const u of [t, ...also]) for (const id of phases) await rm(donePath(run, id, u), { force: true });
  return redoneFailure(Object.assign(new Error(`${e.message}; it was removed and task ${t}${tooSaid(also)} of phase${phases.length > 1 ? 's' : ''} ${phases.join(', ')} un-marked, so that the run redoes it`), { code: e.code }), e.path);
}

/**
 * A file of global stage `g`'s work folder is damaged (see core/workSeal.ts): every rerun would
 * fail the same way, since the unit that wrote it is marked done. Remove it (and its seal) and
 * un-mark its writer: a task's collect runs in the task phase of segment `g`, and each earlier
 * segment removed the spill it read, so the task is un-marked in all of them (it starts again
 * from its input and writes the same files); a step's unit is un-marked in that step's phase.
 * Returns the error to fail with, saying so.
 */
export async function redoWorkWriter(run: string, plan: Plan, g: number, e: WorkDamage): Promise<Error> {
  // Its seal gone, in a run sealed from its start (sealEntriesAt found it so): seldom alone.
  const sealGone = e.path === e.seal && !existsSync(e.path);
  await rm(e.path, { force: true });
  if (e.seal !== undefined) await rm(e.seal, { force: true });
  const taskPhases = plan.phases.filter((ph) => ph.kind === 'tasks' && ph.segment! <= g).map((ph) => ph.id);
  const ofTasks = `phase${taskPhases.length > 1 ? 's' : ''} ${taskPhases.join(', ')}`;
  const own = (w: WorkWriter): string => `${'task' in w ? 'task' : 'step'}:${'task' in w ? w.task : `${w.step}:${w.unit}`}`;
  const also = sealGone ? globalSealsGoneToo(run, plan, g).filter((w) => own(w) !== own(e.writer)) : [];
  const stepPhase = (w: { step: number }): Plan['phases'][number] => plan.phases.find((x) => x.kind === 'step' && x.global === g && x.step === w.step)!;
  for (const w of [e.writer, ...also]) {
    if ('task' in w) for (const id of taskPhases) await rm(donePath(run, id, w.task), { force: true });
    else await rm(donePath(run, stepPhase(w).id, w.unit), { force: true });
  }
  const w = e.writer;
  const what = 'task' in w ? `task ${w.task} of ${ofTasks}` : `unit ${w.unit} of phase ${stepPhase(w).id}`;
  // What else was un-marked: the units of each step, then the tasks.
  const parts: string[] = [];
  for (const ph of plan.phases.filter((x) => x.kind === 'step' && x.global === g)) {
    const n = also.filter((x) => 'step' in x && x.step === ph.step).length;
    if (n > 0) parts.push(`${n} unit${n === 1 ? '' : 's'} of phase ${ph.id}`);
  }
  const tasks = also.filter((x) => 'task' in x).length;
  if (tasks > 0) parts.push(`${tasks} task${tasks === 1 ? '' : 's'} of ${ofTasks}`);
  const too = parts.length === 0 ? '' : ` (and, their seals gone too, ${parts.join(' and ')})`;
  return redoneFailure(Object.assign(new Error(`${e.message}; it was removed and ${what}${too} un-marked, so that the run redoes it`), { code: e.code }), e.path);
}

/**
 * The done writers of global stage `g`'s files whose seal is gone: a seal gone is seldom alone
 * (`_work/global/N/seals` removed), so they are un-marked in the same pass as the one found, not
 * one failing rerun each (hostile review 17 F3; `sealsGoneToo` for the task segments' seals). A
 * task's collect is done in the task phase of segment `g`, a step's unit in its step's phase.
 */
function globalSealsGoneToo(run: string, plan: Plan, g: number): WorkWriter[] {
  const dir = globalDir(run, g);
  const out: WorkWriter[] = [];
  for (const ph of plan.phases) {
    if (ph.kind === 'tasks' && ph.segment === g) {
      for (let u = 0; u < plan.tasks.length; u++) if (isDone(run, ph.id, u) && !existsSync(sealPath(dir, { task: u }))) out.push({ task: u });
    } else if (ph.kind === 'step' && ph.global === g) {
      for (let u = 0; u < ph.units; u++) if (isDone(run, ph.id, u) && !existsSync(sealPath(dir, { step: ph.step!, unit: u }))) out.push({ step: ph.step!, unit: u });
    }
  }
  return out;
}

/**
 * A task's stats across its segments, as one pipeline's: read and input rejects from the first
 * segment, written from the last, each stage in recipe order (a global stage's are those of its
 * apply step, with the collect time added).
 */
export async function composeTaskStats(run: string, plan: Plan, stages: readonly Stage[], t: number): Promise<TaskStats> {
  const seg: SegmentStats[] = [];
  for (let k = 0; k < plan.segments.length; k++) {
    // An earlier segment's stats (written and sealed by an earlier unit); this segment's were just written.
    if (k < plan.segments.length - 1) checkAt(segmentSealPath(run, t, k), run, { task: t }, (rel) => join(run, rel) === segmentStatsPath(run, t, k));
    seg.push(JSON.parse(await readFile(segmentStatsPath(run, t, k), 'utf8')) as SegmentStats);
  }
  const byRecipe: StageStats[] = new Array(plan.stages.length);
  for (let k = 0; k < seg.length; k++) {
    if (k > 0 && seg[k].read !== seg[k - 1].written) throw Object.assign(new Error(`task ${t}: segment ${k} read ${seg[k].read} records, segment ${k - 1} wrote ${seg[k - 1].written}; run again with --overwrite`), { code: 'ERR_SEGMENTS_DIFFER' });
    let at = 0;
    if (k > 0) {
      const g = plan.globals[k - 1];
      const collect = seg[k - 1].stages[seg[k - 1].stages.length - 1];
      byRecipe[g] = { ...seg[k].stages[0], stage: plan.stages[g].stage, ms: seg[k].stages[0].ms + collect.ms };
      // The apply step does not carry the stage's options: the report's thresholds come from the plan.
      const thresholds = plan.settings.profile === true ? optionThresholds(plan.stages[g].stage, plan.stages[g].options) : [];
      if (thresholds.length > 0) byRecipe[g].thresholds = thresholds;
      // Nor its LSH (what a MinHash dedup's threshold gave: new-user review 19 F5).
      const o = stages[g]?.options ?? {};
      if (plan.stages[g].stage === 'dedup' && o.method !== 'exact' && typeof o.threshold === 'number') {
        const { bands, rows } = minHashConfig(o);
        byRecipe[g].lsh = { bands, rows };
      }
      at = 1;
    }
    for (const i of plan.segments[k]) byRecipe[i] = seg[k].stages[at++];
  }
  // Parquet shards: the check stage the last segment ran after the recipe's (its rejects are the run's too).
  const lastStages = seg[seg.length - 1].stages;
  if (plan.settings.outputFormat === 'parquet' && lastStages[lastStages.length - 1]?.stage === 'parquet-schema') byRecipe.push(lastStages[lastStages.length - 1]);
  const first = seg[0];
  const lastSeg = seg[seg.length - 1];
  // Per file: read from the first segment, written from the last, rejects from every one.
  const perFile: RunStats['perFile'] = {};
  for (const [f, v] of Object.entries(first.perFile ?? {})) perFile[f] = { ...v, written: 0, rejected: 0, reasons: {} };
  for (let k = 0; k < seg.length; k++) {
    for (const [f, v] of Object.entries(seg[k].perFile ?? {})) {
      const p = (perFile[f] ??= { read: 0, bytes: 0, written: 0, rejected: 0, reasons: {}, keysSeen: {} });
      p.rejected += v.rejected;
      for (const [r, n] of Object.entries(v.reasons)) p.reasons[r] = (p.reasons[r] ?? 0) + n;
      if (k === seg.length - 1) p.written = v.written;
      // Keys of records without text seen by a later segment's stage (tokenize's no_text).
      if (k > 0) for (const [key, n] of Object.entries(v.keysSeen ?? {})) addCount(p.keysSeen, key, n);
    }
  }
  return {
    perFile,
    ...(lastSeg.writtenLangs ? { writtenLangs: lastSeg.writtenLangs } : {}),
    read: first.read,
    written: lastSeg.written,
    rejected: seg.reduce((a, x) => a + x.rejected, 0),
    bytesRead: first.bytesRead,
    // A file cut into tasks is counted by its first.
    files: (plan.tasks[t].start ?? 0) > 0 || (plan.tasks[t].rowGroups?.[0] ?? 0) > 0 ? 0 : first.files,
    fileErrors: first.fileErrors,
    input: first.input,
    stages: byRecipe,
    ms: seg.reduce((a, x) => a + x.ms, 0),
    ...(seg.some((x) => x.zstd !== undefined) ? { zstd: zstdRecords(seg.map((x) => x.zstd)) } : {}),
  };
}
