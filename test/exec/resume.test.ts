import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';
import { runOutput } from './helpers.js';

// The sample recipe over the bundled real slice (fixtures/sample), cut into a few tasks.
const SAMPLE = ['run', 'rules/recipes/sample.yaml', '--task-size', '200KB', '-q', '--workers', '2'];
const dirs: string[] = [];
const temp = async (): Promise<string> => {
  const d = await tempDir();
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('merge of a run folder', () => {
  it('a second merge of a finished run changes nothing; a merge whose task rejects are gone fails naming them', async () => {
    const dir = await temp();
    const out = join(dir, 'o');
    const r = await runCli([...SAMPLE, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const before = await runOutput(out);
    const stats = await readFile(join(out, '_stats.json'), 'utf8');
    expect(JSON.parse(stats).rejected).toBeGreaterThan(0);
    // By hand, or a requeued Slurm merge job: a no-op that says so, with the first merge's exit code.
    const again = await runCli(['merge', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/is a finished run \(_SUCCESS\): merged already, nothing changed/);
    expect(await runOutput(out)).toEqual(before);
    expect(await readFile(join(out, '_stats.json'), 'utf8')).toBe(stats);
    // Without _SUCCESS but with _work/ gone (a merge beside another one): the task rejects are
    // missing, so the merge fails naming them and leaves the merged rejects as they were.
    await rm(join(out, '_SUCCESS'));
    const lost = await runCli(['merge', out]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/the rejects of \d+ task segments are missing in .*_work\/stats\/00000\.0\.json \(task 0's stats\)/);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    expect({ ...(await runOutput(out)), _SUCCESS: undefined }).toEqual({ ...before, _SUCCESS: undefined });
  }, 300_000);
});
