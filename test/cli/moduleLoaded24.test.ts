import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23b M1: a stage module was imported before the plan hashed it: edited in
// between, the plan kept the new file's SHA-256 while the run's process ran the old code, and the
// tasks that imported it later ran whatever was on disk then. Now the run hashes the bytes it read
// before the import and refuses a plan that differs, and each process that imports the module
// (a worker, `task`) checks it against the plan's SHA-256 before and after the import. The edit
// "in between" is made by the module itself, as it is imported (REWRITE_ON_IMPORT), so that the
// race is there every time.
describe('the module a run records is the module its processes run', { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(
      join(dir, 'self.mjs'),
      `import { appendFileSync } from 'node:fs';\nif (process.env.REWRITE_ON_IMPORT === '1') appendFileSync(new URL(import.meta.url), '// edited as it was imported\\n');\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches) { for await (const b of batches) { if (process.env.THROW_ON === '1' && b.some((d) => String(d.data.text).includes('THROWME'))) throw new Error('boom'); yield b; } } }) };\n`,
    );
    const lines = (f: string, mark?: number): string => Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `${i === mark ? 'THROWME ' : ''}record number ${i} of ${f}` })).join('\n') + '\n';
    await writeFile(join(dir, 'a.jsonl'), lines('a'));
    await writeFile(join(dir, 'b.jsonl'), lines('b', 0));
    await writeFile(join(dir, 'r.yaml'), 'name: m1\nstages:\n  - module: ./self.mjs\noutput: {compression: none}\n');
  });

  it('run: the module changed between its import and the plan: refused, nothing written', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir, env: { REWRITE_ON_IMPORT: '1' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the module of stage mine '${join(dir, 'self.mjs')}' changed while the run was starting (after it was loaded, before the plan was written); nothing was written: run the same command again`);
    expect(existsSync(join(dir, 'o1/_plan.json'))).toBe(false);
  });

  it('task: the module changed as the task imported it: the unit fails, not run with code the plan does not hold', async () => {
    const first = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-i', 'b.jsonl', '-o', 'o2', '-w', '1', '--task-size', '1KiB'], { cwd: dir, env: { THROW_ON: '1' } });
    expect(first.code, first.stderr).toBe(1);
    const m = /task (\d+) of phase 0-tasks \(b\.jsonl/.exec(first.stderr);
    expect(m, first.stderr).not.toBeNull();
    const task = await runCli(['task', 'o2', '--phase', '0', '--unit', m![1]], { cwd: dir, env: { REWRITE_ON_IMPORT: '1' } });
    expect(task.code, task.stderr).toBe(1);
    expect(task.stderr).toContain(`the module of stage mine '${join(dir, 'self.mjs')}' is not the one the run was planned with (its content changed since the run began)`);
    expect(existsSync(join(dir, `o2/_done/0-tasks/${m![1]}`))).toBe(false);
  });
});
