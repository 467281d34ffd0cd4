import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23b C2: status advised 'run the same command again to resume' after the stage
// module changed, which run refuses. C6: after a stop with none of its units done, a changed module
// started over while a changed recipe was refused ('--overwrite loses no work'). One rule now
// (exec/folder.ts resumeRule), used by run and told by status: with units done, either change is
// refused; with none done, either starts over, with a note.
describe('status and run tell the same resume rule', { timeout: 300_000 }, () => {
  let dir: string;
  const mod = (mode: string): string => `const MODE = '${mode}';\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches, ctx) { for await (const b of batches) yield b.filter((d) => (String(d.data.text).length % 3 === 0 ? (ctx.reject(d, 'mod3_' + MODE), false) : true)); } }) };\n`;
  const recipe = (form: string): string => `name: c2\nstages:\n  - normalize:\n      unicode: ${form}\n  - module: ./st.mjs\nmax_reject_rate: 1\noutput: {compression: none}\n`;
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir, 'in'));
    for (const f of ['a', 'b']) await writeFile(join(dir, `in/${f}.jsonl`), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `record number ${i} of ${f}` })).join('\n') + '\n');
    await writeFile(join(dir, 'st.mjs'), mod('A'));
    await writeFile(join(dir, 'r.yaml'), recipe('NFC'));
  });

  it('units done, then the module changed: status says the same command is refused and gives the --overwrite one', async () => {
    const run = ['run', 'r.yaml', '-i', 'in', '-o', 'out', '-w', '1', '--task-size', '1KiB'];
    const first = await runCli(run, { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/1' } });
    expect(first.code, first.stderr).toBe(1);
    await writeFile(join(dir, 'st.mjs'), mod('B'));
    const s = await runCli(['status', 'out'], { cwd: dir });
    expect(s.stdout).toContain(`not running, and the same command is refused: a file its stages read changed since it began (the module of stage mine '${join(dir, 'st.mjs')}' (its content differs)) and its finished units used the old content; put the file back as it was to resume, or run the command again with --overwrite to start over (its finished units are removed):\n`);
    expect(s.stdout).toMatch(/--task-size 1KiB --overwrite\n$/);
    expect(s.stdout).not.toContain('run the same command again');
    const refused = await runCli(run, { cwd: dir });
    expect(refused.code).toBe(2);
    // The module back, the recipe edited instead: refused as well, and said so.
    await writeFile(join(dir, 'st.mjs'), mod('A'));
    await writeFile(join(dir, 'r.yaml'), recipe('NFKC'));
    const s2 = await runCli(['status', 'out'], { cwd: dir });
    expect(s2.stdout).toContain("not running, and the same command is refused: its recipe 'r.yaml' changed since the run began (the recipe's stages differ from stage 1 on");
    await writeFile(join(dir, 'r.yaml'), recipe('NFC'));
  });

  it('none done, then the recipe changed: status says the same command starts over, and run does, with a note', async () => {
    const run = ['run', 'r.yaml', '-i', 'in', '-o', 'out2', '-w', '1'];
    const first = await runCli(run, { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(first.code, first.stderr).toBe(1);
    await writeFile(join(dir, 'r.yaml'), recipe('NFKC'));
    const s = await runCli(['status', 'out2'], { cwd: dir });
    expect(s.stdout).toContain("not running: none of its units is done, and its recipe 'r.yaml' changed since the run began (the recipe's stages differ from stage 1 on");
    expect(s.stdout).toMatch(/: the same command starts it over \(nothing used the old one\):\n {4}corpus-clean run r\.yaml -i in -o out2 -w 1\n$/);
    // Both excerpts in one key order, around what differs (C6, cosmetic: the given option came first in one).
    expect(s.stdout).toMatch(/\(was \.\.\.[^)]*"unicode":"NFC","zeroWidth":true[^)]*, now \.\.\.[^)]*"unicode":"NFKC","zeroWidth":true/);
    const again = await runCli(run, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("note: 'out2' holds an unfinished run with none of its units done, and its recipe, inputs or settings differ (the recipe's stages differ from stage 1 on");
    expect(again.stderr).toMatch(/read 80 = written \d+ \+ rejected \d+/);
  });
});
