import { readFileSync } from 'node:fs';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readFiles, readChunks } from '../../../src/io/readers/index.js';
import { drain, ROOT, runCli, tempDir } from '../../helpers/run.js';

const FIX = join(ROOT, 'fixtures/parquet');
const jsonl = (name: string): Record<string, unknown>[] =>
  readFileSync(join(FIX, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The same instant, and the same digits of fraction, in two ISO 8601 spellings. */
function sameInstant(a: unknown, b: unknown): boolean {
  const frac = (s: string): string => (/\.(\d+)/.exec(s)?.[1] ?? '').replace(/0+$/, '');
  return typeof a === 'string' && typeof b === 'string' && Date.parse(a) === Date.parse(b) && frac(a) === frac(b);
}

describe('Parquet reader on files made by DuckDB', () => {
  const source = jsonl('dolma_cc_en_head-3.jsonl');
  for (const codec of ['snappy', 'zstd', 'gzip', 'brotli']) {
    it(`reads ${codec}: every column a field, structs and lists nested, timestamps exact`, async () => {
      const path = join(FIX, `dolma-${codec}.parquet`);
      const d = await drain(readFiles([path]));
      expect(d.rejects).toEqual([]);
      expect(d.fileErrors).toEqual([]);
      expect(d.read).toBe(3);
      expect(d.bytes).toBeGreaterThan(0);
      expect(d.docs.map((x) => x.source)).toEqual([1, 2, 3].map((i) => `${path}:${i}`));
      d.docs.forEach((doc, i) => {
        const want = source[i] as Record<string, Record<string, unknown>>;
        const got = doc.data as Record<string, Record<string, unknown>>;
        expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
        expect(got.text).toBe(want.text);
        expect(got.id).toBe(want.id);
        expect(sameInstant(got.added, want.added)).toBe(true);
        expect(sameInstant(got.created, want.created)).toBe(true);
        const { date_download: gd, ...gm } = got.metadata;
        const { date_download: wd, ...wm } = want.metadata;
        expect(gm).toEqual(wm);
        expect(sameInstant(gd, wd)).toBe(true);
      });
    });
  }

  it('keeps lists of structs, Unicode, and 64-bit integers past 2^53 exactly (as decimal strings)', async () => {
    const d = await drain(readFiles([join(FIX, 'sharegpt-zstd.parquet')]));
    const want = jsonl('sharegpt_zh_medicalgpt-3.jsonl');
    expect(d.docs.map((x) => x.data)).toEqual(
      want.map((w, i) => ({ n: i + 1, big: (9007199254740993n + BigInt(i + 1)).toString(), small: -42, conversations: w.conversations })),
    );
  });
});

describe('Parquet reader: row groups, damage, folders and the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads many row groups one at a time, with file:row sources over the whole file', async () => {
    const n = 2500;
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: Array.from({ length: n }, (_, i) => i), type: 'INT32' },
        { name: 'text', data: Array.from({ length: n }, (_, i) => `row ${i} 文本`), type: 'STRING' },
      ],
      rowGroupSize: 1000,
    });
    const d = await drain(readChunks('mem.parquet', (async function* () { yield Buffer.from(buf); })(), 'parquet'));
    expect(d.read).toBe(n);
    expect(d.docs.length).toBe(n);
    expect(d.docs[1234].data).toEqual({ id: 1234, text: 'row 1234 文本' });
    expect(d.docs[1234].source).toBe('mem.parquet:1235');
  });

  it('a file that is not Parquet is a file error, not a crash', async () => {
    const p = join(dir, 'bad.parquet');
    await writeFile(p, 'this is not parquet at all, just text\n');
    const d = await drain(readFiles([p]));
    expect(d.docs).toEqual([]);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].message).toMatch(/not a readable Parquet file/);
  });

  it('a damaged row group is one reject naming its rows; the other row groups are read', async () => {
    const n = 3000;
    const text = Array.from({ length: n }, (_, i) => `record number ${i} ` + 'x'.repeat(i % 50));
    const buf = Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'text', data: text, type: 'STRING' }], rowGroupSize: 1000, codec: 'UNCOMPRESSED' }));
    // Overwrite bytes in the middle row group's data with garbage.
    const at = buf.indexOf('record number 1500');
    expect(at).toBeGreaterThan(0);
    buf.fill(0xff, at - 40, at + 200);
    const p = join(dir, 'damaged.parquet');
    await writeFile(p, buf);
    const d = await drain(readFiles([p]));
    expect(d.rejects).toHaveLength(1);
    expect(d.rejects[0].reason).toBe('parquet_row_group');
    expect(d.rejects[0].source).toBe(`${p}:1001`);
    expect(d.rejects[0].detail).toMatchObject({ rows: 1000 });
    expect(d.docs.length).toBe(2000);
    expect(d.docs[1000].data.text).toBe(text[2000]);
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('the CLI reads a folder of Parquet files by extension', async () => {
    const folder = join(dir, 'folder');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    await copyFile(join(FIX, 'dolma-zstd.parquet'), join(folder, 'a.parquet'));
    await copyFile(join(FIX, 'dolma-snappy.parquet'), join(folder, 'b.parquet'));
    const r = await runCli(['cat', folder, '-q']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string });
    expect(lines).toHaveLength(6);
    expect(lines[3].text).toBe(jsonl('dolma_cc_en_head-3.jsonl')[0].text);
  });

  it('the CLI reads Parquet from stdin with --format parquet', async () => {
    const r = await runCli(['cat', '-', '--format', 'parquet', '-q'], { input: readFileSync(join(FIX, 'dolma-zstd.parquet')), timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text)).toEqual(jsonl('dolma_cc_en_head-3.jsonl').map((x) => x.text));
  });
});
