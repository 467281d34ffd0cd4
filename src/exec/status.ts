/** Where a run stands: `corpus-clean status <run-dir>`. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { lockHolder, LOCK_NAME } from '../io/outputs.js';
import { counted, errorText } from '../core/show.js';
import { failedPath, planPath, slurmDir, successPath } from './layout.js';
import { isDone, readMarker } from './markers.js';
import type { Plan } from './plan.js';
import { changedInputs, changedSideFilesNow, describeTask, inputFacts, readPlan, unknownLsh } from './plan.js';
import { resumeRule } from './folder.js';
import type { SubmittedJob } from './slurm.js';
import { jobFacts, queueRows } from './slurm.js';
import { showPath } from '../core/fsname.js';
import { commandLine, recordedCommand, resumingCommand } from './command.js';
import { phaseName } from './progress.js';
import { successCode } from './merge.js';
import { noSpace, readFailure, showTime } from './failure.js';
import { STAGE_THREW } from '../core/errors.js';
import { exitOneReasons } from '../report/exitReason.js';

export function totalUnits(plan: Plan): number {
  return plan.phases.reduce((a, p) => a + p.units, 0);
}

export function doneUnits(run: string, plan: Plan): number {
  let n = 0;
  for (const ph of plan.phases) for (let u = 0; u < ph.units; u++) if (isDone(run, ph.id, u)) n++;
  return n;
}

/** A report on a run folder, and whether the run is finished. */
export async function statusReport(run: string): Promise<{ text: string; finished: boolean; code: number; next?: string }> {
  if (!existsSync(planPath(run))) return { text: `${run}: not a run folder (no _plan.json)\n`, finished: false, code: 2 };
  const plan = await readPlan(run);
  // A run that exited 1 wrote `_FAILED` (the same manifest) instead of `_SUCCESS`: finished, failed.
  const failed = !existsSync(successPath(run)) && existsSync(failedPath(run));
  const markerPath = failed ? failedPath(run) : successPath(run);
  const marked = failed || existsSync(successPath(run));
  // A finished run keeps its exit code in _SUCCESS: 1 when its bad input passed the reject rate,
  // an input was damaged or an I/O failed. A _SUCCESS that is not the manifest a run writes
  // (garbage, emptied, a string exit code) says nothing: the run is not known to be finished.
  const marker = marked ? readMarker(markerPath) : undefined;
  const damaged = marker !== undefined && marker.kind !== 'manifest' ? (marker.kind === 'empty' ? 'it is empty' : marker.why) : undefined;
  const finished = marked && damaged === undefined;
  const code = finished ? successCode(await readFile(markerPath, 'utf8').catch(() => '')) : 1;
  const state = failed && finished ? `finished with exit code ${code} (_FAILED, no _SUCCESS): bad input over --max-reject-rate, nothing written, an input not read, a damaged input, counts that do not add up or an I/O failure (see _report.html and _stats.json); its output is not read as a finished result, and the corrected command (or the same) run again starts over` : damaged !== undefined ? `not known to be finished: its ${basename(markerPath)} is damaged (${damaged}; a run writes its manifest {exit_code, command, records, shards} there), so its shards cannot be trusted; run it again with --overwrite` : !finished ? 'not finished (no _SUCCESS)' : code === 0 ? 'finished (_SUCCESS)' : `finished (_SUCCESS) with exit code ${code}: bad input over --max-reject-rate, a damaged input or an I/O failure (see _report.html and _stats.json)`;
  const lines = [`${showPath(run)}: run '${showPath(plan.name)}', ${counted(plan.tasks.length, 'task')} over ${counted(plan.inputs.length, 'input file')}, ${counted(plan.phases.length, 'phase')}: ${state}`];
  // Why a finished run exited 1, from its _stats.json (new-user review 21 N2: only the list of what it might be).
  const why = finished && code !== 0 ? await exitOneBecause(run) : undefined;
  if (why !== undefined) lines.push(`  it exited 1 because ${why}`);
  let jobs: SubmittedJob[] = [];
  const jobsFile = join(slurmDir(run), 'jobs.json');
  if (existsSync(jobsFile)) jobs = JSON.parse(await readFile(jobsFile, 'utf8')) as SubmittedJob[];
  const rows = jobs.length > 0 ? await queueRows(jobs.map((j) => j.id)) : [];
  let open = false;
  for (let p = 0; p < plan.phases.length; p++) {
    const ph = plan.phases[p];
    const missing: number[] = [];
    for (let u = 0; u < ph.units; u++) if (!isDone(run, ph.id, u)) missing.push(u);
    // Numbered from 1 and said in words; the id names the folder of its markers (_done/<id>/).
    lines.push(`  ${phaseName(plan, p)} [${ph.id}]: ${ph.units - missing.length} of ${counted(ph.units, ph.kind === 'tasks' ? 'task' : 'unit')} done`);
    for (const j of jobs.filter((x) => x.phase === p)) {
      const mine = rows.filter((r) => r.id.split('_')[0] === j.id);
      const by = new Map<string, number>();
      for (const r of mine) by.set(r.state, (by.get(r.state) ?? 0) + 1);
      lines.push(`    slurm job ${j.id}: ${mine.length === 0 ? 'no longer known to slurmctld' : [...by].map(([s, n]) => `${n} ${s}`).join(', ')}`);
      for (const r of mine.filter((x) => !['COMPLETED', 'RUNNING', 'PENDING', 'COMPLETING'].includes(x.state) || x.reason === 'DependencyNeverSatisfied')) {
        const f = (await jobFacts(r.id))[0];
        lines.push(`      ${r.id} ${r.state} (reason ${f?.reason ?? r.reason}, exit code ${f?.exit ?? '?'})`);
      }
    }
    // The units not done are named for the first phase not done and any phase begun; a later
    // phase none of whose units is done only has its count (it cannot have started).
    const named = !marked && missing.length > 0 && (!open || missing.length < ph.units);
    if (missing.length > 0) open = true;
    if (named) for (const u of missing.slice(0, 5)) lines.push(`    not done: ${ph.kind === 'tasks' ? `task ${u} (${describeTask(plan.tasks[u])})` : `unit ${u}`}`);
    if (named && missing.length > 5) lines.push(`    ... and ${missing.length - 5} more`);
  }
  const m = jobs.find((j) => j.phase === -1);
  if (m !== undefined) {
    const r = rows.find((x) => x.id === m.id);
    lines.push(`  merge: slurm job ${m.id}: ${r === undefined ? 'no longer known to slurmctld' : `${r.state}${r.reason && r.reason !== 'None' ? ` (${r.reason})` : ''}`}`);
  }
  let running = false;
  let nextText: string | undefined;
  if (!finished && damaged === undefined) {
    // Jobs that will still run (a failed or cancelled job stays known to slurmctld for minutes).
    const live = rows.some((r) => ['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING', 'REQUEUED', 'RESIZING', 'SUSPENDED'].includes(r.state) && r.reason !== 'DependencyNeverSatisfied');
    const next = await nextStep(run, plan, jobs.length > 0, live);
    running = next.running;
    nextText = next.text;
    // What stopped the last attempt, when it kept it (new-user review 20 F3), before what to do;
    // a Slurm attempt whose first sbatch failed kept that in _slurm/nothing-submitted (21 N2).
    const failure = running ? undefined : readFailure(run);
    // Its units done since (by hand with `task`): what stopped it is no longer what is left (new-user review 24 N3).
    const since = failure !== undefined && doneUnits(run, plan) === totalUnits(plan) ? ' (every unit has been done since)' : '';
    if (failure !== undefined) lines.push(`  last attempt failed at ${showTime(failure.at)}: ${failure.error}${since}`);
    const unsubmitted = running ? undefined : await readFile(join(slurmDir(run), 'nothing-submitted'), 'utf8').catch(() => undefined);
    const m = unsubmitted === undefined ? null : /^(\S+) ([^]*?)\s*$/.exec(unsubmitted);
    if (m !== null) lines.push(`  last attempt submitted nothing to Slurm (${showTime(m[1])}): ${m[2].split('\n').join(' ')}`);
    lines.push(next.text);
  }
  // 3 for a run at work now, so that a script polling status tells it from a stopped one.
  return { text: lines.join('\n') + '\n', finished, code: running ? 3 : code, ...(nextText !== undefined ? { next: nextText } : {}) };
}

