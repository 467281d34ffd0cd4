import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readChunks, readFiles } from '../../src/io/readers/index.js';
import { expandInputs } from '../../src/io/inputs.js';
import { chunked, drain, ROOT, tempDir } from '../helpers/run.js';

const records = [
  { id: 1, text: 'plain ascii' },
  { id: 2, text: '中文文本，带标点。' },
  { id: 3, text: 'emoji 😀 and é' },
  { id: 4, content: 'content field' },
];
const jsonl = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');

describe('JSONL reader', () => {
  for (let size = 1; size <= 12; size++) {
    it(`reads the same records at chunk size ${size}`, async () => {
      const d = await drain(readChunks('t.jsonl', chunked(jsonl, size), 'jsonl'));
      expect(d.docs.map((x) => x.data)).toEqual(records);
      expect(d.docs.map((x) => x.source)).toEqual(['t.jsonl:1', 't.jsonl:2', 't.jsonl:3', 't.jsonl:4']);
      expect(d.read).toBe(4);
      expect(d.bytes).toBe(jsonl.length);
    });
  }

  it('decodes gzip and zstd by their magic bytes, whatever the chunk size', async () => {
    const gz = gzipSync(jsonl);
    const zst = execFileSync('zstd', ['-c', '-q'], { input: jsonl });
    for (const [name, buf] of [['x.gz', gz], ['x.zst', zst]] as const) {
      for (const size of [1, 5, 12, 1 << 16]) {
        const d = await drain(readChunks(name, chunked(buf, size), 'jsonl'));
        expect(d.docs.map((x) => x.data)).toEqual(records);
        expect(d.fileErrors).toEqual([]);
      }
    }
  });

  it('turns each kind of bad line into a reject with its reason and line number, and keeps the rest', async () => {
    const d = await drain(readFiles([join(ROOT, 'fixtures/bad-input/bad.jsonl')]));
    const reasons = d.rejects.map((r) => [r.reason, r.source.replace(/^.*:/, '')]);
    expect(reasons).toEqual([
      ['blank_line', '3'],
      ['json_parse', '4'],
      ['invalid_utf8', '5'],
      ['not_object', '6'],
      ['blank_line', '10'],
      ['not_object', '12'],
    ]);
    expect(d.docs.map((x) => x.data.id)).toEqual([1, 2, 7, 8, 9, 11, 13, 14]);
    expect(d.docs[0].data.text).toBe('BOM at the start of the file');
    expect(d.docs[1].data.text).toBe('CRLF line end');
    expect(d.read).toBe(14);
    const bad = d.rejects.find((r) => r.reason === 'invalid_utf8')!;
    expect(Buffer.from(bad.raw_base64!, 'base64').includes(Buffer.from([0xff, 0xfe]))).toBe(true);
    expect(d.rejects.find((r) => r.reason === 'json_parse')!.raw).toBe('{"id": 4, "text": "malformed", }');
  });

  it('a truncated .gz: the lines before the damage are unverified rejects, in order, and the file is reported', async () => {
    const many = Buffer.from(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, text: `record ${i} `.repeat(20) })).join('\n') + '\n');
    const gz = gzipSync(many);
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const d = await drain(readChunks('cut.jsonl.gz', chunked(cut, 4096), 'jsonl'));
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].file).toBe('cut.jsonl.gz');
    // Never checked (the CRC is at the end): each line is an unverified reject with its raw text,
    // in order, the partial last one too (#10); none is a record.
    expect(d.docs).toHaveLength(0);
    const raws = d.rejects.map((r) => r.raw!);
    expect(raws.length).toBeGreaterThan(500);
    expect(new Set(d.rejects.map((r) => r.reason))).toEqual(new Set(['unverified']));
    expect(raws.slice(0, -1).map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: raws.length - 1 }, (_, i) => i));
    expect(d.rejects.at(-1)!.detail).toMatchObject({ unfinished: true });
    expect(d.read).toBe(d.rejects.length);
  });

  it('keeps every record of a .gz followed by garbage, and reports the file', async () => {
    const dir = await tempDir();
    const many = Buffer.from(Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, text: `g ${i}` })).join('\n') + '\n');
    const file = join(dir, 'trail.jsonl.gz');
    await writeFile(file, Buffer.concat([gzipSync(many), Buffer.from('garbage\n')]));
    const d = await drain(readFiles([file]));
    expect(d.docs).toHaveLength(3000);
    expect(d.fileErrors).toHaveLength(1);
  });

  it('keeps the lines before a corrupt block in a .gz file, as unverified rejects (zlib drops them; the salvage decoder does not)', async () => {
    const dir = await tempDir();
    const many = Buffer.from(Array.from({ length: 60000 }, (_, i) => JSON.stringify({ i, text: `record number ${i} ${'abc '.repeat(i % 7)}` })).join('\n') + '\n');
    const good = Buffer.from(gzipSync(many));
    // Damage that zlib finds in the deflate data (not only through the CRC at the end, which holds
    // back everything the CRC covers: damaged.test.ts C4).
    let gz = good;
    for (let at = good.length >> 1; ; at += 13) {
      gz = Buffer.from(good);
      for (let k = at; k < at + 200; k++) gz[k] ^= 0x5a;
      const error = (() => {
        try {
          gunzipSync(gz);
          return '';
        } catch (e) {
          return (e as Error).message;
        }
      })();
      if (error !== '' && !/incorrect data check|incorrect length check/.test(error)) break;
    }
    const file = join(dir, 'corrupt.jsonl.gz');
    await writeFile(file, gz);
    const d = await drain(readFiles([file]));
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].message).not.toMatch(/incorrect data check/);
    // Every line decoded before the damage comes out in order, as an unverified reject (#10: never
    // checked, the CRC is at the end); damaged lines are rejects, not lost.
    expect(d.docs).toHaveLength(0);
    const idOf = (raw: string): number => {
      try {
        return JSON.parse(raw).i as number;
      } catch {
        return -1; // a line the damage changed
      }
    };
    const ids = d.rejects.filter((r) => r.reason === 'unverified').map((r) => idOf(r.raw!));
    const prefix = ids.findIndex((v, k) => v !== k);
    expect(prefix === -1 ? ids.length : prefix).toBeGreaterThan(20000);
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('a truncated .zst: the lines before the damage are unverified rejects, in order', async () => {
    // zstd decoders can only hand out whole blocks (128 KiB), so the input spans many.
    const many = Buffer.from(Array.from({ length: 100000 }, (_, i) => JSON.stringify({ i, text: `zstd ${i}` })).join('\n') + '\n');
    const zst = execFileSync('zstd', ['-c', '-q'], { input: many });
    const d = await drain(readChunks('cut.jsonl.zst', chunked(zst.subarray(0, zst.length - 50), 4096), 'jsonl'));
    expect(d.fileErrors).toHaveLength(1);
    // The frame's checksum is never read: its lines are unverified rejects, in order (#10).
    expect(d.docs).toHaveLength(0);
    const ids = d.rejects.filter((r) => r.detail === undefined).map((r) => JSON.parse(r.raw!).i as number);
    expect(ids.length).toBeGreaterThan(90000);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i));
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('rejects a line of tens of MB over the limit without holding it, and reads a long line under it', async () => {
    const huge = 'y'.repeat(30 << 20);
    const buf = Buffer.from(JSON.stringify({ text: huge }) + '\n' + JSON.stringify({ text: 'next' }) + '\n');
    const over = await drain(readChunks('big.jsonl', chunked(buf, 1 << 20), 'jsonl', { maxLineBytes: 8 << 20 }));
    expect(over.rejects.map((r) => r.reason)).toEqual(['line_too_long']);
    expect(over.rejects[0].source).toBe('big.jsonl:1');
    // Hostile review 6 F19: the raw kept is the line's head, and the reject says so.
    expect(over.rejects[0].detail).toMatchObject({ bytes: buf.indexOf('\n'), raw_truncated: true });
    const txt = await drain(readChunks('big.txt', chunked(Buffer.from(huge + '\nnext\n'), 1 << 20), 'txt', { maxLineBytes: 8 << 20, txtMode: 'line' }));
    expect(txt.rejects[0]).toMatchObject({ reason: 'line_too_long', detail: { raw_truncated: true } });
    expect(over.docs.map((x) => x.data.text)).toEqual(['next']);
    const under = await drain(readChunks('big.jsonl', chunked(buf, 1 << 20), 'jsonl'));
    expect((under.docs[0].data.text as string).length).toBe(huge.length);
  });

  it('carries an `attrs` object from the input into the record signals', async () => {
    const d = await drain(readChunks('a.jsonl', chunked(Buffer.from('{"text":"t","attrs":{"lang":"en"}}\n'), 4), 'jsonl'));
    expect(d.docs[0].attrs).toEqual({ lang: 'en' });
  });
});

