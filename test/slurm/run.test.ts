import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';
import { runOutput } from '../exec/helpers.js';

/**
 * The Slurm executor on a real Slurm (../shared/slurm/start-local.sh). Mandatory where
 * CORPUS_CLEAN_SLURM=1 (.ci/run starts the cluster and sets it); skipped elsewhere.
 */
const SLURM = process.env.CORPUS_CLEAN_SLURM === '1';

// Real text (the bundled slice), a recipe with the three global stages (paragraphs, exact and
// MinHash dedup); few MinHash bands and tasks of 250 KB (4 tasks a phase) keep the number of
// array tasks (and so the test's time on a 2-core cluster, each a process of its own) small.
const RECIPE = `name: slurm-test
input: [${ROOT}/fixtures/sample]
stages:
  - normalize: {}
  - quality: {preset: auto}
  - paragraphs: {unit: line, min_occurrences: 3, sketch_bytes: 65536}
  - dedup: {method: exact}
  - dedup: {method: minhash, bands: 4, rows: 8}
output: {shard_records: 100, compression: gzip}
`;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Tasks of 250 KB: the bundled slice in 4 tasks (licenses.jsonl cut in two, then two packs). */
const TASKS = ['--task-size', '250KB'];

let localRun: Promise<string> | undefined;
/** The local executor's run of RECIPE (made once; its output only read), the reference for Slurm's. */
function localReference(): Promise<string> {
  localRun ??= (async () => {
    const { dir, recipe } = await setup();
    const r = await runCli(['run', recipe, '-o', join(dir, 'local'), ...TASKS, '--workers', '2', '-q']);
    expect(r.code, r.stderr).toBe(0);
    return join(dir, 'local');
  })();
  return localRun;
}

async function setup(): Promise<{ dir: string; recipe: string }> {
  const dir = await tempDir();
  dirs.push(dir);
  const recipe = join(dir, 'recipe.yaml');
  await writeFile(recipe, RECIPE);
  return { dir, recipe };
}

interface Job {
  id: string;
  phase: number;
}

function states(ids: string[]): { id: string; state: string; reason: string }[] {
  const out = execFileSync('squeue', ['-h', '-r', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T|%r'], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, state, reason] = l.split('|');
      return { id, state, reason };
    });
}

/**
 * A Slurm run of RECIPE (--time 10) whose task 1 of phase 0 fails, what was seen right after it
 * (the jobs it submitted, the states of those after the failed phase, status), then the same
 * command again with arrays of at most 3 tasks, which resumes and finishes. Made once, shared by
 * the test of a failing task and the test comparing Slurm's output with the local executor's:
 * each Slurm run is some 25 array tasks, each a process of its own on a loaded 2-core CI (the
 * Parquet test compares a run made in one go).
 */
