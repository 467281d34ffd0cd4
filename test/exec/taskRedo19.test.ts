import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';
import { runOutput } from './helpers.js';

// fix18's leftover: `corpus-clean task` (a Slurm array task) failed on damage it found in _work/
// ("run the same command again") where `run` redoes it in the same call. It now redoes damage of
// its own task's files (a spill its earlier segment wrote): no other array task reads those.
const SAMPLE = ['run', 'rules/recipes/sample.yaml', '--task-size', '200KB', '-q', '--workers', '1'];

describe('task over a spill of its own task that is damaged', () => {
  it('redoes its task in the earlier phases, then its unit, in the same call; the run then merges byte-identical', async () => {
    const dir = await tempDir();
    const ref = join(dir, 'ref');
    expect((await runCli([...SAMPLE, '-o', ref])).code).toBe(0);
    const out = join(dir, 'o');
    // Task 1 of the last phase fails in the run: its spill from phase 2 is there, unread.
    const stopped = await runCli([...SAMPLE, '-o', out], { env: { CORPUS_CLEAN_FAIL_UNIT: '5-tasks/1' } });
    expect(stopped.code, stopped.stderr).toBe(1);
    const spill = join(out, '_work', 'spill', '1', '00001.jsonl');
    const half = await readFile(spill);
    await writeFile(spill, half.subarray(0, Math.floor(half.length / 2)));
    const task = await runCli(['task', out, '--phase', '5', '--unit', '1']);
    expect(task.code, task.stderr).toBe(0);
    expect(task.stderr).not.toMatch(/Error: |\n\s+at /);
    expect(task.stderr).toMatch(/^corpus-clean task: warning: .*spill .*_work\/spill\/1\/00001\.jsonl is damaged: .*; it was removed and task 1 of phases 0-tasks, 2-tasks un-marked, so that the run redoes it\ncorpus-clean task: redoing it now, in this task\ncorpus-clean task: task 1 of phase 5-tasks .*: done in /);
    // The other tasks of the last phase (the run stopped at task 1, with one worker), as their array tasks would.
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { phases: { units: number }[] };
    for (let u = 0; u < plan.phases[5].units; u++) expect((await runCli(['task', out, '--phase', '5', '--unit', String(u)])).code).toBe(0);
    const merge = await runCli(['merge', out]);
    expect(merge.code, merge.stderr).toBe(0);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
});
