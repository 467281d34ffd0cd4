import { writeStdoutSync } from '../../io/stdout.js';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Stage } from '../../core/stage.js';
import { checkInsideInputFolder, checkWorkApart, checkWritable, LOCK_NAME, lockOutput } from '../../io/outputs.js';
import { isFolderOutput } from '../../io/writers/jsonl.js';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { UsageError } from '../../core/errors.js';
import { parseTextField, textFieldLabel } from '../../core/doc.js';
import type { OptionsSpec } from '../../core/options.js';
import { resolveOptions } from '../../core/options.js';
import { removalsStage } from '../../stages/dedup/disk/index.js';
import { defaultRegistry } from '../../stages/index.js';
import { afterFailure, ExitCode } from '../../core/errors.js';
import { parseSize } from '../../core/recipe.js';
import { prepareFolder } from '../../exec/folder.js';
import { progressWanted } from '../../exec/progress.js';
import { globalDir, planPath, workDir } from '../../exec/layout.js';
import { checkSeal, markSealedFromStart, WorkDamage } from '../../core/workSeal.js';
import { RedoneFiles } from '../../exec/redo.js';
import { redoWorkWriter } from '../../exec/unit.js';
import { recordCommand, shellWord } from '../../exec/command.js';
import { localWorkers, RUN_STOPPED, runLocal, stopWorkers, UnitFailure } from '../../exec/local.js';
import { writeAtomic } from '../../exec/markers.js';
import { autoTaskSize, changedInputs, checkTaskSize, PLAN_VERSION, planDifference, planKey, planLsh, planPhases, planTasks, type Plan, type RunSettings } from '../../exec/plan.js';
import { doneUnits, totalUnits } from '../../exec/status.js';
import { nameCommand, stopping, whileRunning } from '../interrupt.js';
import { removeStale, removeStaleSync } from '../../exec/markers.js';
import { dedupOptions, lshNote, minHashConfig } from '../../stages/dedup/options.js';
import type { InputFormat } from '../../io/readers/index.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { countFlag, flagHelp, inputOrderHelp, parse, stageFlags, stageOptionValues } from '../args.js';
import { executePrepared, IO_FLAGS, prepare, removeMadeFolders, type Job, type Prepared } from '../execute.js';
import { makeDir } from '../../io/dirs.js';
import { clearFailure, noSpace, recordFailure } from '../../exec/failure.js';
import { showPath } from '../../core/fsname.js';
import { counted, showText } from '../../core/show.js';
import { atExit } from '../../io/atExit.js';

/** The dedup options that apply on disk (MinHash only). */
const DISK_OPTIONS: OptionsSpec = Object.fromEntries(Object.entries(dedupOptions as OptionsSpec).filter(([k]) => k !== 'method'));
const OWN: Flag[] = [
  { name: 'work', type: 'string', arg: 'DIR', help: 'work folder for signatures, buckets and removal lists (needs about 2 KB per record; new or empty, or the same command\'s unfinished work, which is resumed)' },
  { name: 'keep-work', type: 'boolean', help: 'keep the work folder after a successful run (the same command then reuses its decisions); by default it is removed, as run removes its _work/' },
  { name: 'workers', short: 'w', type: 'string', arg: 'N', help: 'steps 1-3 run as tasks on N workers at once (default: every core, at most one per 16 MB of input; at most 4 per core)' },
  { name: 'task-size', type: 'string', arg: 'SIZE', help: 'smaller files are packed into tasks of up to SIZE bytes, plain JSONL files larger than SIZE are signed in tasks of about SIZE bytes (default: about 1/32 of the input, 8 to 64 MiB; at least 1KiB)' },
  ...stageFlags(DISK_OPTIONS),
];
// No --limit: steps 1-3 would sign every record and step 4 read only the first N.
const IO = IO_FLAGS.filter((f) => f.name !== 'limit');