/** The live process holding the run folder's lock (a `run` at work), if any: its PID, and its host when another. */
function liveHolder(run: string): string | undefined {
  const h = lockHolder(join(run, LOCK_NAME));
  return h?.live === true ? `${h.pid}${h.foreign ? ` on host '${h.host}'` : ''}` : undefined;
}

/**
 * Inputs that changed since the plan was made (a rerun refuses to resume then). Relative input
 * names start from `cwd`, the folder the run ran in (status may be asked from another).
 */
async function changedSince(plan: Plan, cwd?: string): Promise<string[]> {
  if (plan.inputFacts === undefined) return [];
  try {
    return changedInputs(plan, { ...plan, inputFacts: await inputFacts(cwd === undefined ? plan.inputs : plan.inputs.map((f) => resolve(cwd, f))) });
  } catch (e) {
    return [`an input cannot be read now: ${errorText(e)}`];
  }
}

/** What to do about an unfinished run: wait for it, resume it, or merge it; with the command to run when it was recorded. */
async function nextStep(run: string, plan: Plan, slurm: boolean, queued: boolean): Promise<{ text: string; running: boolean }> {
  const pid = liveHolder(run);
  if (pid !== undefined) return { text: `  running: process ${pid} is working on it (rerun nothing; 'corpus-clean status ${run}' again later)`, running: true };
  if (slurm && queued) return { text: `  running on Slurm: jobs of this run are queued or running (see above); a failed job stops the chain, then run the same command again to resume`, running: true };
  return { text: await stoppedStep(run, plan), running: false };
}

