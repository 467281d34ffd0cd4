import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23b C5: `task` (rerunning a unit by hand, as its --help offers) from another
// folder than the run's said its input was removed and advised --overwrite, which throws the
// finished units away: the plan's input paths are spelled from the folder the run was started in.
// task and merge now work from that folder (the Slurm executor's scripts start there). Also
// `--phase 0-tasks`, the name every message gives a phase, was refused.
describe('task and merge from another folder than the run was started in', { timeout: 300_000 }, () => {
  let dir: string;
  let undone: string[];
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir, 'proj'));
    await mkdir(join(dir, 'data'));
    const lines = (f: string, mark?: number): string => Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `${i === mark ? 'THROWME ' : ''}record number ${i} of ${f}` })).join('\n') + '\n';
    await writeFile(join(dir, 'data/a.jsonl'), lines('a'));
    await writeFile(join(dir, 'data/b.jsonl'), lines('b', 3));
    await writeFile(join(dir, 'proj/st.mjs'), "export default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches) { for await (const b of batches) { if (process.env.THROW_ON === '1' && b.some((d) => String(d.data.text).includes('THROWME'))) throw new Error('boom'); yield b; } } }) };\n");
    await writeFile(join(dir, 'proj/r.yaml'), 'name: c5\nstages:\n  - module: ./st.mjs\noutput: {compression: none}\n');
    const first = await runCli(['run', 'r.yaml', '-i', '../data', '-o', '../out', '-w', '1', '--task-size', '1KiB'], { cwd: join(dir, 'proj'), env: { THROW_ON: '1' } });
    expect(first.code, first.stderr).toBe(1);
    const status = await runCli(['status', 'out'], { cwd: dir });
    undone = [...status.stdout.matchAll(/not done: task (\d+) \(/g)].map((m) => m[1]);
    expect(undone.length, status.stdout).toBeGreaterThan(0);
  });

  it('task runs a unit of the plan from the parent folder, the phase given by its name or number', async () => {
    for (const [i, unit] of undone.entries()) {
      const r = await runCli(['task', 'out', '--phase', i === 0 ? '0-tasks' : '0', '--unit', unit], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`task ${unit} of phase 0-tasks \\(\\.\\./data/b\\.jsonl .*\\): done`));
    }
    const wrong = await runCli(['task', 'out', '--phase', '1-tasks', '--unit', '0'], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--phase must be 0 to 0 or a phase's name (0-tasks); got '1-tasks'");
  });

  it('merge from there publishes the run', async () => {
    const r = await runCli(['merge', 'out'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 120 = written 120 + rejected 0');
    expect(existsSync(join(dir, 'out/_SUCCESS'))).toBe(true);
  });
});