/** `corpus-clean dedup-disk`: MinHash near-duplicate removal for corpora larger than memory. */
export const dedupDiskCommand: Command = {
  name: 'dedup-disk',
  summary: 'MinHash near-duplicate removal in staged on-disk steps, for corpora larger than memory',
  help() {
    return `Usage: corpus-clean dedup-disk <inputs...> --work DIR [-o OUT] [options]

The same decisions as 'dedup --minhash', in steps that keep memory bounded: (1) signatures and
shingles of every task to DIR, (2) per-band sorted buckets, (3) clusters checked in survival
order, giving a removal list per task, (4) a pass over the inputs that writes the kept records
and rejects the others as dedup:minhash with their survivor. Steps 1-3 are the phases of
'corpus-clean run' (tasks: small files packed and large plain JSONL and Parquet files cut by
--task-size) on --workers; step 4 holds one task's removal list at a time. Inputs are read as
by 'dedup' and every command (JSONL, JSON arrays, CSV/TSV, text, Parquet, WARC, HTML; .gz and
.zst; folders in code-point order, which defines "first"; a BOM, a damaged file, bad lines are
counted and rejected the same way). The accounting line's time is the whole command's.

${inputOrderHelp(false)}

Memory: one task's signatures while signing, one band's buckets while merging them, the
candidate pairs (about 50 bytes each) and the clusters in step 3, one task's removals in step 4.
The survivor policy (--keep) does not change it: a record's quality score is kept beside its
signature on disk (8 bytes), so best-quality costs no memory here, while 'dedup --keep
best-quality' in one process holds every record until the end of its input.

Running the same command again on the same DIR resumes it: finished tasks and steps are kept,
the temporaries of a killed run removed (other output flags may be given). When the command
succeeds (exit 0) DIR is removed, unless --keep-work; when it fails, DIR is kept for the rerun.

Options:
${flagHelp(OWN)}

Input and output:
${flagHelp(IO)}
`;
  },
  async run(argv) {
    const p = parse('dedup-disk', argv, [...OWN, ...IO]);
    if (p.values.help) return writeStdoutSync(this.help()), 0;
    // A signal names the command, as a single command's does (new-user review 21 N8).
    nameCommand('dedup-disk');
    const work = p.values.work as string | undefined;
    // `-w` is --workers, as in run (hostile review 10 F45: here it was --work); a folder given
    // to it is said so, not taken as a count.
    const notCount = typeof p.values.workers === 'string' && !/^\d+$/.test(p.values.workers) && argv.some((a) => /^-[^-]*w/.test(a));
    const wHint = notCount ? ` (-w is --workers, as in run: '${showText(p.values.workers as string)}' is no count; the work folder is --work DIR)` : '';
    if (work === undefined) throw new UsageError(`dedup-disk: --work DIR is required${wHint}`);
    if (notCount) throw new UsageError(`dedup-disk: --workers must be a positive integer in plain digits (e.g. 8)${wHint}`);
    if (p.positionals.length === 0 || p.positionals.includes('-')) throw new UsageError('dedup-disk reads its inputs twice (signatures, then the kept records), not stdin: give files or folders');
    const options = resolveOptions('dedup', DISK_OPTIONS, stageOptionValues(DISK_OPTIONS, p.values));
    // Every output flag is checked (and the output locked) before the hours of on-disk work.
    // The inputs of every command (as `dedup` reads them), expanded by prepare.
    const job: Job = { command: 'dedup-disk', inputs: p.positionals, stages: [], values: p.values, requireText: true, startedAt: Date.now() };
    const quiet = p.values.quiet === true;
    const asked = countFlag(p.values.workers, 'workers');
    const taskSize = p.values['task-size'] !== undefined ? checkTaskSize(parseSize(p.values['task-size'], 1, 'dedup-disk: --task-size'), 'dedup-disk: --task-size') : undefined;
    // The work folder is removed on success: no output may be in it, nor it in a folder output
    // (hostile review 8 F32), checked before prepare makes the output folder and its lock.
    const output = (p.values.output as string | undefined) ?? '-';
    await checkWorkApart(work, '--work', [
      { flag: '--output', path: output, folder: await isFolderOutput(output) },
      { flag: '--rejects', path: p.values.rejects as string | undefined },
      { flag: '--stats', path: p.values.stats as string | undefined },
    ]);
    // --work checked whole before prepare makes the output folder (hostile review 12 H2: a
    // --work usage error left an empty -o folder behind).
    // A work folder inside an input folder would be read as input by the rerun that resumes it
    // (hostile review 6 F8: an interrupted command could then not be resumed).
    await checkInsideInputFolder(work, job.inputs, '--work');
    await checkWritable(work, '--work', true);
    const existing = (await readdir(work).catch(() => [] as string[])).filter((n) => n !== LOCK_NAME);
    if (existing.length > 0 && !existsSync(planPath(work))) throw new UsageError(`work folder '${showPath(work)}' is not empty; give a new one`);
    // The folder of a `corpus-clean run` (its plan is of a recipe) is no work folder: said as such,
    // without the advice to pass --overwrite, which dedup-disk does not apply to --work (hostile
    // review 7 F15: "holds the finished (kept) work of another dedup-disk command ... pass --overwrite").
    const planName = existing.length > 0 ? planNameOf(planPath(work)) : undefined;
    if (planName !== undefined && planName !== 'dedup-disk') {
      const state = existing.includes('_SUCCESS') ? 'a finished' : existing.includes('_FAILED') ? 'a failed' : 'an unfinished';
      throw new UsageError(`--work '${showPath(work)}' is the output folder of ${state} 'corpus-clean run' (recipe '${showText(planName)}'), not a dedup-disk work folder; give a new folder for --work`);
    }
    const prepared = await prepare(job);
    const step4 = { began: false };
    try {
      return await onWorkers(work, options, job, prepared, { quiet, asked, taskSize, step4 });
    } finally {
      prepared.release();
      // Failed in steps 1-3, before step 4 wrote anything: the output folders preparing made are
      // not left behind empty (new-user review 16 F18; step 4 removes its own, as every command does).
      if (!step4.began) await removeMadeFolders(prepared.made);
    }
  },
};

