import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 7 #7: an input record's own `attrs` field was replaced without a word when it was
// not an object, and a Parquet input's `attrs` (an earlier command's signals) was replaced by the
// new stage's signals instead of joined (only JSONL carried it over).
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const EN = [
  'The quick brown fox jumps over the lazy dog, and then it runs far away into the deep forest.',
  'Another line of English prose that is long enough for the language detector to judge it well.',
  'A third record of plain English prose that carries no attrs field at all, as most records do.',
];

describe("an input record's own attrs", { timeout: 120_000 }, () => {
  it('a string or list under attrs is rejected as read/attrs_not_object, an object gets the signals beside its keys, null is none', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const lines = [
      { text: EN[0], attrs: { source: 'mine', score: 3 } },
      { text: EN[1], attrs: 'a string' },
      { text: EN[2], attrs: null },
      { text: EN[2] + ' Again.', attrs: ['x'] },
    ];
    await writeFile(join(dir, 'in.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await runCli(['langid', 'in.jsonl', '--keep', 'en', '-o', 'out.jsonl', '--rejects', 'rej.jsonl', '--max-reject-rate', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 4 = written 2 + rejected 2 [read/attrs_not_object 2]');
    const out = (await readFile(join(dir, 'out.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out[0].attrs).toMatchObject({ source: 'mine', score: 3, lang: 'en' });
    expect(out[1].attrs).toMatchObject({ lang: 'en' });
    const rej = (await readFile(join(dir, 'rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rej.map((x) => [x.reason, x.record.attrs])).toEqual([['attrs_not_object', 'a string'], ['attrs_not_object', ['x']]]);
  });

  it("a Parquet input's attrs (an earlier command's signals) are joined by the next stage's, not replaced", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'in.jsonl'), EN.map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
    const a = await runCli(['langid', 'in.jsonl', '-o', 'l.parquet'], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['quality', 'l.parquet', '--tag-only', '-o', 'p.jsonl'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const out = (await readFile(join(dir, 'p.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(3);
    for (const o of out) expect(o.attrs).toMatchObject({ lang: 'en', quality: { preset: 'web-en' } });
  });
});
