import { writeStdoutSync } from '../../io/stdout.js';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import type { StageRegistry } from '../../core/registry.js';
import { FAILED, planPath, SUCCESS } from '../../exec/layout.js';
import { isAbsolute, join, resolve } from 'node:path';
import { recordedCommand } from '../../exec/command.js';
import { checkRunFolder } from '../runFolder.js';
import { isDone } from '../../exec/markers.js';
import { mergeRun, missingUnits } from '../../exec/merge.js';
import { damagedFile, RedoneFiles } from '../../exec/redo.js';
import type { Stage } from '../../core/stage.js';
import type { Plan } from '../../exec/plan.js';
import { checkSideFiles, describeTask, readPlan } from '../../exec/plan.js';
import { statusReport } from '../../exec/status.js';
import { buildStages, runUnit } from '../../exec/unit.js';
import { tuneV8 } from '../../exec/v8.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, parse } from '../args.js';
import { parseWhole } from '../../core/options.js';
import { showText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';
import { EXIT0_HINT, ownExitNow, whileAtWork } from '../../core/exitGuard.js';
import { stopping } from '../interrupt.js';

async function loadPlan(dir: string | undefined, command: string): Promise<Plan> {
  const d = await checkRunFolder(dir, command);
  return readPlan(d);
}

/**
 * The run folder `dir` as an absolute path, once this process works from the folder the run was
 * started in (its recorded command's), when the plan names inputs or files relative to it and
 * that is another folder: the plan's paths are spelled from there (new-user review 23b C5: 'task'
 * from another folder said the input was removed and advised --overwrite, which discards the
 * finished units). The Slurm executor's scripts start there already. `dir` itself otherwise.
 */
async function fromStartFolder(dir: string, plan: Plan): Promise<string> {
  const relative = [...plan.inputs, ...(plan.sideFiles ?? []).map((x) => x.path)].some((f) => !isAbsolute(f));
  const started = relative ? (await recordedCommand(dir))?.cwd : undefined;
  if (started === undefined || resolve(started) === process.cwd()) return dir;
  const abs = resolve(dir);
  try {
    process.chdir(started);
  } catch {
    return dir;
  }
  return abs;
}

/** `--phase` as a number or as the phase's name (`0-tasks`, as status and every message name it). */
function phaseArgument(plan: Plan, given: unknown): number {
  const byName = plan.phases.findIndex((ph) => ph.id === given);
  return byName >= 0 ? byName : parseWhole(given as string);
}

const TASK_FLAGS: Flag[] = [
  { name: 'phase', type: 'string', arg: 'P', help: "phase index (0-based, as in _plan.json) or name (0-tasks, as status names it)" },
  { name: 'unit', type: 'string', arg: 'U', help: 'unit of the phase: a task, a partition, a band' },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help' },
];

/** `corpus-clean task <run-dir> --phase P --unit U`: one unit of a planned run (what Slurm array tasks call). */
export function taskCommand(registry: StageRegistry): Command {
  return {
    name: 'task',
    summary: "run one unit of a planned run (what the Slurm executor's array jobs call)",
    help() {
      return `Usage: corpus-clean task <run-dir> --phase P --unit U

Run one unit of the plan in <run-dir>/_plan.json (written by 'corpus-clean run'): a task of a
segment of the recipe, or a unit of a global stage's step. The unit writes its outputs, then its
completion marker _done/<phase>/<unit>; a unit already marked done exits at once. The sbatch
scripts of 'run --executor slurm' call this; it is also how to rerun one task by hand.

Options:
${flagHelp(TASK_FLAGS)}
`;
    },
    async run(argv) {
      const p = parse('task', argv, TASK_FLAGS);
      if (p.values.help) return writeStdoutSync(this.help()), 0;
      const plan = await loadPlan(p.positionals[0], 'task');
      const dir = await fromStartFolder(p.positionals[0], plan);
      // Without them the range check said "got 'undefined'" (hostile review 13 H8).
      for (const [f, what] of [['phase', `0 to ${plan.phases.length - 1}, the phases of its _plan.json`], ['unit', 'a unit of that phase']] as const) {
        if (p.values[f] === undefined) throw new UsageError(`task: --${f} is required (${what}); 'corpus-clean status ${showPath(dir)}' lists the units not done`);
      }
      const phase = phaseArgument(plan, p.values.phase);
      const unit = parseWhole(p.values.unit);
      if (!Number.isInteger(phase) || phase < 0 || phase >= plan.phases.length) throw new UsageError(`--phase must be 0 to ${plan.phases.length - 1} or a phase's name (${plan.phases.map((ph) => ph.id).join(', ')}); got '${showText(String(p.values.phase))}'`);
      const ph = plan.phases[phase];
      if (!Number.isInteger(unit) || unit < 0 || unit >= ph.units) throw new UsageError(`--unit must be 0 to ${ph.units - 1} for phase ${ph.id}; got '${showText(String(p.values.unit))}'`);
      const name = ph.kind === 'tasks' ? `task ${unit} of phase ${ph.id} (${describeTask(plan.tasks[unit])})` : `unit ${unit} of phase ${ph.id}`;
      if (isDone(dir, ph.id, unit)) {
        process.stderr.write(`corpus-clean task: ${name}: already done\n`);
        return 0;
      }
      // A finished run's work is merged and removed: a unit run again there would take what is
      // gone for damage and remove a published shard (hostile review 7 F17). Refused, untouched.
      if (existsSync(join(dir, SUCCESS))) throw new UsageError(`'${showPath(dir)}' is a finished run (its ${SUCCESS}): its units were merged and their work removed, so ${name} cannot be run again there; nothing was changed. To redo the run, run it again with --overwrite`);
      // A file its stages read (a stage module, a block list) changed since the plan: the unit would
      // run the new content beside units that ran the old one, as a resume would (hostile review 23b M2).
      await checkSideFiles(dir, plan);
      // A unit reads what every unit of the earlier phases left: run before them, it would take
      // seals not yet written for damage and un-mark finished units (review-hostile5 F14).
      for (let q = 0; q < phase; q++) {
        const pq = plan.phases[q];
        let missing = 0;
        let first = -1;
        for (let u = 0; u < pq.units; u++) {
          if (!isDone(dir, pq.id, u)) {
            missing++;
            if (first < 0) first = u;
          }
        }
        if (missing > 0) {
          throw new Error(`${name} needs every unit of the earlier phases; phase ${pq.id}: ${missing} of ${pq.units} units not done (e.g. ${pq.kind === 'tasks' ? 'task' : 'unit'} ${first}: corpus-clean task ${showPath(dir)} --phase ${q} --unit ${first}); nothing was changed`);
        }
      }
      const t = performance.now();
      tuneV8();
      // Damage this task finds in what its own task wrote in earlier phases (a spill, its stats) is
      // redone here, in the same call, as `run` does: only when every unit the damage un-marked is
      // this task's in an earlier task phase, which no other array task reads or redoes. Damage of
      // a global stage's files (read by many array tasks at once) fails the task as before.
      const redone = new RedoneFiles();
      // A stage's process.exit(0) must not pass for this task's success (hostile review 23b X1).
      ownExitNow(stopping);
      // An error a stage throws outside its apply/run names the stage, as run's does (new-user review 24 N14).
      knowStages(planStageFiles(plan.stages, plan.sideFiles));
      const unguard = whileAtWork({
        line: (code) => `corpus-clean task: error: the process was ended by process.exit(${code}) while ${name} was at work, before it finished: ${EXIT0_HINT}; the task is not done`,
        failed: (text) => `corpus-clean task: error: ${name} failed: ${text}; the task is not done`,
      });
      try {
        for (;;) {
          try {
            await runUnit(dir, plan, await buildStages(plan, registry, phase), phase, unit);
            break;
          } catch (e) {
            const own = redone.take(e) ? ownUnmarked(dir, plan, phase, unit) : undefined;
            if (own === undefined) {
              if (redone.again(e)) (e as Error).message += ': found damaged again after this task had redone it: check the disk (and memory) it is on';
              throw e;
            }
            process.stderr.write(`corpus-clean task: warning: ${showText((e as Error).message)}\ncorpus-clean task: redoing it now, in this task\n`);
            for (const q of own) await runUnit(dir, plan, await buildStages(plan, registry, q), q, unit);
          }
        }
      } finally {
        unguard();
      }
      process.stderr.write(`corpus-clean task: ${name}: done in ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
      return 0;
    },
  };
}

/**
 * The earlier phases whose unit `unit` is not done, when every unit not done before `phase` is
 * that one task's in a task phase (what damage of a task's own files un-marks); undefined when any
 * other unit is (a global stage's unit, another task's: not this array task's to redo).
 */
function ownUnmarked(dir: string, plan: Plan, phase: number, unit: number): number[] | undefined {
  if (plan.phases[phase].kind !== 'tasks') return undefined;
  const own: number[] = [];
  for (let q = 0; q < phase; q++) {
    const pq = plan.phases[q];
    for (let u = 0; u < pq.units; u++) {
      if (isDone(dir, pq.id, u)) continue;
      if (pq.kind !== 'tasks' || u !== unit) return undefined;
      own.push(q);
    }
  }
  return own;
}

// Kept apart from the import block above (other branches change its lines this session).
import { knowStages, planStageFiles } from '../../core/exitGuard.js';

const ONLY_HELP: Flag[] = [{ name: 'help', short: 'h', type: 'boolean', help: 'show this help' }];

/** `corpus-clean merge <run-dir>`: the last step of a planned run. */
export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge the stats and rejects of a planned run whose tasks are all done, then mark it finished',
  help() {
    return `Usage: corpus-clean merge <run-dir>

The last step of a run (the Slurm executor's last job): check that every unit of the plan is
done, merge the tasks' stats into _stats.json and their rejects into _rejects.jsonl (.gz or
.zst as the tasks wrote them), print the accounting line, write _SUCCESS and remove _work/.
Exit code as for 'run': 1 when bad input went over max_reject_rate, an input was damaged, or
the accounting does not add up. A finished run (_SUCCESS) is merged already: merge changes
nothing and exits as the first merge did; a task's rejects that are gone fail the merge. A file
of _work/ found damaged (cut short, a flipped byte) is removed and the units that wrote it run
again here, one after another, before the merge goes on, as 'run' does.

Options:
${flagHelp(ONLY_HELP)}
`;
  },
  async run(argv) {
    const p = parse('merge', argv, ONLY_HELP);
    if (p.values.help) return writeStdoutSync(this.help()), 0;
    const plan = await loadPlan(p.positionals[0], 'merge');
    const dir = await fromStartFolder(p.positionals[0], plan);
    // Units not done: the run has not finished (stopped, killed, or at work), said with what to
    // do, as status says it (hostile review 10 F52 sibling: "merge: 1 units are not done").
    const missing = existsSync(join(dir, SUCCESS)) || existsSync(join(dir, FAILED)) ? [] : missingUnits(dir, plan);
    if (missing.length > 0) {
      const next = (await statusReport(dir).catch(() => undefined))?.next?.trim().replace(/:?\s*\n\s*/g, ': ');
      throw new Error(`merge: '${showPath(dir)}' is a run that has not finished: ${missing.length} unit${missing.length === 1 ? ' is' : 's are'} not done, e.g. ${missing[0]}${next === undefined ? '' : `; ${next}`}`);
    }
    // Nothing is published from units of an old and a new content of a file the stages read (a
    // unit run by 'task' after an edit: hostile review 23b M2), as 'run' refuses their resume.
    if (!existsSync(join(dir, SUCCESS)) && !existsSync(join(dir, FAILED))) await checkSideFiles(dir, plan, undefined, 'merge');
    // Damage found in _work/ un-marks the units that wrote it (redo.ts): they are run again here,
    // in phase order, and the merge tried again, as `run` does in its own call (fix18's leftover:
    // merge, the Slurm executor's last job, failed and asked for the same command again).
    const redone = new RedoneFiles();
    let registry: StageRegistry | undefined;
    for (;;) {
      try {
        for (let q = 0; q < plan.phases.length; q++) {
          const ph = plan.phases[q];
          let stages: Stage[] | undefined;
          for (let u = 0; u < ph.units; u++) {
            if (isDone(dir, ph.id, u)) continue;
            registry ??= (await import('../../stages/index.js')).defaultRegistry();
            stages ??= await buildStages(plan, registry, q);
            await runUnit(dir, plan, stages, q, u);
          }
        }
        return await mergeRun(dir, plan, { started: (await stat(planPath(dir))).mtimeMs, executor: { kind: process.env.SLURM_JOB_ID ? 'slurm' : 'merge' } });
      } catch (e) {
        if (redone.take(e)) {
          process.stderr.write(`corpus-clean merge: warning: ${showText((e as Error).message)}\ncorpus-clean merge: redoing it now, in this merge\n`);
          continue;
        }
        // Found damaged again after this merge redid it: another pass would not end.
        if (redone.again(e)) (e as Error).message += ': found damaged again after this merge had redone it: check the disk (and memory) it is on';
        else if (damagedFile(e) !== undefined) (e as Error).message += ': run the same command again';
        throw e;
      }
    }
  },
};

/** `corpus-clean status <run-dir>`. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'say where a run stands: phases and tasks done, Slurm jobs running, pending or failed with reasons',
  help() {
    return `Usage: corpus-clean status <run-dir>

Where a run stands, from its completion markers (_done/) and, for the Slurm executor, from
squeue and scontrol: per phase the units done, the jobs running, pending or failed with their
reason and exit code, and the tasks not done with their input; for a stopped run, the exact
command that resumes it (or starts it over with --overwrite when an input changed), with the
folder it ran in. Exit code 0 when the run is finished (_SUCCESS) and its own exit code was 0;
1 when it is not finished and not at work (stopped, or only its merge missing), or finished
with exit code 1 (bad input over --max-reject-rate, a damaged input: the first line says
which); 2 when the folder does not exist or is not a run folder (no _plan.json); 3 while it
runs (a live process holds its lock, or its Slurm jobs are queued or running).

Options:
${flagHelp(ONLY_HELP)}
`;
  },
  async run(argv) {
    const p = parse('status', argv, ONLY_HELP);
    if (p.values.help) return writeStdoutSync(this.help()), 0;
    if (p.positionals.length > 1) throw new UsageError(`status takes one run folder, got ${p.positionals.length}`, ["see 'corpus-clean status --help'"]);
    const dir = await checkRunFolder(p.positionals[0], 'status');
    const r = await statusReport(dir);
    writeStdoutSync(r.text);
    return r.code;
  },
};
