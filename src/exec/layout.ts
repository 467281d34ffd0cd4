/**
 * Where a run keeps its files. Everything but the shards starts with `_` (or `.` for
 * temporaries), so reading the folder as input skips it:
 *
 * - `part-<task>-<n>.jsonl[.gz|.zst]` — the kept records, per task, cut by the output settings
 * - `_plan.json` — the plan: settings, tasks (file and byte range), phases; a rerun resumes it
 * - `_done/<phase>/<unit>` — completion markers, written last by each unit (atomic rename)
 * - `_stats/<task>.json` — each task's stats; `_stats.json` — the merge; `_rejects.jsonl[.gz|.zst]` — the rejects
 * - `_work/` — spills between phases, global stages' files, per-task rejects (removed at the end)
 * - `_slurm/` — sbatch scripts, job ids and logs of the Slurm executor
 * - `_SUCCESS` — written after everything else: only a folder holding it is a finished run
 */
import { join, sep } from 'node:path';
import type { OutputCompression } from '../io/writers/sharded.js';

export const taskName = (t: number): string => String(t).padStart(5, '0');
export const PLAN = '_plan.json';
export const SUCCESS = '_SUCCESS';
export const planPath = (run: string): string => join(run, PLAN);
export const successPath = (run: string): string => join(run, SUCCESS);
/** Written instead of `_SUCCESS` by a run or command that exited 1: the same manifest; readers refuse the folder, a rerun starts over. */
export const FAILED = '_FAILED';
export const failedPath = (run: string): string => join(run, FAILED);
export const donePath = (run: string, phase: string, unit: number): string => join(run, '_done', phase, taskName(unit));
export const taskStatsPath = (run: string, t: number): string => join(run, '_stats', `${taskName(t)}.json`);
export const workDir = (run: string): string => join(run, '_work');
export const spillPath = (run: string, segment: number, t: number): string => join(run, '_work', 'spill', String(segment), `${taskName(t)}.jsonl`);
/** Whether a path under the run folder (as a seal lists it) is a spill's file. */
export const isSpill = (rel: string): boolean => rel.startsWith(join('_work', 'spill') + sep);
export const globalDir = (run: string, g: number): string => join(run, '_work', 'global', String(g));
/** The ending of a rejects file compressed so: `.jsonl`, `.jsonl.gz`, `.jsonl.zst`. */
export const rejectsExt = (c: OutputCompression | undefined): string => (c === 'gzip' ? '.jsonl.gz' : c === 'zstd' ? '.jsonl.zst' : '.jsonl');
/** The merged rejects of a run: `_rejects.jsonl`, compressed as the plan says. */
export const rejectsPath = (run: string, c: OutputCompression | undefined): string => join(run, '_rejects' + rejectsExt(c));
export const segmentRejectsPath = (run: string, t: number, segment: number, c?: OutputCompression): string => join(run, '_work', 'rejects', `${taskName(t)}.${segment}${rejectsExt(c)}`);
/** The report's sample candidates among a task segment's rejects (see samples.ts). */
export const segmentSamplesPath = (run: string, t: number, segment: number): string => join(run, '_work', 'samples', `${taskName(t)}.${segment}.jsonl`);
export const segmentStatsPath = (run: string, t: number, segment: number): string => join(run, '_work', 'stats', `${taskName(t)}.${segment}.json`);
/** The seal of what a task segment left for the merge (its stats, rejects, sample lines; the task's stats after the last): sizes and CRC-32s (core/workSeal.ts). */
export const segmentSealPath = (run: string, t: number, segment: number): string => join(run, '_work', 'seals', `${taskName(t)}.${segment}.json`);
export const slurmDir = (run: string): string => join(run, '_slurm');
/** The prefix of a task's shards: `part-00003` gives `part-00003-00000.jsonl.gz`, ... */
export const shardPrefix = (t: number): string => `part-${taskName(t)}`;