/** What to do about a run that is not at work: resume it, start it over, or merge it. */
async function stoppedStep(run: string, plan: Plan): Promise<string> {
  const missing = totalUnits(plan) - doneUnits(run, plan);
  const recorded = await recordedCommand(run);
  const lsh = unknownLsh(plan);
  const changed = lsh !== undefined ? [lsh] : await changedSince(plan, recorded?.cwd);
  // The command itself on a line of its own, ready to paste (absent for runs begun by older versions).
  // A run begun with --overwrite is resumed without it: with it, the same command starts over, its
  // finished units removed (new-user review 26 R-1: printed with it under "resumes").
  const resuming = recorded === undefined ? undefined : resumingCommand(recorded);
  const cmd = (extra: string[] = []): string =>
    recorded === undefined || resuming === undefined ? '' : resuming.dropped && !extra.includes('--overwrite') ? ` (without --overwrite):\n    ${commandLine(resuming.command, extra)}` : `:\n    ${commandLine(recorded, extra)}`;
  if (changed.length > 0) {
    const lead = lsh !== undefined ? `  not running, and this version cannot resume it: ${lsh}; ` : `  not running, and it cannot be resumed: ${changed.length === 1 ? 'an input' : `${changed.length} inputs`} changed since it began (${changed.slice(0, 2).join(', ')}${changed.length > 2 ? ', ...' : ''}) and its finished units read the old content; `;
    return lead + (plan.name === 'dedup-disk' ? 'run the command again with a new --work folder' : `run the command again with --overwrite to start over${cmd(['--overwrite'])}`);
  }
  // A recipe edited since the run began, or a file its stages read (a stage module, a word list):
  // what the same command does is run's resume rule (exec/folder.ts resumeRule): refused when some
  // unit is done, so not what to do (new-user review 22 A8, 23b C2); started over when none is
  // (C6). The recipe is read only when the command was recorded, as run reads it.
  const edited = recorded === undefined ? undefined : await (await import('../cli/commands/run.js')).recipeChange(run, plan, recorded.argv, recorded.cwd).catch(() => undefined);
  if (edited?.unreadable === true) return `  not running, and the same command fails now: its recipe '${showPath(edited.recipe)}' ${edited.change}; put it back as it was when the run began to resume${cmd()}`;
  const sides = await changedSideFilesNow(plan, recorded?.cwd).catch((e: unknown) => [`a file its stages read cannot be read now: ${errorText(e)}`]);
  const recipeWords = edited === undefined ? '' : `its recipe '${showPath(edited.recipe)}' changed since the run began (${edited.change})`;
  const verdict = resumeRule(run, plan, { inputs: [], sides, differs: edited !== undefined, diff: [] }, false);
  if (verdict.kind === 'over') return `  not running: none of its units is done, and ${verdict.what === 'plan' ? recipeWords : verdict.why}: the same command starts it over (nothing used the old one)${cmd()}`;
  if (verdict.kind === 'refused' && verdict.what === 'sides') return `  not running, and the same command is refused: a file its stages read changed since it began (${sides.slice(0, 2).join(', ')}${sides.length > 2 ? ', ...' : ''}) and its finished units used the old content; put the file back as it was to resume, or run the command again with --overwrite to start over (its finished units are removed)${cmd(['--overwrite'])}`;
  if (verdict.kind === 'refused') return `  not running, and the same command is refused: ${recipeWords}; put the recipe back as it was to resume, or run the command again with --overwrite to start over (its finished units are removed)${cmd(['--overwrite'])}`;
  // After a full disk (the last attempt's failure, kept by it: new-user review 20 F3), space is freed before the same command runs again.
  const failure = readFailure(run);
  const again = plan.name === 'dedup-disk' ? 'run the same dedup-disk command again' : 'run the same command again';
  // A stage of one's own threw after some units were done: fixed in its module, the module differs
  // and a resume is refused (B6b), so --overwrite; but a cause outside its code (a file or server it
  // uses, the environment) mended, the same command resumes and keeps them; and once every unit is
  // done (the rest by hand with `task`), the same command only merges (new-user review 24 N3: status
  // advised --overwrite in every case, saying the finished units 'ran that stage's old code').
  if (failure?.code === STAGE_THREW && missing > 0 && doneUnits(run, plan) > 0) return `  not running; it stopped when a stage of one's own ${/process\.(exit|reallyExit)\b|exited with code/.test(failure.error) ? 'ended its process' : 'threw'} (above). If you fix the stage in its module (or a file it imports), run the command again with --overwrite to start over: its finished units ran the module as it was, and a resume after it changed is refused${cmd(['--overwrite'])}\n  if the cause was outside its code (a file or server it uses, the environment) and is mended, the same command resumes, keeping the ${counted(doneUnits(run, plan), 'finished unit')}${cmd()}`;
  const how = failure !== undefined && noSpace(failure.code) ? `free space on the file system it names (df -h; df -i for its inodes), then ${again}` : failure?.code === STAGE_THREW && missing > 0 ? `fix the stage it names, then ${again}` : again;
  return stoppedAdvice(run, plan, missing, how, cmd);
}

