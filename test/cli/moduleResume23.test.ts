import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// New-user review 23 B6b: the plan named a stage module by its path only, so a run stopped, its
// module edited, then run again resumed: finished tasks kept the old code's decisions, the rest got
// the new code's, under _SUCCESS. The module is code that decides, like a word list it reads.
describe('resuming a run whose stage module changed', { timeout: 300_000 }, () => {
  it('the plan holds the module by content; an edited module refuses the resume, naming it', async () => {
    const dir = await tempDir();
    const mod = (min: number): string => `export default { name: 'at-least', summary: 'drop short texts', options: {}, create: () => ({ name: 'at-least', async *run(batches, ctx) { for await (const b of batches) yield b.filter((d) => (String(d.data.text).length < ${min} ? (ctx.reject(d, 'short'), false) : true)); } }) };\n`;
    await writeFile(join(dir, 'm.mjs'), mod(10));
    await writeFile(join(dir, 'in.jsonl'), ['a short one', 'x', 'a somewhat longer text of words'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: m\ninput: [in.jsonl]\nstages:\n  - module: ./m.mjs\noutput: {compression: none}\n');
    const first = await runCli(['run', 'r.yaml', '-o', 'out', '--workers', '1'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const plan = JSON.parse(await readFile(join(dir, 'out/_plan.json'), 'utf8')) as { sideFiles?: { path: string; what: string }[] };
    expect(plan.sideFiles?.map((s) => s.what)).toEqual(['the module of stage at-least']);
    // As if killed before its end: no _SUCCESS. The same module: it resumes; an edited one: refused.
    await rm(join(dir, 'out/_SUCCESS'));
    await writeFile(join(dir, 'm.mjs'), mod(20));
    const again = await runCli(['run', 'r.yaml', '-o', 'out', '--workers', '1'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`a file its stages read changed since it began: the module of stage at-least '${join(dir, 'm.mjs')}' (its content differs)`);
  });
  it('with none of its units done, an edited module starts the run over (nothing ran the old code)', async () => {
    const dir = await tempDir();
    const mod = (body: string): string => `export default { name: 'thrower', summary: 'x', options: {}, create: () => ({ name: 'thrower', async *run(batches) { for await (const b of batches) { ${body} yield b; } } }) };\n`;
    await writeFile(join(dir, 'm.mjs'), mod("throw new Error('not yet');"));
    await writeFile(join(dir, 'in.jsonl'), ['one', 'two'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: m\ninput: [in.jsonl]\nstages:\n  - module: ./m.mjs\noutput: {compression: none}\n');
    const first = await runCli(['run', 'r.yaml', '-o', 'out', '--workers', '1'], { cwd: dir });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain('stopped before any unit finished: fix the stage, then run the same command to start it from its plan');
    await writeFile(join(dir, 'm.mjs'), mod(''));
    const again = await runCli(['run', 'r.yaml', '-o', 'out', '--workers', '1'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('none of its units done, and a file its stages read changed since it began');
    expect(again.stderr).toMatch(/read 2 = written 2 \+ rejected 0/);
  });
});
