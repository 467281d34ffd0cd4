/** The state of an output folder before a run: fresh, resumable, finished, or foreign. */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { failedPath, planPath, successPath } from './layout.js';
import { isDone, removeStale } from './markers.js';
import type { Plan } from './plan.js';
import { changedInputs, changedSideFiles, inputFacts, planDifference, planKey, planShapeProblem, sideFilesRefusal } from './plan.js';
import { showPath } from '../core/fsname.js';
import { FOLDER_SHARD, processAlive, RUN_NAMES } from '../io/outputs.js';
import { leftovers } from './merge.js';

// The names a run writes into its folder besides the shards: RUN_NAMES (io/outputs.ts), which a
// single command's --overwrite of a run folder sets aside as well. _report.html too: a failed
// --overwrite left the old run's page beside the new run (hostile review 8 F38).
const isShard = (n: string): boolean => FOLDER_SHARD.test(n);

/**
 * What `prepareFolder` found: `finished` is a finished run of the same plan over unchanged inputs:
 * the rerun does only the last steps a kill may have cut short (its report, the removal of `_work/`).
 */
export type FolderState = 'fresh' | 'resume' | 'finished';

async function clear(dir: string, names: string[]): Promise<void> {
  for (const n of names) await rm(join(dir, n), { recursive: true, force: true });
}

/** What changed since an unfinished run was planned: inputs and files its stages read (one line each), and whether the plan differs (with what differs). */
export interface ResumeFacts {
  inputs: string[];
  sides: string[];
  differs: boolean;
  diff: string[];
}

/** What the same command does with an unfinished run: resume it, start it over (why), or refuse (the message). */
export type ResumeVerdict = { kind: 'resume' } | { kind: 'over'; why: string; what: 'sides' | 'plan' } | { kind: 'refused'; message: string; what: 'inputs' | 'sides' | 'plan' };

const listed = (xs: readonly string[]): string => `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? ` and ${xs.length - 3} more` : ''}`;

/**
 * The resume rule of `run`, told by `status` too (new-user review 23b C2: status advised the same
 * command after a stage module changed, which run refused): an input changed since the run was
 * planned is refused (its finished tasks read the old content); with none of its units done, a
 * changed file its stages read or a changed recipe or setting starts the run over, as nothing used
 * the old one (C6: a module edit started over, a recipe edit was refused); with units done, either
 * is refused. Not while Slurm jobs of the run are at work (`jobsAlive`).
 */
export function resumeRule(dir: string, earlier: Plan | undefined, f: ResumeFacts, jobsAlive: boolean): ResumeVerdict {
  if (f.inputs.length > 0) return { kind: 'refused', what: 'inputs', message: `output folder '${showPath(dir)}' holds an unfinished run whose input changed since: ${listed(f.inputs)}; its finished tasks read the old content, so it cannot be resumed; pass --overwrite to start again` };
  const none = earlier !== undefined && !jobsAlive && earlier.phases.every((ph) => Array.from({ length: ph.units }, (_, u) => u).every((u) => !isDone(dir, ph.id, u)));
  // A file a stage reads (a block list, quality rules, a schema, a module) changed since the run
  // began: its finished tasks used the old one, the rest would use the new one. None done: no
  // output used the old file (a stage of one's own fixed after it threw on the first unit: A5 + B6b).
  if (f.sides.length > 0) return none ? { kind: 'over', what: 'sides', why: `a file its stages read changed since it began (${f.sides[0]}${f.sides.length > 1 ? ` and ${f.sides.length - 1} more` : ''})` } : { kind: 'refused', what: 'sides', message: sideFilesRefusal(dir, f.sides) };
  if (!f.differs) return { kind: 'resume' };
  const shown = f.diff.length > 0 ? ` (${f.diff.slice(0, 3).join('; ')})` : earlier === undefined ? ' (its _plan.json does not read)' : '';
  if (none) return { kind: 'over', what: 'plan', why: `its recipe, inputs or settings differ${shown}` };
  return { kind: 'refused', what: 'plan', message: `output folder '${showPath(dir)}' holds an unfinished run of a different recipe, inputs or settings${shown}; pass --overwrite to start again` };
}

/**
 * Get `dir` ready for `plan`: a new or empty folder is fresh; an unfinished run of the same plan
 * over unchanged inputs resumes (its stale temporaries removed); anything else from an earlier
 * run is refused unless `overwrite`, when it is removed first. Sets `plan.inputFacts`. With
 * `jobsAlive` (an earlier run's Slurm jobs still running), temporaries are left to them.
 */