/**
 * Steps 1-3 are the phases of a plan that stops at the dedup barrier: tasks (signatures, read
 * through the readers of every command), bands, cluster; --work is its run folder, so the same
 * command resumes it. Step 4 is one pass over the inputs here, through the same readers, each
 * task's removals loaded when its records arrive.
 */
async function onWorkers(work: string, options: Record<string, unknown>, job: Job, prepared: Prepared, o: { quiet: boolean; asked?: number; taskSize?: number; step4: { began: boolean } }): Promise<number> {
  const stage = await defaultRegistry().create('dedup', { ...options, method: 'minhash' });
  // What a --threshold gave (new-user review 19 F5).
  const lsh = lshNote(stage.options);
  if (lsh !== undefined && !o.quiet) process.stderr.write(`corpus-clean dedup-disk: note: ${lsh}\n`);
  const { quiet, asked } = o;
  const taskSize = o.taskSize ?? (await autoTaskSize(prepared.files));
  const format = prepared.format as InputFormat;
  const tasks = await planTasks(prepared.files, format, taskSize);
  const textField = prepared.textField;
  // Only what steps 1-3 depend on (how the inputs are read): the output flags and the reject
  // rate belong to step 4, so a rerun with other ones still resumes the work.
  const settings: RunSettings = { format, txtMode: prepared.txtMode, compression: 'none', stripAttrs: false, maxRejectRate: 1, requireText: true };
  const wrap = job.values['wrap-arrays'] as string | undefined;
  if (wrap !== undefined) settings.wrapArrays = wrap;
  if (textField !== undefined) settings.textField = textField;
  // Run folders written with different text fields: each read with its own run's list.
  if (prepared.ownFields !== undefined) settings.ownTextFields = [...prepared.ownFields].map(([f, t]) => [f, textFieldLabel(t)]);
  const phases = planPhases([stage], tasks.length);
  phases.phases = phases.phases.filter((ph) => !(ph.kind === 'tasks' && ph.segment === 1));
  const plan: Plan = { version: PLAN_VERSION, name: 'dedup-disk', stages: [{ stage: 'dedup', options: { ...options, method: 'minhash' } }], settings, inputs: prepared.files, tasks, taskSize, ...phases };
  // The bands x rows it is planned with (a rerun by a version choosing others refuses to resume).
  const planned = planLsh(plan.stages);
  if (planned !== undefined) plan.lsh = planned;
  // The folders made for it (its parents too): removed with it when the command succeeds.
  const madeWork = await makeDir(work, 'work folder');
  // One command at a time on a work folder (a second would redo the same units); status tells
  // a live one by this lock. A killed command's lock is taken over.
  const unlock = lockOutput(join(work, LOCK_NAME));
  const said = { kept: false };
  let code: number;
  try {
    code = await onWork(work, plan, stage, job, prepared, { quiet, asked, tasks, said, step4: o.step4 });
  } finally {
    unlock();
  }
  await afterWork(work, code, job, said.kept, madeWork);
  return code;
}

/** The name in a folder's `_plan.json` (a recipe's, or `dedup-disk`), or undefined when unreadable. */
function planNameOf(path: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes of the files under a folder. */
async function folderBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += await folderBytes(p);
    else if (e.isFile()) n += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return n;
}

