import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 22 H4: what the accounting did not check of a stage of one's own (`- module:`).
// A stage emitting new records without `source` ended `balanced: true`, exit 0, _SUCCESS, while
// every input's own line said read N = written 0 + rejected 0; one setting `doc.data` to a
// non-object wrote lines `42` into shards under _SUCCESS.

const STAGE = `export default {
  name: 'mine', summary: 'a stage of ones own', options: { mode: { type: 'string', default: 'keep', doc: 'what it does' } },
  create: ({ mode }) => ({ name: 'mine', needsText: false, options: { mode }, async *run(batches) {
    let i = 0;
    for await (const b of batches) {
      if (mode === 'newdoc') yield b.map((d) => ({ data: { ...d.data, x: 1 }, attrs: {} }));
      else if (mode === 'elsewhere') yield b.map((d) => ({ data: d.data, attrs: {}, source: 'other.jsonl:1' }));
      else if (mode === 'withsource') yield b.map((d) => ({ data: { ...d.data, x: 1 }, attrs: {}, source: d.source }));
      else if (mode === 'nonobj') { for (const d of b) { const k = i++ % 4; if (k === 1) d.data = 42; else if (k === 2) d.data = null; else if (k === 3) d.data = ['a']; } yield b; }
      else yield b;
    }
  } }),
};
`;

const IN = Array.from({ length: 8 }, (_, i) => JSON.stringify({ text: `record number ${i} with a few words` })).join('\n') + '\n';

async function runMode(mode: string): Promise<{ code: number; stderr: string; out: string; dir: string }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'mine.mjs'), STAGE);
  await writeFile(join(dir, 'a.jsonl'), IN);
  await writeFile(join(dir, 'b.jsonl'), IN);
  await writeFile(join(dir, 'r.yaml'), `stages:\n  - module: ./mine.mjs\n    mode: ${mode}\nmax_reject_rate: 1\noutput: {compression: none}\n`);
  const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-i', 'b.jsonl', '-o', 'out', '-w', '1'], { cwd: dir });
  return { code: r.code, stderr: r.stderr, out: join(dir, 'out'), dir };
}

async function shardLines(out: string): Promise<string[]> {
  const names = (await readdir(out)).filter((n) => n.startsWith('part-')).sort();
  const text = (await Promise.all(names.map((n) => readFile(join(out, n), 'utf8')))).join('');
  return text.split('\n').filter((l) => l !== '');
}

describe('a stage of your own: the accounting checks each file, and a record must stay an object', () => {
  it('new records without a source: MISMATCH, exit 1, _FAILED, balanced false, the files named', async () => {
    const r = await runMode('newdoc');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("read 16 = written 16 + rejected 0 (MISMATCH: the totals add up but not file by file: 'a.jsonl' read 8 = written 0 + rejected 0, (no source) read 0 = written 16 + rejected 0, 'b.jsonl' read 8 = written 0 + rejected 0; ");
    expect(r.stderr).toContain('`source: doc.source`, which `{...doc}` does not copy');
    const names = await readdir(r.out);
    expect(names).toContain('_FAILED');
    expect(names).not.toContain('_SUCCESS');
    expect(JSON.parse(await readFile(join(r.out, '_stats.json'), 'utf8')).balanced).toBe(false);
  });

  it('records counted under a file that was not read: MISMATCH naming it', async () => {
    const r = await runMode('elsewhere');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("'other.jsonl' read 0 = written 16 + rejected 0");
    expect(await readdir(r.out)).toContain('_FAILED');
  });

  it('new records that keep their source: balanced, exit 0', async () => {
    const r = await runMode('withsource');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('MISMATCH');
    expect(JSON.parse(await readFile(join(r.out, '_stats.json'), 'utf8')).balanced).toBe(true);
    expect((await shardLines(r.out)).length).toBe(16);
  });

  it('data set to a number, null or a list: rejected as mine/not_object, never written', async () => {
    const r = await runMode('nonobj');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 16 = written 4 + rejected 12 [mine/not_object 12]');
    expect(r.stderr).not.toContain('MISMATCH');
    const lines = await shardLines(r.out);
    expect(lines.length).toBe(4);
    for (const l of lines) expect(l.startsWith('{')).toBe(true);
    const rejects = (await readFile(join(r.out, '_rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.stage, x.reason, x.source, x.record])).toEqual(
      expect.arrayContaining([
        ['mine', 'not_object', 'a.jsonl:2', 42],
        ['mine', 'not_object', 'a.jsonl:3', null],
        ['mine', 'not_object', 'a.jsonl:4', ['a']],
      ]),
    );
    expect(rejects.find((x) => x.source === 'a.jsonl:2').detail.problem).toBe("the stage set the record's data to a number, not a JSON object");
    expect(await readdir(r.out)).toContain('_SUCCESS');
  });
});
