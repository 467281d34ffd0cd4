import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 24 N10 (M1 for the files a module imports): a helper a stage module imports was
// hashed for the plan after the import, so one that changed while the run started was recorded
// with its new content while the run's process ran the old code, and a resume ran the new code
// beside units of the old (mixed output, _SUCCESS, exit 0). Now the run hashes the bytes it read
// before the import and refuses a plan that differs, and each process that imports the module (a
// worker, `task`) checks the files it imports against the plan before and after the import (as
// for the module itself, test/cli/moduleLoaded24.test.ts). The edit "in between" is made by the
// helper itself as it is imported (REWRITE_ON_IMPORT), so that the race is there every time.
describe('the files a module imports that a run records are the files its processes run', { timeout: 300_000 }, () => {
  let dir: string;
  const helper = `import { appendFileSync } from 'node:fs';\nexport const minLen = 8;\nif (process.env.REWRITE_ON_IMPORT === '1') appendFileSync(new URL(import.meta.url), '// edited as it was imported\\n');\n`;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(
      join(dir, 'st.mjs'),
      `import { minLen } from './lib/helper.mjs';\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches, ctx) { for await (const b of batches) { if (process.env.THROW_ON === '1' && b.some((d) => String(d.data.text).includes('THROWME'))) throw new Error('boom'); yield b.filter((d) => (String(d.data.text).length < minLen ? (ctx.reject(d, 'short'), false) : true)); } } }) };\n`,
    );
    const lines = (f: string, mark?: number): string => Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `${i === mark ? 'THROWME ' : ''}record number ${i} of ${f}` })).join('\n') + '\n';
    await writeFile(join(dir, 'a.jsonl'), lines('a'));
    await writeFile(join(dir, 'b.jsonl'), lines('b', 0));
    await writeFile(join(dir, 'r.yaml'), 'name: n10\nstages:\n  - module: ./st.mjs\noutput: {compression: none}\n');
  });
  beforeEach(async () => {
    await mkdir(join(dir, 'lib'), { recursive: true });
    await writeFile(join(dir, 'lib/helper.mjs'), helper);
  });

  it('run: a helper changed between its import and the plan: refused, naming it, nothing written', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir, env: { REWRITE_ON_IMPORT: '1' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`a file the module of stage mine imports '${join(dir, 'lib/helper.mjs')}' changed while the run was starting (after it was loaded, before the plan was written); nothing was written: run the same command again`);
    expect(existsSync(join(dir, 'o1/_plan.json'))).toBe(false);
  });

  it('task: a helper changed as the task imported it: the unit fails, not run with code the plan does not hold', async () => {
    const first = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-i', 'b.jsonl', '-o', 'o2', '-w', '1', '--task-size', '1KiB'], { cwd: dir, env: { THROW_ON: '1' } });
    expect(first.code, first.stderr).toBe(1);
    const m = /task (\d+) of phase 0-tasks \(b\.jsonl/.exec(first.stderr);
    expect(m, first.stderr).not.toBeNull();
    const task = await runCli(['task', 'o2', '--phase', '0', '--unit', m![1]], { cwd: dir, env: { REWRITE_ON_IMPORT: '1' } });
    expect(task.code, task.stderr).toBe(1);
    expect(task.stderr).toContain(`the module of stage mine '${join(dir, 'st.mjs')}' imports '${join(dir, 'lib/helper.mjs')}', which is not the file the run was planned with (its content changed since the run began)`);
    expect(existsSync(join(dir, `o2/_done/0-tasks/${m![1]}`))).toBe(false);
  });
});