describe('JSON array reader', () => {
  const arr = Buffer.from(JSON.stringify([...records, 5, { text: 'after a non-object' }], null, 2));
  for (let size = 1; size <= 12; size++) {
    it(`streams the elements at chunk size ${size}`, async () => {
      const d = await drain(readChunks('a.json', chunked(arr, size), 'json'));
      expect(d.docs.map((x) => x.data)).toEqual([...records, { text: 'after a non-object' }]);
      expect(d.docs[0].source).toBe('a.json:[0]');
      expect(d.rejects).toEqual([{ reason: 'not_object', source: 'a.json:[4]', raw: '5' }]);
      expect(d.read).toBe(6);
    });
  }

  it('an element that does not parse is a json_parse reject; the elements after it are read', async () => {
    const d = await drain(readChunks('b.json', chunked(Buffer.from('[{"text":"a"},{"text":"b"},{"text": oops},{"text":"c"}]'), 7), 'json'));
    expect(d.docs.map((x) => x.data.text)).toEqual(['a', 'b', 'c']);
    expect(d.rejects.map((r) => [r.reason, r.source, r.raw])).toEqual([['json_parse', 'b.json:[2]', '{"text": oops}']]);
    expect(d.fileErrors).toHaveLength(0);
    expect(d.read).toBe(4);
  });

  it('keeps every element before a broken structure in a real file, naming the byte', async () => {
    const dir = await tempDir();
    const file = join(dir, 'bad.json');
    const good = Array.from({ length: 500 }, (_, i) => JSON.stringify({ text: `element ${i}` }));
    await writeFile(file, '[' + good.join(',') + ',{"text": "x"]},{"text":"after"}]');
    const d = await drain(readFiles([file]));
    expect(d.docs.map((x) => x.data.text)).toEqual(good.map((g) => JSON.parse(g).text));
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].message).toMatch(/unexpected \] at byte \d+ \(after element 500\)/);
  });

  it('tells a .json file of JSON lines from a JSON array by its first byte', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'lines.json'), jsonl);
    await writeFile(join(dir, 'array.json'), '\ufeff  ' + JSON.stringify(records));
    const d = await drain(readFiles([join(dir, 'array.json'), join(dir, 'lines.json')]));
    expect(d.docs.map((x) => x.data)).toEqual([...records, ...records]);
  });
});

