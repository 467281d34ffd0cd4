import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23b M2: `task` (the Slurm array tasks, and how to rerun one task by hand) and
// `merge` did not check the files the plan's stages read, as `run` does before a resume: a stage
// module (or a block list) edited after some units finished was run by `task`, and `merge`
// published the mix of both contents under _SUCCESS, exit 0.
describe('task and merge check the files the stages read against the plan', { timeout: 300_000 }, () => {
  let dir: string;
  const mod = (mode: string): string =>
    `const MODE = '${mode}';\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches, ctx) { for await (const b of batches) { if (process.env.THROW_ON === '1' && b.some((d) => String(d.data.text).includes('THROWME'))) throw new Error('boom'); yield b.filter((d) => (String(d.data.text).length % 3 === 0 ? (ctx.reject(d, 'mod3_' + MODE), false) : true)); } } }) };\n`;
  const run = ['run', 'r.yaml', '-i', 'in', '-o', 'out', '-w', '1', '--task-size', '1KiB'];
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir, 'in'));
    const lines = (f: string, n: number, mark?: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${i === mark ? 'THROWME ' : ''}record number ${i} of ${f}`, url: `https://${i % 2 === 0 ? 'a' : 'b'}.example/${i}` })).join('\n') + '\n';
    await writeFile(join(dir, 'in/a.jsonl'), lines('a', 40));
    await writeFile(join(dir, 'in/b.jsonl'), lines('b', 40, 5));
    await writeFile(join(dir, 'st.mjs'), mod('A'));
    await writeFile(join(dir, 'block.txt'), 'a.example\n');
    await writeFile(join(dir, 'r.yaml'), 'name: m2\nstages:\n  - url-filter:\n      block: [block.txt]\n  - module: ./st.mjs\nmax_reject_rate: 1\noutput: {compression: none}\n');
    // Stopped by the stage on in/b.jsonl: the units of in/a.jsonl are done, those of in/b.jsonl not.
    const first = await runCli(run, { cwd: dir, env: { THROW_ON: '1' } });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/stopped with 3 of 6 units done/);
  });

  it('task refuses a unit after the module changed, naming it as run does; with it put back the unit runs', async () => {
    await writeFile(join(dir, 'st.mjs'), mod('B'));
    const task = await runCli(['task', 'out', '--phase', '0', '--unit', '3'], { cwd: dir });
    expect(task.code, task.stderr).toBe(2);
    const refusal = `output folder 'out' holds an unfinished run, and a file its stages read changed since it began: the module of stage mine '${join(dir, 'st.mjs')}' (its content differs); its finished tasks used the old content, so it cannot be resumed`;
    expect(task.stderr).toContain(refusal);
    // The same words as run's refusal of a resume.
    const again = await runCli(run, { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(refusal);
    expect(existsSync(join(dir, 'out/_done/0-tasks/3'))).toBe(false);
    await writeFile(join(dir, 'st.mjs'), mod('A'));
    for (const unit of ['3', '4', '5']) {
      const ok = await runCli(['task', 'out', '--phase', '0', '--unit', unit], { cwd: dir });
      expect(ok.code, ok.stderr).toBe(0);
    }
  });

  it('merge refuses to publish when a block list differs from the plan, and publishes once it is put back', async () => {
    await writeFile(join(dir, 'block.txt'), 'b.example\n');
    const merge = await runCli(['merge', 'out'], { cwd: dir });
    expect(merge.code, merge.stderr).toBe(2);
    expect(merge.stderr).toContain(`a file its stages read changed since it began: the block file of url-filter '${join(dir, 'block.txt')}' (its content differs)`);
    expect(existsSync(join(dir, 'out/_SUCCESS'))).toBe(false);
    await writeFile(join(dir, 'block.txt'), 'a.example\n');
    const ok = await runCli(['merge', 'out'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/read 80 = written \d+ \+ rejected \d+ \[/);
    expect(ok.stderr).not.toContain('mod3_B');
    expect(existsSync(join(dir, 'out/_SUCCESS'))).toBe(true);
  });
});
