import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readChunks } from '../../src/io/readers/index.js';
import { chunked, drain, runCli, tempDir } from '../helpers/run.js';

// CSV damage (issue #10): a bad quote costs one line, never the rest of the file; records have a
// size limit; a truncated file, a missing header and duplicate header names are never silent.
async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

describe('CSV that is damaged or odd', () => {
  it('an unclosed quote at row 50 of 100,000 costs that one line; every other row is read (B2)', async () => {
    const lines = ['id,text', ...Array.from({ length: 100000 }, (_, i) => `${i},plain text number ${i} without any quote chars`)];
    lines[50] = '49,"opening quote never closed';
    const csv = lines.join('\n') + '\n';
    const dir = await tempDir();
    const r = await runCli(['cat', '--format', 'csv', '--rejects', join(dir, 'rej.jsonl'), '-q'], { input: csv });
    expect(r.code, r.stderr.slice(0, 500)).toBe(0);
    expect(r.stderr).toMatch(/read 100000 = written 99999 \+ rejected 1 /);
    const rej = JSON.parse(await readFile(join(dir, 'rej.jsonl'), 'utf8'));
    await rm(dir, { recursive: true, force: true });
    expect(rej).toMatchObject({ reason: 'csv_quote', source: '-:51', raw: '49,"opening quote never closed' });
    expect(r.stdout.trim().split('\n')).toHaveLength(99999);
  });

  it('a small file with an unclosed quote: one csv_quote reject, the rows after it read (S1)', async () => {
    const csv = 'id,text\n1,a\n2,b\n3,"c\n4,d\n5,e\n6,f\n7,g\n8,h\n9,i\n10,j\n';
    for (let size = 1; size <= 12; size++) {
      const d = await drain(readChunks('s.csv', chunked(Buffer.from(csv), size), 'csv'));
      expect(d.docs.map((x) => x.data.id)).toEqual(['1', '2', '4', '5', '6', '7', '8', '9', '10']);
      expect(d.rejects.map((x) => [x.reason, x.source, x.raw])).toEqual([['csv_quote', 's.csv:4', '3,"c']]);
      expect(d.read).toBe(10);
    }
  });

  it('a quoted field over lines is still one record, and a closed quote resynchronises', async () => {
    const csv = 'id,text\n1,"two\nlines"\n2,"a ""q"" b"\n3,"x"y\n';
    const d = await drain(readChunks('m.csv', once(Buffer.from(csv)), 'csv'));
    expect(d.docs.map((x) => x.data)).toEqual([{ id: '1', text: 'two\nlines' }, { id: '2', text: 'a "q" b' }, { id: '3', text: '"x"y' }]);
    expect(d.read).toBe(3);
  });

  it('records have a size limit like JSON Lines (S3)', async () => {
    const csv = 'id,text\n1,"' + 'x'.repeat(5000) + '"\n2,ok\n3,"' + 'yyyy\n'.repeat(3000) + '"\n4,fine\n';
    const d = await drain(readChunks('big.csv', once(Buffer.from(csv)), 'csv', { maxLineBytes: 4096 }));
    expect(d.docs.map((x) => x.data.id)).toEqual(['2', '4']);
    expect(d.rejects[0]).toMatchObject({ reason: 'line_too_long', source: 'big.csv:2', detail: { raw_truncated: true } });
    // The multi-line record over the limit: its first line is a csv_quote reject, the rest are read as rows.
    expect(d.rejects[1]).toMatchObject({ reason: 'csv_quote', source: 'big.csv:4' });
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('a truncated compressed CSV ends in an unverified reject with the partial row', async () => {
    const gz = gzipSync('id,text\n1,one\n2,two\n3,three and more text that is cut\n');
    const d = await drain(readChunks('t.csv.gz', once(gz.subarray(0, gz.length - 12)), 'csv'));
    expect(d.fileErrors).toHaveLength(1);
    // Never checked (the CRC is at the end): every row is an unverified reject, the partial one
    // unfinished (#10).
    const last = d.rejects.at(-1)!;
    expect(last).toMatchObject({ reason: 'unverified', detail: { unfinished: true } });
    expect(d.docs).toHaveLength(0);
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('a CSV without a header row says so: the first row is a csv_header reject, not silently eaten (S2)', async () => {
    const d = await drain(readChunks('h.csv', once(Buffer.from('1,first row text\n2,second row text\n')), 'csv'));
    expect(d.rejects[0]).toMatchObject({ reason: 'csv_header', source: 'h.csv:1', raw: '1,first row text' });
    expect(String(d.rejects[0].detail?.problem)).toMatch(/looks like data/);
    expect(d.read).toBe(2);
  });

  it('duplicate header names keep every column (S4)', async () => {
    const d = await drain(readChunks('d.csv', once(Buffer.from('text,text,id\na,b,1\n')), 'csv'));
    expect(d.docs.map((x) => x.data)).toEqual([{ text: 'a', text_2: 'b', id: '1' }]);
    expect(d.rejects.map((x) => x.reason)).toEqual(['csv_header']);
    expect(String(d.rejects[0].detail?.problem)).toMatch(/duplicate column 'text'/);
  });

  it('quoted texts of several lines with a comma on each stay one record each (hostile review 6 F16: a heuristic for F2 cut them into invented records)', async () => {
    let csv = 'id,text\n';
    for (let i = 0; i < 20; i++) csv += `${i},"Dear John, thanks for the letter ${i}.\nI read it twice, and smiled.\nThe weather is fine, mostly.\nWrite soon, friend.\nYours, Mary"\n`;
    const d = await drain(readChunks('p.csv', once(Buffer.from(csv)), 'csv'));
    expect(d.rejects).toEqual([]);
    expect(d.docs).toHaveLength(20);
    expect(d.docs[3].data).toEqual({ id: '3', text: 'Dear John, thanks for the letter 3.\nI read it twice, and smiled.\nThe weather is fine, mostly.\nWrite soon, friend.\nYours, Mary' });
  });

  it('a duplicate is renamed to a name the header does not hold already: text,text_2,text keeps all three values (hostile 6 F1)', async () => {
    const d = await drain(readChunks('d.csv', once(Buffer.from('text,text_2,text\na,b,c\n')), 'csv'));
    expect(d.docs.map((x) => x.data)).toEqual([{ text: 'a', text_2: 'b', text_3: 'c' }]);
    expect(d.rejects[0].detail).toMatchObject({ columns: ['text', 'text_2', 'text_3'] });
    expect(String(d.rejects[0].detail?.problem)).toMatch(/duplicate column 'text' \(read as 'text_3'\)/);
    const e = await drain(readChunks('e.csv', once(Buffer.from('a,a,a_2\n1,2,3\n')), 'csv'));
    expect(e.docs.map((x) => x.data)).toEqual([{ a: '1', a_3: '2', a_2: '3' }]);
  });
});

describe('inputs reached twice or spelled differently (I1, I4)', () => {
  it('a hard link is a second name: read once, said as same_as (hostile review 6 F5)', async () => {
    const { link, mkdir, writeFile } = await import('node:fs/promises');
    const { expandInputs } = await import('../../src/io/inputs.js');
    const dir = await tempDir();
    await mkdir(join(dir, 'hl'));
    await writeFile(join(dir, 'hl/a.jsonl'), '{"text":"one"}\n');
    await writeFile(join(dir, 'hl/c.jsonl'), '{"text":"one"}\n');
    await link(join(dir, 'hl/a.jsonl'), join(dir, 'hl/b.jsonl'));
    const skipped: Array<{ name: string; same_as?: string }> = [];
    expect(await expandInputs([join(dir, 'hl')], skipped)).toEqual([join(dir, 'hl/a.jsonl'), join(dir, 'hl/c.jsonl')]);
    expect(skipped).toMatchObject([{ name: join(dir, 'hl/b.jsonl'), same_as: join(dir, 'hl/a.jsonl') }]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a symlink loop reads each file once, and the order follows the names (absolute), not the link targets', async () => {
    const { mkdir, symlink, writeFile } = await import('node:fs/promises');
    const { expandInputs } = await import('../../src/io/inputs.js');
    const dir = await tempDir();
    await mkdir(join(dir, 'in/sub'), { recursive: true });
    await writeFile(join(dir, 'in/a.jsonl'), '{"text":"a"}\n');
    await writeFile(join(dir, 'in/sub/b.jsonl'), '{"text":"b"}\n');
    await symlink('..', join(dir, 'in/sub/up'));
    await symlink('sub', join(dir, 'in/loop1'));
    await symlink('a.jsonl', join(dir, 'in/link.jsonl'));
    const files = await expandInputs([join(dir, 'in')]);
    expect(files).toHaveLength(2);
    // 'zz' links to 'in': by name zz/a.jsonl sorts after in/sub/b.jsonl (hostile review 2 M3:
    // the sorted order of the names, as --help says; it was the order of the link targets).
    await symlink('in', join(dir, 'zz'));
    const order = await expandInputs([join(dir, 'zz/a.jsonl'), join(dir, 'in/sub/b.jsonl')]);
    expect(order).toEqual([join(dir, 'in/sub/b.jsonl'), join(dir, 'zz/a.jsonl')]);
    // Spelled relative and absolute, the same names sort the same (I4).
    const rel = (p: string): string => relative(process.cwd(), p);
    expect(await expandInputs([rel(join(dir, 'zz/a.jsonl')), join(dir, 'in/sub/b.jsonl')])).toEqual([join(dir, 'in/sub/b.jsonl'), rel(join(dir, 'zz/a.jsonl'))]);
    await rm(dir, { recursive: true, force: true });
  });
});