describe('CSV and TSV readers', () => {
  const csv = Buffer.from('\ufeffid,text\n1,"multi\nline, with comma"\n2,中文\n3,too,many\n4,"quoted ""q"""\n\n5,"bad"quote\n6,after bad quote\n7,"never closed\n');
  for (let size = 1; size <= 12; size++) {
    it(`reads rows keyed by the header, rejecting bad rows with their line, at chunk size ${size}`, async () => {
      const d = await drain(readChunks('t.csv', chunked(csv, size), 'csv'));
      expect(d.docs.map((x) => x.data)).toEqual([
        { id: '1', text: 'multi\nline, with comma' },
        { id: '2', text: '中文' },
        { id: '4', text: 'quoted "q"' },
        { id: '5', text: '"bad"quote' },
        { id: '6', text: 'after bad quote' },
      ]);
      expect(d.docs.map((x) => x.source)).toEqual(['t.csv:2', 't.csv:4', 't.csv:6', 't.csv:8', 't.csv:9']);
      expect(d.rejects.map((r) => [r.reason, r.source, r.raw])).toEqual([
        ['csv_columns', 't.csv:5', '3,too,many'],
        ['blank_line', 't.csv:7', undefined],
        ['csv_quote', 't.csv:10', '7,"never closed'],
      ]);
      expect(d.read).toBe(8);
      expect(d.fileErrors).toEqual([]);
    });
  }

  it('reads TSV', async () => {
    const d = await drain(readChunks('t.tsv', chunked(Buffer.from('id\ttext\n1\thello "world"\n'), 3), 'tsv'));
    expect(d.docs.map((x) => x.data)).toEqual([{ id: '1', text: 'hello "world"' }]);
  });
});