export async function prepareFolder(dir: string, plan: Plan, overwrite: boolean, o: { jobsAlive?: boolean; note?: (line: string) => void; replaced?: (what: string) => void } = {}): Promise<FolderState> {
  // What the inputs are now; written with the plan, so that a rerun sees an input changed since.
  plan.inputFacts ??= await inputFacts(plan.inputs);
  let names = await readdir(dir).catch(() => [] as string[]);
  // Temporaries of a dead process (a run killed before it wrote its plan) are ours to remove: a
  // folder holding only those is fresh. Not while Slurm jobs of a run are alive (their PIDs are
  // on other nodes).
  if (o.jobsAlive !== true) {
    let removed = false;
    for (const n of names) {
      const m = /^\..+\.tmp-(\d+)/.exec(n);
      if (m !== null && !processAlive(Number(m[1]))) {
        await rm(join(dir, n), { force: true });
        removed = true;
      }
    }
    if (removed) names = await readdir(dir).catch(() => [] as string[]);
  }
  const old = names.filter((n) => isShard(n) || RUN_NAMES.includes(n) || (n.startsWith('.') && n.includes('.tmp-')));
  if (old.length === 0) return 'fresh';
  // A run that failed (exit 1: `_FAILED`, no `_SUCCESS`) is no result to keep or resume: its
  // rerun, the corrected one or the same, starts over without --overwrite (new-user review 5 #31;
  // datatrove reruns what has no completion marker).
  if (existsSync(failedPath(dir)) && !existsSync(successPath(dir))) {
    o.note?.(`'${showPath(dir)}' holds a run that failed (its _FAILED); starting over`);
    await clear(dir, old);
    return 'fresh';
  }
  if (!overwrite && existsSync(planPath(dir)) && !existsSync(successPath(dir))) {
    let earlier: Plan | undefined;
    try {
      earlier = JSON.parse(await readFile(planPath(dir), 'utf8')) as Plan;
      // Damaged deeper than JSON (an entry of another kind): read as not reading (hostile review 21 F13).
      if (planShapeProblem(earlier) !== undefined) earlier = undefined;
    } catch {
      earlier = undefined;
    }
    const facts: ResumeFacts = { inputs: earlier === undefined ? [] : changedInputs(earlier, plan), sides: earlier === undefined ? [] : changedSideFiles(earlier, plan), differs: earlier === undefined || planKey(earlier) !== planKey(plan), diff: earlier === undefined ? [] : planDifference(earlier, plan) };
    const verdict = resumeRule(dir, earlier, facts, o.jobsAlive === true);
    if (verdict.kind === 'refused') throw new UsageError(verdict.message);
    if (verdict.kind === 'over') {
      o.note?.(`'${showPath(dir)}' holds an unfinished run with none of its units done, and ${verdict.why}: starting over`);
      await clear(dir, old);
      return 'fresh';
    }
    // Jobs of the earlier run still at work (Slurm) own their temporaries.
    if (o.jobsAlive !== true) await removeStale(dir);
    return 'resume';
  }
  // A finished run of the same plan over unchanged inputs: the rerun has nothing to do but the
  // last steps a kill may have cut short (its report, the removal of _work/), as datatrove skips
  // tasks whose completion marker exists, so a retry wrapper gets the run's own exit code.
  if (!overwrite && existsSync(successPath(dir))) {
    const read = await readFile(planPath(dir), 'utf8').then((t) => JSON.parse(t) as Plan, () => undefined);
    const earlier = planShapeProblem(read) === undefined ? read : undefined;
    if (earlier !== undefined && planKey(earlier) === planKey(plan) && changedInputs(earlier, plan).length === 0 && changedSideFiles(earlier, plan).length === 0) return 'finished';
  }
  if (!overwrite) {
    const shown = old.find((n) => n !== '_plan.json') ?? old[0];
    throw new UsageError(`output folder '${showPath(dir)}' already holds ${shown}${old.length > 1 ? ` and ${old.length - 1} more` : ''} from an earlier run; remove them or pass --overwrite`);
  }
  // What --overwrite removes here, for what a signal or failure says later: a run is replaced in
  // place, not set aside and put back as a single command's output is (new-user review 21 N7).
  o.replaced?.(existsSync(successPath(dir)) ? 'finished run' : existsSync(failedPath(dir)) ? 'failed run' : existsSync(planPath(dir)) ? 'unfinished run' : 'output');
  await clear(dir, old);
  return 'fresh';
}