interface FailedThenResumed {
  out: string;
  failed: { code: number; stderr: string };
  /** Whether _SUCCESS was there after the failed run. */
  finishedAfterFailure: boolean;
  jobs: Job[];
  laterStates: { id: string; state: string; reason: string }[];
  status: { code: number; stdout: string };
  again: { code: number; stderr: string };
  /** The jobs the rerun submitted (its jobs.json). */
  resubmitted: Job[];
}
let resumedRun: Promise<FailedThenResumed> | undefined;
function failedThenResumed(): Promise<FailedThenResumed> {
  resumedRun ??= (async () => {
    const { dir, recipe } = await setup();
    const out = join(dir, 'o');
    const args = ['run', recipe, '-o', out, ...TASKS, '--executor', 'slurm', '--time', '10'];
    // Phase 0 in one array: its tasks still running end before Slurm cancels the jobs after it
    // (afterok on the whole array), so status, right after, finds the run stopped.
    const failed = await runCli(args, { env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/1' } });
    const finishedAfterFailure = existsSync(join(out, '_SUCCESS'));
    const jobs = JSON.parse(await readFile(join(out, '_slurm', 'jobs.json'), 'utf8')) as Job[];
    const laterStates = states(jobs.filter((j) => j.phase !== 0).map((j) => j.id));
    const status = await runCli(['status', out]);
    // MaxArraySize 3 here: the 4 tasks of a later phase go out as two arrays.
    const again = await runCli(args, { env: { CORPUS_CLEAN_SLURM_MAX_ARRAY: '3' } });
    const resubmitted = JSON.parse(await readFile(join(out, '_slurm', 'jobs.json'), 'utf8')) as Job[];
    return { out, failed, finishedAfterFailure, jobs, laterStates, status, again, resubmitted };
  })();
  return resumedRun;
}

describe('run --executor slurm', () => {
  it.skipIf(SLURM)('Slurm tests skipped: set CORPUS_CLEAN_SLURM=1 with a cluster from ../shared/slurm/start-local.sh (.ci/run does)', () => {});

  it.runIf(SLURM)(
    'gives the same shards and rejects as the local executor, with arrays split beyond MaxArraySize (a run resumed after a failed task)',
    async () => {
      const { out, again, resubmitted } = await failedThenResumed();
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/read \d+ = written \d+ \+ rejected \d+/);
      expect(await runOutput(out)).toEqual(await runOutput(await localReference()));
      const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { tasks: unknown[] };
      expect(plan.tasks.length).toBe(4);
      // Phase 2 (the tasks after the paragraphs merge), all 4 of its tasks submitted by the rerun.
      expect(resubmitted.filter((j) => j.phase === 2).length).toBe(2);
      const script = await readFile(join(out, '_slurm', 'phase-0-tasks.sbatch'), 'utf8');
      expect(script).toMatch(/#SBATCH --time=10/);
      expect((await runCli(['status', out])).stdout).toMatch(/finished \(_SUCCESS\)/);
    },
    600_000,
  );

  it.runIf(SLURM)(
    'Parquet shards (output: {format: parquet}) byte-identical to the local executor\'s (new-user review 5 #12)',
    async () => {
      const { dir } = await setup();
      const recipe = join(dir, 'pq.yaml');
      // What is checked here is the Parquet output through Slurm's array tasks (the other tests
      // check the three global stages there): one global stage keeps the shards written by the
      // tasks of a later phase (a task's last segment, after exact dedup), in 4 phases where
      // RECIPE takes 9 (each a wave of array tasks, each task a process of its own).
      const stages = RECIPE.replace(/  - paragraphs: .*\n/, '').replace(/  - dedup: \{method: minhash.*\n/, '');
      expect(stages).toMatch(/stages:\n  - normalize: \{\}\n  - quality: \{preset: auto\}\n  - dedup: \{method: exact\}\noutput:/);
      await writeFile(recipe, stages.replace('output: {shard_records: 100, compression: gzip}', 'output: {format: parquet, shard_records: 100, row_group_size: 40}'));
      const local = await runCli(['run', recipe, '-o', join(dir, 'local'), ...TASKS, '--workers', '1', '-q']);
      expect(local.code, local.stderr).toBe(0);
      const slurm = await runCli(['run', recipe, '-o', join(dir, 'slurm'), ...TASKS, '--executor', 'slurm', '--time', '10']);
      expect(slurm.code, slurm.stderr).toBe(0);
      const out = await runOutput(join(dir, 'slurm'));
      expect(Object.keys(out).filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(1);
      expect(out).toEqual(await runOutput(join(dir, 'local')));
      // The shards were written after the global stage, by the tasks of its later phase.
      const plan = JSON.parse(await readFile(join(dir, 'slurm', '_plan.json'), 'utf8')) as { tasks: unknown[]; phases: { id: string }[] };
      expect(plan.tasks.length).toBe(4);
      expect(plan.phases.map((p) => p.id)).toEqual(['0-tasks', '1-dedup-partitions', '2-tasks']);
      expect(await readFile(join(dir, 'slurm', '_SUCCESS'), 'utf8')).toBe(await readFile(join(dir, 'local', '_SUCCESS'), 'utf8'));
    },
    600_000,
  );

  it.runIf(SLURM)(
    'a failing array task stops the chain with the task, its input and the reason; dependents are cancelled; the rerun resumes',
    async () => {
      const { out, failed: r, finishedAfterFailure, jobs, laterStates, status, again } = await failedThenResumed();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Slurm job \d+_1, task 1 of phase 0-tasks \(\S*fixtures\/sample\/licenses\.jsonl bytes \d+-\d+ \(from line \d+\)\), ended FAILED \(reason NonZeroExitCode, exit code 1:0\)/);
      expect(r.stderr).toMatch(/failing on purpose/);
      expect(finishedAfterFailure).toBe(false);
      expect(jobs.filter((j) => j.phase !== 0).length).toBeGreaterThan(0);
      for (const s of laterStates) {
        expect(s.state, s.id).toBe('CANCELLED');
        // Slurm's own cancel says DependencyNeverSatisfied; when it is slower than the driver's
        // 10 s wait (a loaded machine), the driver's scancel leaves the pending reason, Dependency.
        expect(s.reason, s.id).toMatch(/^Dependency(NeverSatisfied)?$/);
      }
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/FAILED \(reason NonZeroExitCode, exit code 1:0\)/);
      expect(status.stdout).toMatch(/not done: task 1 \(\S*fixtures\/sample\/licenses\.jsonl/);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/resuming the unfinished run/);
      expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
      expect(await runOutput(out)).toEqual(await runOutput(await localReference()));
    },
    600_000,
  );
});
