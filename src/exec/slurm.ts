/**
 * The Slurm executor: one readable sbatch script per phase in `_slurm/`, each phase an array job
 * over its units (split into several arrays beyond the cluster's MaxArraySize), chained with
 * `afterok` and `--kill-on-invalid-dep=yes` so a failed task cancels everything after it, and a
 * last job that merges. The whole plan is submitted at once; the driver then polls `squeue`
 * (no accounting database needed), shows per-phase progress and exits with the merge's result.
 * Completion markers are the source of truth: a rerun submits only the units not done.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ExitCode, UsageError } from '../core/errors.js';
import { failedPath, slurmDir, successPath } from './layout.js';
import { isDone, writeAtomic } from './markers.js';
import type { Plan } from './plan.js';
import { describeTask } from './plan.js';
import { PhaseProgress, phaseName } from './progress.js';
import { makeDir } from '../io/dirs.js';
import { showPath } from '../core/fsname.js';
import { CLI_FILE as CLI } from './entries.js';

const run = promisify(execFile);

/** Options of the Slurm executor (sbatch flags). */
export interface SlurmOptions {
  partition?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  /** At most this many array tasks of a phase at once (`--array=...%N`). */
  parallel?: number;
}

/** The Slurm options as written into the resolved recipe. */
export function slurmYaml(o: SlurmOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.partition !== undefined) out.partition = o.partition;
  if (o.time !== undefined) out.time = o.time;
  if (o.mem !== undefined) out.mem = o.mem;
  if (o.cpusPerTask !== undefined) out.cpus_per_task = o.cpusPerTask;
  if (o.parallel !== undefined) out.parallel = o.parallel;
  return out;
}

/** One submitted job: an array over some units of a phase (or the merge). */
export interface SubmittedJob {
  id: string;
  /** Phase index, or -1 for the merge. */
  phase: number;
  /** Added to SLURM_ARRAY_TASK_ID to get the unit. */
  offset: number;
  units: number[];
}