/** The advice for a stopped run whose inputs are unchanged: resume, start from the plan, or merge. */
async function stoppedAdvice(run: string, plan: Plan, missing: number, how: string, cmd: () => string): Promise<string> {
  if (missing === 0 && plan.name === 'dedup-disk') return `  steps 1-3 are done: ${how} (with the same --work) to write the kept records${cmd()}`;
  if (missing === 0) return `  not running: every unit is done, only the merge is missing: ${how} (it merges), or 'corpus-clean merge ${run}'${cmd()}`;
  // None done: nothing is kept to resume from; the same command starts from the plan (new-user
  // review 16 F8, as the signal's message says it since new-user review 15 F5).
  const total = totalUnits(plan);
  if (missing === total) return `  not running: ${total === 1 ? 'its one unit is not done yet' : `none of its ${total} units is done yet`}; ${how} to start it from its plan${cmd()}`;
  return `  not running: ${missing} of ${counted(total, 'unit')} ${missing === 1 ? 'is' : 'are'} not done; ${how} to resume (finished units are kept)${cmd()}`;
}

/**
 * Why a finished run exited 1, in words, from its `_stats.json` (exitOneReasons, which the report's
 * banner says too); undefined when the stats do not say (or do not read).
 */
async function exitOneBecause(run: string): Promise<string | undefined> {
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(await readFile(join(run, '_stats.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const out = exitOneReasons(s);
  return out.length > 0 ? `${out.join('; ')} (see _stats.json and _report.html)` : undefined;
}