/**
 * The work folder after the command: removed when it succeeded (its signatures, buckets and
 * removal lists are 2-3x the input; `run` removes its `_work/` too), unless `--keep-work`; kept,
 * and said so with its size, otherwise. A folder that held
 * nothing else is removed whole (not the current folder or one above it).
 */
async function afterWork(work: string, code: number, job: Job, said: boolean, made: readonly string[] = []): Promise<void> {
  const abs = resolve(work);
  // No output lies inside it (checkWorkApart refused that before any work).
  if (code === ExitCode.ok && job.values['keep-work'] !== true) {
    for (const name of await readdir(abs)) await rm(join(abs, name), { recursive: true, force: true });
    // The folder, and the parents this command made for it (new-user review 20 F10: `--work
    // wk/a/b` left wk/ and wk/a/), deepest first, while empty; never the current folder or one above it.
    for (const d of [...new Set([abs, ...made.map((m) => resolve(m))])].sort((a, b) => b.length - a.length)) {
      const here = relative(d, process.cwd());
      if (here.startsWith('..') || isAbsolute(here)) await rmdir(d).catch(() => undefined);
    }
    return;
  }
  if (said) return;
  const mb = ((await folderBytes(abs)) / 1e6).toFixed(1);
  const why = code !== ExitCode.ok ? `the same command again, over the same inputs and flags, reuses its finished steps; a corrected one (other inputs or flags) is refused while the folder holds them: remove it first (rm -r ${shellWord(showPath(work))}) or give a new --work` : '--keep-work; the same command again reuses its decisions';
  process.stderr.write(`corpus-clean dedup-disk: work files kept in ${showPath(work)} (${mb} MB: ${why}); remove the folder when done\n`);
}