const TERMINAL_OK = 'COMPLETED';
const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'RESIZING', 'STOPPED', 'SIGNALING', 'STAGE_OUT']);

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `0-3,5,7-9` from sorted indices. */
export function arraySpec(idx: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    parts.push(i === j ? String(idx[i]) : `${idx[i]}-${idx[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The cluster's MaxArraySize (array indices go up to one less); 1001 when it cannot be read. */
export async function maxArraySize(): Promise<number> {
  const env = Number(process.env.CORPUS_CLEAN_SLURM_MAX_ARRAY);
  if (Number.isInteger(env) && env > 0) return env;
  try {
    const { stdout } = await run('scontrol', ['show', 'config']);
    const m = /MaxArraySize\s*=\s*(\d+)/.exec(stdout);
    return m ? Number(m[1]) : 1001;
  } catch {
    return 1001;
  }
}

/**
 * One `#SBATCH` value: a control character (a newline) would end the directive and run the rest
 * as a command, and sbatch stops reading directives at the first command (hostile review 9 F44),
 * so it is refused; a value with spaces or quotes is double-quoted (sbatch splits on spaces).
 */
export function sbatchValue(v: string, what: string): string {
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new UsageError(`${what} ${JSON.stringify(v)} holds a control character (a newline?): it cannot be written into an sbatch header line; use another`);
  return /[\s"'\\$`]/.test(v) ? `"${v.replace(/(["\\$`])/g, '\\$1')}"` : v;
}

function header(runDir: string, o: SlurmOptions, name: string): string[] {
  // The job name: letters, digits, . _ - (anything else becomes _; a name is for squeue, not a path).
  const job = name.replace(/[^A-Za-z0-9._-]/g, '_');
  const lines = [`#SBATCH --job-name=${job}`, `#SBATCH --output=${sbatchValue(join(runDir, '_slurm', 'logs', '%x-%A_%a.log'), 'the output folder')}`, `#SBATCH --chdir=${sbatchValue(process.cwd(), 'the current folder')}`];
  if (o.partition) lines.push(`#SBATCH --partition=${sbatchValue(o.partition, 'the partition')}`);
  if (o.time) lines.push(`#SBATCH --time=${sbatchValue(o.time, 'the time limit')}`);
  if (o.mem) lines.push(`#SBATCH --mem=${sbatchValue(o.mem, 'the memory limit')}`);
  lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`);
  return lines;
}

/** Write the sbatch scripts of a plan; returns their paths (one per phase, then the merge). */
export async function writeScripts(runDir: string, plan: Plan, o: SlurmOptions): Promise<{ phases: string[]; merge: string }> {
  const abs = resolve(runDir);
  const dir = join(abs, '_slurm');
  await makeDir(join(dir, 'logs'));
  const phases: string[] = [];
  for (let p = 0; p < plan.phases.length; p++) {
    const ph = plan.phases[p];
    const what = ph.kind === 'tasks' ? `the tasks of segment ${ph.segment} (one array task per task: a file or a byte range of one)` : `step ${ph.id} of a global stage (one array task per unit)`;
    const text = [
      '#!/bin/bash',
      ...header(abs, o, `cc-${plan.name}-${ph.id}`),
      `# corpus-clean run '${showPath(plan.name)}', ${phaseName(plan, p)}, markers in _done/${ph.id}/: ${what}; ${ph.units} units.`,
      '# Submitted as array jobs by `corpus-clean run --executor slurm`; the array index plus',
      '# CC_OFFSET is the unit. A unit already marked done in _done/ exits at once.',
      'set -euo pipefail',
      `exec ${q(process.execPath)} ${q(CLI)} task ${q(abs)} --phase ${p} --unit "$((SLURM_ARRAY_TASK_ID + \${CC_OFFSET:-0}))"`,
      '',
    ].join('\n');
    const path = join(dir, `phase-${ph.id}.sbatch`);
    await writeAtomic(path, text);
    await chmod(path, 0o755);
    phases.push(path);
  }
  const merge = join(dir, 'merge.sbatch');
  await writeAtomic(
    merge,
    [
      '#!/bin/bash',
      ...header(abs, o, `cc-${plan.name}-merge`).map((l) => l.replace('%x-%A_%a.log', '%x-%j.log')),
      `# corpus-clean run '${showPath(plan.name)}': merge the stats and rejects of every task, then write _SUCCESS.`,
      'set -euo pipefail',
      `exec ${q(process.execPath)} ${q(CLI)} merge ${q(abs)}`,
      '',
    ].join('\n'),
  );
  await chmod(merge, 0o755);
  return { phases, merge };
}

async function sbatch(args: string[], script: string): Promise<string> {
  try {
    const { stdout } = await run('sbatch', ['--parsable', ...args, script]);
    return stdout.trim().split(';')[0];
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: unknown };
    // No sbatch at all: execFile's stderr is then '' (new-user review 7 #17: "sbatch failed: " and nothing after it).
    if (err.code === 'ENOENT') throw new Error(`sbatch not found on PATH (is Slurm installed, or its module loaded on this login node?)`);
    const said = (err.stderr ?? '').trim();
    throw new Error(`sbatch failed: ${said !== '' ? said : err.message.trim()}`);
  }
}

/** Submit the units not done yet, chained; returns the jobs (merge last). */
export async function submitPlan(runDir: string, plan: Plan, o: SlurmOptions): Promise<SubmittedJob[]> {
  const scripts = await writeScripts(runDir, plan, o);
  const max = await maxArraySize();
  const jobs: SubmittedJob[] = [];
  // From the first sbatch on, jobs may be queued: only a failure of that first one clears the folder again.
  await rm(nothingSubmittedPath(runDir), { force: true });
  const first = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (jobs.length === 0) await writeAtomic(nothingSubmittedPath(runDir), `${new Date().toISOString()} ${(e as Error).message}\n`);
      throw e;
    }
  };
  let deps: string[] = [];
  const depArgs = (): string[] => (deps.length > 0 ? [`--dependency=afterok:${deps.join(':')}`, '--kill-on-invalid-dep=yes'] : []);
  for (let p = 0; p < plan.phases.length; p++) {
    const ph = plan.phases[p];
    const todo: number[] = [];
    for (let u = 0; u < ph.units; u++) if (!isDone(runDir, ph.id, u)) todo.push(u);
    if (todo.length === 0) continue;
    const ids: string[] = [];
    // Array indices must stay below MaxArraySize: one array per block of that many units.
    for (let offset = 0; offset < ph.units; offset += max) {
      const block = todo.filter((u) => u >= offset && u < offset + max);
      if (block.length === 0) continue;
      const spec = arraySpec(block.map((u) => u - offset)) + (o.parallel ? `%${o.parallel}` : '');
      const id = await first(() => sbatch([`--array=${spec}`, `--export=ALL,CC_OFFSET=${offset}`, ...depArgs()], scripts.phases[p]));
      ids.push(id);
      jobs.push({ id, phase: p, offset, units: block });
      // Recorded as soon as submitted: a rerun after this driver is killed finds every live job.
      await writeAtomic(jobsPath(runDir), JSON.stringify(jobs, null, 1) + '\n');
    }
    deps = ids;
  }
  const id = await first(() => sbatch(depArgs(), scripts.merge));
  jobs.push({ id, phase: -1, offset: 0, units: [0] });
  await writeAtomic(jobsPath(runDir), JSON.stringify(jobs, null, 1) + '\n');
  return jobs;
}

const jobsPath = (runDir: string): string => join(slurmDir(runDir), 'jobs.json');
/**
 * Written when the first sbatch of a driver failed (no controller, a bad partition): no job of
 * that attempt can be queued, so a rerun (local or Slurm) need not ask squeue about them.
 */
const nothingSubmittedPath = (runDir: string): string => join(slurmDir(runDir), 'nothing-submitted');

/** The jobs the last driver of this folder submitted (`_slurm/jobs.json`); empty when none. */
async function recordedJobs(runDir: string): Promise<SubmittedJob[]> {
  const text = await readFile(jobsPath(runDir), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  try {
    return JSON.parse(text) as SubmittedJob[];
  } catch {
    return [];
  }
}

/**
 * The Slurm jobs of this run folder that are still queued or running (job ids, arrays by their
 * base id): the jobs of the user whose batch script is in the folder's `_slurm/`, so a job
 * submitted by a driver killed before it recorded it is found too. Empty without `_slurm/`.
 * Throws when squeue cannot be asked: a second writer chain must never be started blind.
 */
export async function liveJobs(runDir: string): Promise<string[]> {
  if (!existsSync(slurmDir(runDir))) return [];
  // The last driver's first sbatch failed: nothing of this folder was ever queued since.
  if (existsSync(nothingSubmittedPath(runDir))) return [];
  const mine = resolve(slurmDir(runDir));
  const known = new Set((await recordedJobs(runDir)).map((j) => j.id));
  let stdout: string;
  try {
    ({ stdout } = await run('squeue', ['-h', '--me', '-o', '%F|%T|%o']));
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: unknown };
    // No Slurm on this machine: no job of it can be running here.
    if (err.code === 'ENOENT') return [];
    throw new UsageError(`cannot tell whether Slurm jobs of the earlier run in '${showPath(runDir)}' are still queued or running (squeue: ${(err.stderr ?? err.message).trim()}); nothing was submitted`);
  }
  const ids = new Set<string>();
  for (const l of stdout.split('\n')) {
    const [id, state, script] = l.split('|');
    if (script === undefined || !ACTIVE.has(state.trim())) continue;
    if (script.trim().startsWith(mine + '/') || known.has(id.trim())) ids.add(id.trim());
  }
  return [...ids].sort((a, b) => Number(a) - Number(b));
}

/** Why a folder with live jobs is not written again: the jobs and how to stop them. */
export function liveJobsMessage(runDir: string, ids: readonly string[]): string {
  return `output folder '${showPath(runDir)}' has Slurm jobs of an earlier run still queued or running (${ids.join(', ')}); two runs must not write one folder: wait for them ('corpus-clean status ${showPath(runDir)}'; the same command with --executor slurm follows them) or stop them with 'scancel ${ids.join(' ')}'`;
}

/**
 * The jobs to follow: those of an earlier driver of this folder when they are still alive (a
 * driver killed while its chain runs: the rerun attaches to the chain instead of submitting a
 * second one beside it), else the units not done, submitted now.
 */
async function attachOrSubmit(runDir: string, plan: Plan, o: SlurmOptions, say: (s: string) => void): Promise<SubmittedJob[]> {
  const live = await liveJobs(runDir);
  if (live.length === 0) {
    const jobs = await submitPlan(runDir, plan, o);
    say(`submitted ${jobs.length} Slurm jobs (${jobs.map((j) => j.id).join(', ')}); scripts and logs in ${slurmDir(runDir)}`);
    return jobs;
  }
  const recorded = await recordedJobs(runDir);
  const known = new Set(recorded.map((j) => j.id));
  // A chain whose merge job was recorded, and no live job outside it: that chain, followed to its end.
  if (recorded.some((j) => j.phase === -1) && live.every((id) => known.has(id))) {
    say(`the Slurm jobs of an earlier run of this folder are still queued or running (${live.join(', ')}): following them instead of submitting again ('scancel ${live.join(' ')}' stops them)`);
    return recorded;
  }
  throw new UsageError(liveJobsMessage(runDir, live));
}

/** One row of `squeue -r`: job id (`12_3` for array task 3 of 12), state, reason. */
export interface JobRow {
  id: string;
  state: string;
  reason: string;
}

/** States of every array task of `ids` still known to slurmctld. */
export async function queueRows(ids: readonly string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  const { stdout } = await run('squeue', ['-h', '-r', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T|%r']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => {
      const [id, state, reason] = l.split('|');
      return { id: id.trim(), state: state.trim(), reason: reason.trim() };
    });
}

/** `scontrol show job -o` facts of one job (or array task): state, reason, exit code. */
export async function jobFacts(id: string): Promise<{ state?: string; reason?: string; exit?: string }[]> {
  const { stdout } = await run('scontrol', ['show', 'job', '-o', id]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .filter((l) => l.includes('JobState='))
    .map((l) => ({ state: /JobState=(\S+)/.exec(l)?.[1], reason: /Reason=(\S+)/.exec(l)?.[1], exit: /ExitCode=(\S+)/.exec(l)?.[1], task: /ArrayTaskId=(\S+)/.exec(l)?.[1] }));
}

const baseJob = (rowId: string): string => rowId.split('_')[0];
const taskOf = (rowId: string): number | undefined => (rowId.includes('_') && !rowId.includes('[') ? Number(rowId.split('_')[1]) : undefined);

async function logTail(runDir: string, job: SubmittedJob, arrayTask: number | undefined, lines = 6): Promise<string> {
  const logs = join(slurmDir(runDir), 'logs');
  const names = await readdir(logs).catch(() => [] as string[]);
  const want = arrayTask === undefined ? `-${job.id}.log` : `-${job.id}_${arrayTask}.log`;
  const f = names.find((n) => n.endsWith(want));
  if (f === undefined) return '';
  const text = await readFile(join(logs, f), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}

/** Options of the driver. */
export interface DriveOptions {
  progress: boolean;
  quiet: boolean;
  /** Seconds between polls; default 1 (use 10-60 on a shared cluster). */
  pollSeconds?: number;
}

/**
 * Submit the plan and follow it to the end. Returns the merge's exit code, or 1 when a job
 * failed (after naming the task, its input, the reason and the tail of its log; the jobs after
 * it are cancelled by Slurm, and any left are cancelled here).
 */
export async function runSlurm(runDir: string, plan: Plan, o: SlurmOptions, d: DriveOptions): Promise<number> {
  const say = (s: string): void => {
    if (!d.quiet) process.stderr.write(`corpus-clean run: ${s}\n`);
  };
  const jobs = await attachOrSubmit(runDir, plan, o, say);
  const poll = (d.pollSeconds ?? Number(process.env.CORPUS_CLEAN_SLURM_POLL ?? 1)) * 1000;
  const ids = jobs.map((j) => j.id);
  const merge = jobs[jobs.length - 1];
  const bars = plan.phases.map((_, p) => new PhaseProgress(d.progress, plan, p));
  const closed = new Set<number>();
  let unknown = 0;
  for (;;) {
    const rows = await queueRows(ids);
    const m = rows.find((r) => r.id === merge.id);
    // The merge ended (its exit code is the run's, 1 for bad input over the limit, say).
    if (m !== undefined && !ACTIVE.has(m.state) && m.state !== 'CANCELLED') break;
    if (rows.length === 0) {
      if (existsSync(successPath(runDir)) || existsSync(failedPath(runDir))) break;
      // Jobs purged from slurmctld's memory (or a restart): the markers say what is missing.
      if (++unknown >= 30) {
        process.stderr.write(`corpus-clean run: error: Slurm no longer knows the jobs ${ids.join(', ')} and the run is not finished; 'corpus-clean status ${showPath(runDir)}' shows what is missing, running the same command again resumes\n`);
        return ExitCode.dataOrIo;
      }
    } else unknown = 0;
    const failed = rows.find((r) => r.id !== merge.id && !ACTIVE.has(r.state) && r.state !== TERMINAL_OK && !(r.state === 'CANCELLED' && r.reason === 'DependencyNeverSatisfied'));
    if (failed !== undefined) {
      const job = jobs.find((j) => j.id === baseJob(failed.id))!;
      const at = taskOf(failed.id);
      const facts = (await jobFacts(failed.id))[0] ?? {};
      const unit = at === undefined ? undefined : at + job.offset;
      const ph = job.phase >= 0 ? plan.phases[job.phase] : undefined;
      const what = ph === undefined ? 'the merge job' : ph.kind === 'tasks' ? `task ${unit} of phase ${ph.id} (${describeTask(plan.tasks[unit!])})` : `unit ${unit} of phase ${ph.id}`;
      // Slurm cancels the jobs after a failed one itself (--kill-on-invalid-dep=yes), a second
      // or two later; whatever still waits after that is cancelled here. Tasks already
      // running finish: their work is kept for the rerun.
      const later = new Set(jobs.filter((j) => j.phase === -1 || j.phase > job.phase).map((j) => j.id));
      for (let i = 0; i < 20; i++) {
        const left = (await queueRows([...later])).filter((r) => r.state === 'PENDING');
        if (left.length === 0) break;
        if (i === 19) await run('scancel', [...new Set(left.map((r) => baseJob(r.id)))]).catch(() => {});
        else await new Promise((r) => setTimeout(r, 500));
      }
      process.stderr.write(
        `corpus-clean run: error: Slurm job ${failed.id}, ${what}, ended ${failed.state} (reason ${facts.reason ?? failed.reason}, exit code ${facts.exit ?? '?'}); the jobs after it are cancelled\n` +
          (await logTail(runDir, job, at)).replace(/^/gm, '  | ') +
          `\ncorpus-clean run: finished tasks are kept; run the same command again to resume, 'corpus-clean status ${runDir}' shows where it stands\n`,
      );
      return ExitCode.dataOrIo;
    }
    for (let p = 0; p < plan.phases.length; p++) {
      if (closed.has(p)) continue;
      const ph = plan.phases[p];
      let done = 0;
      for (let u = 0; u < ph.units; u++) if (isDone(runDir, ph.id, u)) done++;
      const mine = rows.filter((r) => jobs.some((j) => j.phase === p && j.id === baseJob(r.id)));
      const running = mine.filter((r) => r.state === 'RUNNING' || r.state === 'COMPLETING').length;
      const pending = mine.filter((r) => r.state === 'PENDING').length;
      const fig = { done, running, pending, units: ph.units, records: 0, bytes: 0, totalBytes: 0 };
      if (done === ph.units) {
        bars[p].done(fig);
        closed.add(p);
      } else {
        bars[p].update(fig);
        break;
      }
    }
    await new Promise((r) => setTimeout(r, poll));
  }
  // The merge's whole log: the accounting line, one line per input file (at most 20), warnings.
  const log = await logTail(runDir, merge, undefined, 200);
  if (!d.quiet && log) process.stderr.write(log + '\n');
  const facts = (await jobFacts(merge.id))[0];
  const code = Number((facts?.exit ?? '0:0').split(':')[0]);
  return existsSync(successPath(runDir)) || existsSync(failedPath(runDir)) ? code : ExitCode.dataOrIo;
}
