import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * `run` with a stage of one's own that stops taking records before its input ends (hostile review
 * 23b M3): it finished 'read 4728 = written 4728', exit 0, _SUCCESS, with most of the input never
 * read. Now the task fails naming the stage, its module and stages[i], the last record it took and
 * where reading stopped; the stopped line says how much of the input was gone through.
 */
describe("run: a stage of one's own that stops taking records", () => {
  let dir = '';
  const gen = (name: string, body: string): string =>
    `export default { name: '${name}', summary: 'x', options: {}, create: () => ({ name: '${name}', needsText: false, options: {}, async *run(batches) { ${body} } }) };\n`;

  beforeAll(async () => {
    dir = await tempDir();
    // ~3.1 MB: several reader batches (about 1 MB each).
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'x'.repeat(240) }) + '\n';
    await writeFile(join(dir, 'big.jsonl'), Array.from({ length: 12_000 }, (_, i) => line(i)).join(''));
    await writeFile(join(dir, 'part.mjs'), gen('part', 'let i = 0; for await (const b of batches) { yield b; if (++i >= 1) return; }'));
    await writeFile(join(dir, 'never.mjs'), gen('never', ''));
    await writeFile(join(dir, 'rpart.yaml'), 'stages:\n  - normalize\n  - module: ./part.mjs\n');
    await writeFile(join(dir, 'rnever.yaml'), 'stages:\n  - module: ./never.mjs\n');
  });

  it('-w 1: exit 1, the stage and where reading stopped named, no _SUCCESS', async () => {
    const r = await runCli(['run', 'rpart.yaml', '-i', 'big.jsonl', '-o', 'out1', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/failed: stage part \(\.\/part\.mjs, stages\[1\]\) stopped taking records before the end of its input \(it ended after big\.jsonl:(\d+), the last record it was given\): the input from big\.jsonl:\d+ on was not read \(\d+ records, \d\.\d MB read before it\)/);
    expect(r.stderr).toMatch(/stopped with 0 of 1 unit done; when the failure came, the run's tasks had read at least .* of 3\.1 MB of input\)/);
    expect(r.stderr).toContain('fix the stage, then run the same command');
    expect(existsSync(join(dir, 'out1/_SUCCESS'))).toBe(false);
  });

  it('a stage that never reads its input: refused with --allow-empty too', async () => {
    const r = await runCli(['run', 'rnever.yaml', '-i', 'big.jsonl', '-o', 'out2', '-w', '1', '--allow-empty'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('failed: stage never (./never.mjs, stages[0]) stopped taking records before the end of its input (it ended before it took any record): the input from big.jsonl:1 on was not read (nothing was read before it)');
    expect(existsSync(join(dir, 'out2/_SUCCESS'))).toBe(false);
  });

  it('-w 2 over byte-range tasks: exit 1, named the same way', async () => {
    const r = await runCli(['run', 'rpart.yaml', '-i', 'big.jsonl', '-o', 'out3', '-w', '2', '--task-size', '2MB'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/failed: stage part \(\.\/part\.mjs, stages\[1\]\) stopped taking records before the end of its input \(it ended after big\.jsonl:\d+, the last record it was given\): the input from big\.jsonl:\d+ on was not read/);
    expect(existsSync(join(dir, 'out3/_SUCCESS'))).toBe(false);
  });
});
