/**
 * The merge at the end of a run: every task's stats merged into `_stats.json`, every task's
 * rejects concatenated into `_rejects.jsonl` (task order, then segment order), the accounting
 * line, the reject-rate check and the exit code, then `_SUCCESS`, then `_work/` removed.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { mergeRunStats, type RunStats } from '../core/stats.js';
import { finishRun } from '../cli/execute.js';
import { segmentRejectsPath, successPath, taskStatsPath, workDir } from './layout.js';
import { doneFacts, isDone, writeAtomic } from './markers.js';
import type { Plan } from './plan.js';
import { describeTask } from './plan.js';

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

/** Merge the stats of every task, with the global steps' counters. */
export async function mergedStats(run: string, plan: Plan): Promise<RunStats> {
  let stats: RunStats | undefined;
  for (let t = 0; t < plan.tasks.length; t++) {
    const s = JSON.parse(await readFile(taskStatsPath(run, t), 'utf8')) as RunStats;
    stats = stats === undefined ? s : mergeRunStats(stats, s);
  }
  if (stats === undefined) throw new Error('merge: a run without tasks');
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

async function concatRejects(run: string, plan: Plan): Promise<void> {
  const final = join(run, '_rejects.jsonl');
  const tmp = join(run, `._rejects.jsonl.tmp-${process.pid}`);
  const out = createWriteStream(tmp);
  for (let t = 0; t < plan.tasks.length; t++) {
    for (let k = 0; k < plan.segments.length; k++) {
      const p = segmentRejectsPath(run, t, k);
      if (!existsSync(p)) continue;
      for await (const chunk of createReadStream(p)) if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'close');
  await rename(tmp, final);
}

/**
 * Merge a run whose units are all done; returns the exit code. `started` is when the run began
 * (for the rate in the accounting line).
 */
export async function mergeRun(run: string, plan: Plan, opts: { started: number; executor: Record<string, unknown> }): Promise<number> {
  const missing = missingUnits(run, plan);
  if (missing.length > 0) throw new Error(`merge: ${missing.length} units are not done, e.g. ${missing[0]}`);
  const stats = await mergedStats(run, plan);
  stats.ms = Date.now() - opts.started;
  await concatRejects(run, plan);
  const shards = (await readdir(run)).filter((f) => f.startsWith('part-')).sort().map((f) => join(run, f));
  const code = await finishRun({
    command: 'run',
    stats,
    inputs: plan.inputs,
    output: run.endsWith('/') ? run : run + '/',
    shards,
    rejectsPath: join(run, '_rejects.jsonl'),
    statsPath: join(run, '_stats.json'),
    maxRejectRate: plan.settings.maxRejectRate,
    textField: plan.settings.textField,
    wrapArrays: plan.settings.wrapArrays,
    allowEmpty: plan.settings.allowEmpty,
    extra: { tasks: plan.tasks.length, executor: opts.executor },
  });
  await writeAtomic(successPath(run), '');
  await rm(workDir(run), { recursive: true, force: true });
  return code;
}
