import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handOutOrder } from '../../src/exec/local.js';
import { spillPath } from '../../src/exec/layout.js';
import type { Plan } from '../../src/exec/plan.js';
import { listSchedule, type Timeline } from '../../src/exec/timing.js';
import { DEFAULT_TASK_SIZE, defaultTaskSize, taskSizeFor } from '../../src/exec/plan.js';
import { runCli, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('where a run\'s time goes', () => {
  it('lays unit costs out on idle workers in hand-out order', () => {
    expect(listSchedule([4, 4, 4], 2)).toBe(8);
    expect(listSchedule([1, 1, 1, 5], 2)).toBe(6);
    // Largest first, the same units end sooner.
    expect(listSchedule([5, 1, 1, 1], 2)).toBe(5);
    expect(listSchedule([3, 2], 1)).toBe(5);
  });

  it('chooses the default task size from the input alone: about 32 tasks, 8 to 64 MiB', () => {
    const mib = 1024 * 1024;
    // bench/exec.ts's 514 MB: 31 tasks of 16 MiB, not 9 of 57 MB (64 MiB) whose last ran alone on 2 workers.
    expect(taskSizeFor(513_891_195)).toBe(16 * mib);
    expect(Math.ceil(513_891_195 / taskSizeFor(513_891_195))).toBe(31);
    expect(taskSizeFor(1e12)).toBe(64 * mib);
    expect(taskSizeFor(2 * 1024 * mib)).toBe(64 * mib);
    expect(taskSizeFor(100e6)).toBe(8 * mib);
    expect(taskSizeFor(0)).toBe(8 * mib);
  });

  it('keeps 64 MiB tasks for a recipe with paragraphs (a sketch per task, whatever its size)', async () => {
    const files = ['fixtures/sample/licenses.jsonl'];
    expect(await defaultTaskSize(['normalize', 'dedup'], files)).toBe(8 * 1024 * 1024);
    expect(await defaultTaskSize(['normalize', 'paragraphs', 'dedup'], files)).toBe(DEFAULT_TASK_SIZE);
  });

  it('hands out the largest task first: input bytes before a barrier, the spill after it', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const plan = {
      tasks: [{ file: 'a', bytes: 10 }, { file: 'b', bytes: 30 }, { file: 'c', bytes: 20 }, { file: 'd', bytes: 30 }],
      phases: [
        { id: '0-tasks', kind: 'tasks', segment: 0, units: 4 },
        { id: '1-dedup-partitions', kind: 'step', global: 0, step: 0, units: 3 },
        { id: '2-tasks', kind: 'tasks', segment: 1, units: 4 },
      ],
    } as unknown as Plan;
    expect(handOutOrder(dir, plan, 0, [0, 1, 2, 3])).toEqual([1, 3, 2, 0]);
    expect(handOutOrder(dir, plan, 0, [0, 2])).toEqual([2, 0]);
    expect(handOutOrder(dir, plan, 1, [2, 0, 1])).toEqual([2, 0, 1]);
    // After the barrier what a task kept decides: task 0 kept most.
    for (const [t, n] of [[0, 500], [1, 10], [2, 20], [3, 0]]) {
      await mkdir(join(spillPath(dir, 0, t), '..'), { recursive: true });
      await writeFile(spillPath(dir, 0, t), 'x'.repeat(n));
    }
    expect(handOutOrder(dir, plan, 2, [0, 1, 2, 3])).toEqual([0, 2, 1, 3]);
  });

  it('run puts its timeline in _stats.json: per phase wall, busy and CPU time, for 1 and 2 workers', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    for (const w of [1, 2]) {
      const out = join(dir, String(w));
      const r = await runCli(['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '-o', out, '--workers', String(w)]);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as Plan;
      const t = (JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as { executor: { timeline: Timeline } }).executor.timeline;
      expect(t.workers).toBe(w);
      expect(t.phases.map((p) => p.id)).toEqual(plan.phases.map((p) => p.id));
      expect(t.before_ms).toBeGreaterThan(0);
      // The calling thread is a worker: the other workers start beside its units, and the first phase begins at once.
      expect(t.workers_ready_ms > 0).toBe(w > 1);
      if (w > 1) expect(t.phases[0].start_ms).toBeLessThan(t.workers_ready_ms);
      for (const p of t.phases) {
        expect(p.ran).toBe(p.units);
        expect(p.busy_ms).toBeGreaterThanOrEqual(p.longest_ms);
        expect(p.cpu_ms).toBeGreaterThanOrEqual(0);
        expect(p.ideal_ms).toBeGreaterThanOrEqual(0);
        expect(p.start_ms + p.wall_ms).toBeLessThanOrEqual(t.total_ms + 1);
      }
      // One worker runs its units one after the other: busy is the phase's wall time.
      const tasks = t.phases[0];
      if (w === 1) expect(tasks.busy_ms).toBeLessThanOrEqual(tasks.wall_ms + 1);
      else expect(tasks.busy_ms).toBeLessThanOrEqual(2 * tasks.wall_ms + 1);
    }
  }, 300_000);
});
