import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * A stage of one's own (`- module: ./x.mjs`) whose code throws (new-user review 22 A5): the error
 * names the stage, its module, its place in the recipe and the record; the advice is to fix the
 * stage, not a plain rerun that fails the same way; the stack only with CORPUS_CLEAN_DEBUG=1, which
 * the line names. The same where a worker builds the stages from the plan (`task`).
 */
describe('a stage of one\'s own that throws', () => {
  const lib = JSON.stringify(join(ROOT, 'dist/index.js'));
  const throwing = `import { docStage } from ${lib};\nexport default { name: 'boom', summary: 'throws', options: {}, create: () => docStage({ name: 'boom', apply: (doc) => { if (doc.data.text.includes('BOOM')) throw new Error('my bug'); } }) };\n`;
  const fixed = `import { docStage } from ${lib};\nexport default { name: 'boom', summary: 'fixed', options: {}, create: () => docStage({ name: 'boom', apply: () => undefined }) };\n`;

  async function setUp(): Promise<string> {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), ['one fine line', 'two fine lines', 'three fine lines'].map((text) => JSON.stringify({ text }) + '\n').join(''));
    await writeFile(join(dir, 'b.jsonl'), ['four fine lines', 'this one says BOOM', 'six fine lines'].map((text) => JSON.stringify({ text }) + '\n').join(''));
    await writeFile(join(dir, 'bad-stage.mjs'), throwing);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize\n  - module: ./bad-stage.mjs\noutput: {compression: none}\n');
    return dir;
  }

  {
    it('names the stage, its module and stages[i], and the record; says to fix the stage', async () => {
      const dir = await setUp();
      const args = ['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'out', '--workers', '1'];
      const r = await runCli(args, { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain("failed: stage boom (./bad-stage.mjs, stages[1]) threw on b.jsonl:2: Error: my bug (CORPUS_CLEAN_DEBUG=1 shows its stack)\n");
      expect(r.stderr).not.toMatch(/^\s+at /m);
      // With a unit finished (a.jsonl), it ran the stage's old code: fixed, the module differs and a resume is refused (B6b).
      // With units kept, both ways are said (new-user review 24 N3, session 25): the module fixed, --overwrite; a cause outside the code, the same command.
      expect(r.stderr).toMatch(/the run (stopped before any unit finished: fix the stage, then run the same command to start it from its plan|stopped; finished units are kept\. If you fix the stage in its module \(or a file it imports\), run the same command with --overwrite to start over: its finished units ran the module as it is now, and a resume after it changed is refused; if the cause was outside its code [^\n]*: it resumes)\n/);
      const kept = r.stderr.includes('finished units are kept');
      const s = await runCli(['status', 'out'], { cwd: dir });
      expect(s.stdout).toContain('threw on b.jsonl:2: Error: my bug');
      expect(s.stdout).toMatch(kept ? /If you fix the stage in its module \(or a file it imports\), run the command again with --overwrite to start over/ : /fix the stage it names, then run the same command again to start it from its plan/);
      // With CORPUS_CLEAN_DEBUG=1, where in the stage's code: its stack.
      const d = await runCli(args, { cwd: dir, env: { CORPUS_CLEAN_DEBUG: '1' } });
      expect(d.code, d.stderr).toBe(1);
      expect(d.stderr).toContain('threw on b.jsonl:2: Error: my bug\nError: my bug\n');
      expect(d.stderr).toMatch(/ at apply \(file:\/\/.*bad-stage\.mjs:\d+:\d+\)/);
      // Fixed, the same command finishes the run (with --overwrite when a unit had finished with the old code).
      await writeFile(join(dir, 'bad-stage.mjs'), fixed);
      if (kept) {
        const refused = await runCli(args, { cwd: dir });
        expect(refused.code, refused.stderr).toBe(2);
        expect(refused.stderr).toContain("the module of stage boom");
      }
      const again = await runCli(kept ? [...args, '--overwrite'] : args, { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/read 6 = written 6 \+ rejected 0/);
    });
  }

  // A worker process, a Slurm task: the stage comes from the plan (registerModules), named the same way.
  it('the same from `task`, which builds the stages from the plan', async () => {
    const dir = await setUp();
    const empty = await tempDir();
    // No sbatch on PATH: the plan is made, nothing submitted.
    const r = await runCli(['run', 'r.yaml', '-i', 'b.jsonl', '-o', 'out', '--executor', 'slurm'], { cwd: dir, env: { PATH: empty } });
    expect(r.stderr).toContain('sbatch');
    const t = await runCli(['task', 'out', '--phase', '0', '--unit', '0'], { cwd: dir });
    expect(t.code, t.stderr).toBe(1);
    expect(t.stderr).toContain('corpus-clean task: error: stage boom (./bad-stage.mjs, stages[1]) threw on b.jsonl:2: Error: my bug (CORPUS_CLEAN_DEBUG=1 shows its stack)\n');
  });

  it('a stage that implements run itself: its batch is named; what the stage before it threw stays that stage\'s', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'b.jsonl'), ['four', 'BOOM', 'six'].map((text) => JSON.stringify({ text }) + '\n').join(''));
    const gen = (name: string, body: string): string =>
      `export default { name: '${name}', summary: 'x', options: {}, create: () => ({ name: '${name}', needsText: false, options: {}, async *run(batches) { ${body} } }) };\n`;
    await writeFile(join(dir, 'first.mjs'), gen('first', "for await (const b of batches) { if (b.some((d) => d.data.text === 'BOOM')) throw new TypeError('cannot read x'); yield b; }"));
    await writeFile(join(dir, 'second.mjs'), gen('second', 'for await (const b of batches) yield b;'));
    await writeFile(join(dir, 'late.mjs'), gen('late', "for await (const b of batches) yield b; throw new Error('at the end');"));
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./first.mjs\n  - module: ./second.mjs\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'b.jsonl', '-o', 'out', '--workers', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('failed: stage first (./first.mjs, stages[0]) threw on one of the 3 records of its batch b.jsonl:1 .. b.jsonl:3: TypeError: cannot read x (CORPUS_CLEAN_DEBUG=1 shows its stack)\n');
    expect(r.stderr).not.toContain('stage second');
    await writeFile(join(dir, 'r2.yaml'), 'stages:\n  - module: ./second.mjs\n  - module: ./late.mjs\n  - module: ./second.mjs\n');
    const late = await runCli(['run', 'r2.yaml', '-i', 'b.jsonl', '-o', 'out2', '--workers', '1'], { cwd: dir });
    expect(late.code, late.stderr).toBe(1);
    expect(late.stderr).toContain('failed: stage late (./late.mjs, stages[1]) threw on no record (after its last batch, which ended with b.jsonl:3): Error: at the end');
  });
});