async function onWork(work: string, plan: Plan, stage: Stage, job: Job, prepared: Prepared, o: { quiet: boolean; asked?: number; tasks: Plan['tasks']; said: { kept: boolean }; step4: { began: boolean } }): Promise<number> {
  const { quiet, asked, tasks } = o;
  const state = await prepareFolder(work, plan, false).catch((e: Error) => {
    let finished = false;
    let why: string[] = [];
    try {
      const was = JSON.parse(readFileSync(planPath(work), 'utf8')) as Plan;
      finished = doneUnits(work, was) === totalUnits(was);
      why = [...changedInputs(was, plan).map((c) => `input ${c} changed since`), ...(planKey(was) === planKey(plan) ? [] : planDifference(was, plan))];
    } catch {
      why = ['its _plan.json does not read'];
    }
    // One message of its own (hostile review 8 F21: the run folder's "pass --overwrite", which
    // dedup-disk does not apply to --work, was glued after it).
    if (why.length === 0) why = [e.message];
    throw new UsageError(`work folder '${showPath(work)}' holds the ${finished ? 'finished (kept)' : 'unfinished'} work of another dedup-disk command, or of inputs changed since (${why.slice(0, 3).join('; ')}); its decisions cannot be used: remove the folder, or give a new --work`);
  });
  // Sealed from the start: in the plan (which a resume needs) and in _work/seals/.
  if (state === 'fresh') {
    markSealedFromStart(workDir(work));
    plan.sealed = true;
  }
  if (state === 'fresh') await writeAtomic(planPath(work), JSON.stringify(plan, null, 1) + '\n');
  // An earlier attempt's failure is this one's no longer (exec/failure.ts).
  clearFailure(work);
  // For `corpus-clean status`: the exact command that resumes this work (dedup-disk is a CLI command only).
  await recordCommand(work, process.argv.slice(2));
  const { workers, note } = localWorkers(asked, plan, availableParallelism());
  if (note !== undefined) process.stderr.write(`corpus-clean dedup-disk: ${note}\n`);
  if (!quiet) process.stderr.write(`corpus-clean dedup-disk: ${state === 'resume' ? `resuming in ${showPath(work)} (${doneUnits(work, plan)} of ${counted(totalUnits(plan), 'unit')} done): ` : ''}signatures, buckets and clusters of ${counted(prepared.files.length, 'file')} (${counted(tasks.length, 'task')}, ${counted(workers, 'worker')}) in ${showPath(work)}\n`);
  const started = performance.now();
  const unregister = whileRunning(async () => {
    // The workers first: one still running would write a temporary behind the sweep.
    await stopWorkers();
    await removeStale(work);
    // This process's own unit may write one more before it exits: swept again then.
    atExit(() => removeStaleSync(work));
    // Nothing is written to the output before step 4: the folders preparing made go, their locks first (F18).
    prepared.release();
    await removeMadeFolders(prepared.made);
    // Before any task finished there is nothing kept to resume from (new-user review 16 F18: it said
    // "finished tasks are kept" with no _done/ at all; run says so since new-user review 15 F5).
  }, () => (doneUnits(work, plan) > 0 ? `finished tasks are kept in ${showPath(work)}: run the same command again to resume` : `no task had finished yet: the same command again starts from its plan in ${showPath(work)}`), RUN_STOPPED, () => `corpus-clean dedup-disk: stopped with ${doneUnits(work, plan)} of ${counted(totalUnits(plan), 'unit')} done in ${showPath(work)}; nothing is written to the output before its last step`);
  // Damage found in the work folder un-marks its writer; the steps are gone through again at once,
  // which redoes it as a rerun would (exec/redo.ts, as `run` does: new-user review 17 F7).
  const redone = new RedoneFiles();
  const redoNow = (e: unknown): boolean => {
    if (stopping() || !redone.take(e)) return false;
    process.stderr.write(`corpus-clean dedup-disk: warning: ${(e as Error).message}\ncorpus-clean dedup-disk: redoing it now, in this run (finished units are kept)\n`);
    return true;
  };
  const again = (e: unknown): string => (redone.again(e) ? 'corpus-clean dedup-disk: that file was found damaged again after this run had redone it: check the disk (and memory) it is on\n' : '');
  try {
  for (;;) {
    try {
      await runLocal(work, plan, [stage], { workers, progress: progressWanted(quiet) });
    } catch (e) {
      // Cut short by a signal: a task failing on the removal of its temporaries is not the news; main waits for the interrupt handler.
      if (!(e instanceof UnitFailure) || stopping()) throw e;
      if (redoNow(e)) continue;
      // What to do, as run says it (new-user review 20 F3): none kept yet, or free space first.
      const space = noSpace(e.code) ? 'free space on the file system the error names (df -h; df -i for its inodes), then ' : '';
      const next = e.code === 'ERR_INPUT_CHANGED' ? afterFailure(e.code, '') : doneUnits(work, plan) > 0 ? `stopped; finished tasks are kept in ${showPath(work)}: ${space}run the same command again to resume` : `stopped before any task finished: ${space}run the same command again to start from its plan in ${showPath(work)}`;
      process.stderr.write(`corpus-clean dedup-disk: error: ${e.message}\n${again(e)}corpus-clean dedup-disk: ${next}\n`);
      // Kept for `corpus-clean status` of the work folder, as run keeps its own.
      const why = recordFailure(work, { at: new Date().toISOString(), error: e.message, ...(e.code !== undefined ? { code: e.code } : {}) });
      if (why !== undefined) process.stderr.write(`corpus-clean dedup-disk: note: this failure could not be kept in the work folder for 'corpus-clean status' (${why})\n`);
      o.said.kept = true;
      return ExitCode.dataOrIo;
    }
    // The removal lists step 4 reads are checked against the seal their clustering unit wrote: a
    // damaged one (a finished or killed work folder) is removed and that unit redone, never
    // trusted (it would write near-duplicates, or drop records, without a word). So are the
    // signature metas, record numbers and sources it reads (each task's seal).
    try {
      checkSeal(globalDir(work, 0), { step: 1, unit: 0 });
      const step4 = (rel: string): boolean => rel.startsWith(`sigs${sep}`) && (rel.endsWith('.json') || rel.endsWith('.lines') || rel.endsWith('.src'));
      for (let t = 0; t < tasks.length; t++) checkSeal(globalDir(work, 0), { task: t }, step4);
    } catch (e) {
      if (!(e instanceof WorkDamage)) throw e;
      const err = await redoWorkWriter(work, plan, 0, e);
      if (redoNow(err)) continue;
      process.stderr.write(`corpus-clean dedup-disk: error: ${err.message}\n${again(err)}corpus-clean dedup-disk: run the same command again: it redoes what was un-marked (finished units are kept in ${showPath(work)})\n`);
      o.said.kept = true;
      return ExitCode.dataOrIo;
    }
    break;
  }
  } finally {
    unregister();
  }
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  if (!quiet) process.stderr.write(`corpus-clean dedup-disk: decisions made in ${secs} s; writing the kept records\n`);
  // requireText: records without usable text are rejected as the in-memory dedup rejects them.
  o.step4.began = true;
  const { bands, rows } = minHashConfig(stage.options);
  return executePrepared({ ...job, stages: [removalsStage(globalDir(work, 0), tasks, { bands, rows })] }, prepared);
}
