import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 25 A1b: the accounting counted records, not which ones. A stage of one's own
// that left out one record (neither passed on nor rejected) and passed another on twice, the same
// object (an ordinary bug: a push in two branches), ended 'read 20 = written 20 + rejected 0',
// exit 0, _SUCCESS, one record lost; so did one that passed a record on and also rejected it.
describe("run: a stage of one's own that passes on or rejects one record twice", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `row ${i + 1} ` }) + '\n').join(''));
    // M=yield2: row 5 left out, row 7 pushed twice; M=rej2: row 5 left out, row 7 passed on and
    // rejected; M=hold: a record held over to a later batch and row 3 rejected (a stage that is right).
    await writeFile(
      join(dir, 'dup.mjs'),
      `const M = process.env.M;
export default { name: 'dup', summary: 's', options: {}, create: () => ({ name: 'dup', needsText: true, options: {}, async *run(batches, ctx) {
  let held;
  for await (const b of batches) {
    const out = [];
    for (const d of b) {
      const t = d.data.text;
      if (M === 'hold') {
        if (t === 'row 3 ') { ctx.reject(d, 'three'); continue; }
        if (held === undefined) { held = d; continue; }
        out.push(d);
        continue;
      }
      if (t === 'row 5 ') continue;
      out.push(d);
      if (t === 'row 7 ') { if (M === 'rej2') ctx.reject(d, 'twice'); else out.push(d); }
    }
    yield out;
  }
  if (held !== undefined) yield [held];
} }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'name: dup\nstages:\n  - module: ./dup.mjs\nmax_reject_rate: 1\n');
  });

  const gone = (p: string): Promise<boolean> => access(p).then(() => false, () => true);

  it('a record passed on twice fails the run naming the stage and the record; no _SUCCESS', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir, env: { M: 'yield2' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("stage dup (./dup.mjs, stages[0]) passed on the record a.jsonl:7 a second time");
    expect(await gone(join(dir, 'o1/_SUCCESS'))).toBe(true);
  });

  it('a record passed on and rejected fails the run the same way', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o2', '-w', '1'], { cwd: dir, env: { M: 'rej2' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("stage dup (./dup.mjs, stages[0]) passed on the record a.jsonl:7 a second time");
    expect(await gone(join(dir, 'o2/_SUCCESS'))).toBe(true);
  });

  it('a stage that holds a record over to a later batch and rejects another is not refused', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o3', '-w', '1'], { cwd: dir, env: { M: 'hold' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/read 20 = written 19 \+ rejected 1/);
  });
});
