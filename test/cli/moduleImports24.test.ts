import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23b C1: the plan kept the SHA-256 of the stage module alone: a helper module it
// imports, edited after some units finished, resumed silently with mixed output under _SUCCESS. The
// files a module imports by relative path (and those they import) are now kept too.
describe('the files a stage module imports are kept by content in the plan', { timeout: 300_000 }, () => {
  let dir: string;
  const run = ['run', 'r.yaml', '-i', 'in', '-o', 'out', '-w', '1', '--task-size', '1KiB'];
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await mkdir(join(dir, 'lib'));
    for (const f of ['a', 'b']) await writeFile(join(dir, `in/${f}.jsonl`), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `record number ${i} of ${f}` })).join('\n') + '\n');
    await writeFile(join(dir, 'lib/limits.mjs'), 'export const minLen = 8;\n');
    await writeFile(join(dir, 'helper.mjs'), "export { minLen } from './lib/limits.mjs';\n");
    await writeFile(join(dir, 'st.mjs'), "import { minLen } from './helper.mjs';\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches, ctx) { for await (const b of batches) yield b.filter((d) => (String(d.data.text).length < minLen ? (ctx.reject(d, 'short'), false) : true)); } }) };\n");
    await writeFile(join(dir, 'r.yaml'), 'name: c1\nstages:\n  - module: ./st.mjs\nmax_reject_rate: 1\noutput: {compression: none}\n');
    const first = await runCli(run, { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/1' } });
    expect(first.code, first.stderr).toBe(1);
  });

  it('a file imported two steps away edited after units finished: the resume is refused naming it, and status says so', async () => {
    await writeFile(join(dir, 'lib/limits.mjs'), 'export const minLen = 20;\n');
    const again = await runCli(run, { cwd: dir });
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain(`a file its stages read changed since it began: a file the module of stage mine imports '${join(dir, 'lib/limits.mjs')}' (its content differs)`);
    const s = await runCli(['status', 'out'], { cwd: dir });
    expect(s.stdout).toContain('not running, and the same command is refused: a file its stages read changed since it began (a file the module of stage mine imports');
  });

  it('put back as it was, the run resumes and finishes', async () => {
    await writeFile(join(dir, 'lib/limits.mjs'), 'export const minLen = 8;\n');
    const again = await runCli(run, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming the unfinished run in out: \d+ of \d+ units done/);
  });
});