describe('text reader', () => {
  it('makes one record per file by default and one per line on request', async () => {
    const buf = Buffer.from('第一行\n\nsecond line\n');
    const whole = await drain(readChunks('t.txt', chunked(buf, 2), 'txt'));
    expect(whole.docs.map((x) => x.data)).toEqual([{ id: 't.txt', text: '第一行\n\nsecond line\n' }]);
    const lines = await drain(readChunks('t.txt', chunked(buf, 2), 'txt', { txtMode: 'line' }));
    expect(lines.docs.map((x) => x.data.text)).toEqual(['第一行', 'second line']);
    expect(lines.rejects.map((r) => r.reason)).toEqual(['blank_line']);
    expect(lines.read).toBe(3);
  });

  it('rejects a text file that is not UTF-8', async () => {
    const d = await drain(readChunks('t.txt', chunked(Buffer.from([0x61, 0xff, 0x62]), 2), 'txt'));
    expect(d.rejects.map((r) => r.reason)).toEqual(['invalid_utf8']);
    expect(d.read).toBe(1);
  });
});

describe('expandInputs', () => {
  it('lists folders recursively in code-point order and skips files that are not inputs', async () => {
    const dir = await tempDir();
    for (const n of ['b.jsonl', 'a.jsonl.gz', 'B.csv', 'notes.md']) await writeFile(join(dir, n), '');
    const files = await expandInputs([dir]);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['B.csv', 'a.jsonl.gz', 'b.jsonl']);
    expect(await expandInputs([join(dir, '*.jsonl*')])).toEqual([join(dir, 'a.jsonl.gz'), join(dir, 'b.jsonl')]);
    await expect(expandInputs([join(dir, 'missing.jsonl')])).rejects.toThrow(/input not found/);
  });

  it('reads the bundled sample in the same order every time', async () => {
    const a = await expandInputs([join(ROOT, 'fixtures/sample')]);
    expect(a.map((f) => f.replace(/^.*\//, ''))).toEqual(['licenses.jsonl', 'repeats-and-damage.jsonl', 'web-en.jsonl.gz', 'web-zh.jsonl.zst']);
    expect(await readFile(a[0], 'utf8')).toContain('"text"');
  });
});

describe('JSONL: a byte-order mark at the start of a line in the middle of a file (review-hostile5 F15)', () => {
  it('is read as the record after it, as at the start of the file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'mid-bom.jsonl');
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    await writeFile(path, Buffer.concat([bom, Buffer.from('{"text":"one"}\n'), bom, Buffer.from('{"text":"two","n":18446744073709551617}\n{"text":"three"}\n')]));
    const d = await drain(readFiles([path]));
    expect(d.rejects).toEqual([]);
    expect(d.docs.map((x) => x.data.text)).toEqual(['one', 'two', 'three']);
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
  });
});
