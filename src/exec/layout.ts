/**
 * Where a run keeps its files. Everything but the shards starts with `_` (or `.` for
 * temporaries), so reading the folder as input skips it:
 *
 * - `part-<task>-<n>.jsonl[.gz|.zst]` — the kept records, per task, cut by the output settings
 * - `_plan.json` — the plan: settings, tasks (file and byte range), phases; a rerun resumes it
 * - `_done/<phase>/<unit>` — completion markers, written last by each unit (atomic rename)
 * - `_stats/<task>.json` — each task's stats; `_stats.json` — the merge; `_rejects.jsonl` — all rejects
 * - `_work/` — spills between phases, global stages' files, per-task rejects (removed at the end)
 * - `_slurm/` — sbatch scripts, job ids and logs of the Slurm executor
 * - `_SUCCESS` — written after everything else: only a folder holding it is a finished run
 */
import { join } from 'node:path';

export const taskName = (t: number): string => String(t).padStart(5, '0');
export const PLAN = '_plan.json';
export const SUCCESS = '_SUCCESS';
export const planPath = (run: string): string => join(run, PLAN);
export const successPath = (run: string): string => join(run, SUCCESS);
export const donePath = (run: string, phase: string, unit: number): string => join(run, '_done', phase, taskName(unit));
export const taskStatsPath = (run: string, t: number): string => join(run, '_stats', `${taskName(t)}.json`);
export const workDir = (run: string): string => join(run, '_work');
export const spillPath = (run: string, segment: number, t: number): string => join(run, '_work', 'spill', String(segment), `${taskName(t)}.jsonl`);
export const globalDir = (run: string, g: number): string => join(run, '_work', 'global', String(g));
export const segmentRejectsPath = (run: string, t: number, segment: number): string => join(run, '_work', 'rejects', `${taskName(t)}.${segment}.jsonl`);
export const segmentStatsPath = (run: string, t: number, segment: number): string => join(run, '_work', 'stats', `${taskName(t)}.${segment}.json`);
export const slurmDir = (run: string): string => join(run, '_slurm');
/** The prefix of a task's shards: `part-00003` gives `part-00003-00000.jsonl.gz`, ... */
export const shardPrefix = (t: number): string => `part-${taskName(t)}`;
