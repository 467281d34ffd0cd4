import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/exec/plan.js';
import { runCli, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('task run before its earlier phases are done (review-hostile5 F14)', () => {
  it('is refused, naming the phase and how many units are not done, and un-marks nothing', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const out = join(dir, 'run');
    // The run stops in phase 2: phases 0 and 1 are done, 2 is not.
    const stop = await runCli(['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '-o', out, '--workers', '2'], { env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/0' } });
    expect(stop.code, stop.stderr).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as Plan;
    expect(plan.phases[2].id).toBe('2-tasks');
    const done = async (): Promise<string[][]> => Promise.all(plan.phases.map((p) => readdir(join(out, '_done', p.id)).catch(() => [] as string[])));
    const before = await done();
    expect(before[0].length).toBe(plan.phases[0].units);
    expect(before[2].length).toBeLessThan(plan.phases[2].units);
    const t = await runCli(['task', out, '--phase', '3', '--unit', '0']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/phase 2-tasks: \d+ of \d+ units not done/);
    expect(t.stderr).toMatch(/nothing was changed/);
    expect(t.stderr).not.toMatch(/un-marked|damaged/);
    expect(await done()).toEqual(before);
    // The run resumes and finishes.
    const again = await runCli(['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '-o', out, '--workers', '2']);
    expect(again.code, again.stderr).toBe(0);
    // The finished run, given where a command would change it (hostile review 7 F15, F17).
    const finished = (await readdir(out)).sort();
    // task by hand on a unit whose marker is gone: refused before touching anything (it removed a published shard).
    const last = plan.phases.length - 1;
    const marker = join(out, '_done', plan.phases[last].id, (await readdir(join(out, '_done', plan.phases[last].id)))[0]);
    await rm(marker);
    const t2 = await runCli(['task', out, '--phase', String(last), '--unit', String(Number(marker.slice(-5)))]);
    expect(t2.code, t2.stderr).toBe(2);
    expect(t2.stderr).toContain("is a finished run (its _SUCCESS): its units were merged and their work removed");
    expect(t2.stderr).toContain('nothing was changed');
    // dedup-disk --work naming it: said to be a run's folder, without the --overwrite advice that cannot help.
    const dd = await runCli(['dedup-disk', 'fixtures/sample', '--work', out, '-o', join(dir, 'dz.jsonl'), '--overwrite', '-q']);
    expect(dd.code, dd.stderr).toBe(2);
    expect(dd.stderr).toContain("is the output folder of a finished 'corpus-clean run' (recipe 'sample'), not a dedup-disk work folder; give a new folder for --work");
    expect(dd.stderr).not.toContain('pass --overwrite');
    expect((await readdir(out)).sort()).toEqual(finished);
  }, 300_000);
});
