import { readFileSync } from 'node:fs';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readFiles, readChunks } from '../../../src/io/readers/index.js';
import { exactNumbers } from '../../../src/io/json.js';
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

  it('keeps lists of structs, Unicode, and 64-bit integers past 2^53 exactly (numbers whose digits the writers give back)', async () => {
    const d = await drain(readFiles([join(FIX, 'sharegpt-zstd.parquet')]));
    const want = jsonl('sharegpt_zh_medicalgpt-3.jsonl');
    const big = (i: number): bigint => 9007199254740993n + BigInt(i + 1);
    expect(d.docs.map((x) => x.data)).toEqual(want.map((w, i) => ({ n: i + 1, big: Number(big(i)), small: -42, conversations: w.conversations })));
    expect(d.docs.map((x) => exactNumbers(x.data)?.get('["big"]'))).toEqual(want.map((_, i) => big(i).toString()));
    const r = await runCli(['cat', join(FIX, 'sharegpt-zstd.parquet'), '--text-field', 'n', '--no-require-text', '-q']);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => /"big":(\d+)/.exec(l)?.[1])).toEqual(want.map((_, i) => big(i).toString()));
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

  it('a file of more than 10,000 columns is a file error naming the count, not a read of many minutes (hostile review 6 F24)', async () => {
    // A footer made by hand (hyparquet-writer takes seconds for 10,001 columns); no row group.
    const buf = deepParquet(0, 0, 10_001);
    const d = await drain(readChunks('wide.parquet', (async function* () { yield buf; })(), 'parquet'));
    expect(d.docs).toEqual([]);
    expect(d.fileErrors.map((e) => e.message)).toEqual(['the Parquet file has 10001 columns (counting nested fields); corpus-clean reads and writes Parquet of at most 10000 columns']);
  });

  it('a file that is not Parquet is a file error, not a crash', async () => {
    const p = join(dir, 'bad.parquet');
    await writeFile(p, 'this is not parquet at all, just text\n');
    const d = await drain(readFiles([p]));
    expect(d.docs).toEqual([]);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].message).toMatch(/not a readable Parquet file/);
  });

  it('a damaged row group is one reject entry counting all its rows (read and rejected); the other row groups are read', async () => {
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
    // drain keeps one entry per counted row: the one reject stands for the 1000 rows.
    expect(d.rejects).toHaveLength(1000);
    expect(new Set(d.rejects).size).toBe(1);
    expect(d.rejects[0].reason).toBe('parquet_row_group');
    expect(d.rejects[0].source).toBe(`${p}:1001`);
    expect(d.rejects[0].detail).toMatchObject({ rows: 1000, last_row: 2000 });
    expect(d.docs.length).toBe(2000);
    expect(d.docs[1000].data.text).toBe(text[2000]);
    expect(d.read).toBe(n);
    expect(d.read).toBe(d.docs.length + d.rejects.length);

    // The CLI: the accounting is in rows, and --max-reject-rate sees 1000 of 3000 rows lost.
    const rej = join(dir, 'damaged-rejects.jsonl');
    const r = await runCli(['cat', p, '-o', join(dir, 'damaged-out.jsonl'), '--rejects', rej, '--max-reject-rate', '0.1']);
    expect(r.stderr).toMatch(/read 3,?000 = written 2,?000 \+ rejected 1,?000/);
    expect(r.code).toBe(1);
    expect(readFileSync(rej, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a page header whose sizes were damaged is said in our words, not the decoder internals (new-user review 8 #9)', async () => {
    const n = 300;
    const buf = Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'text', data: Array.from({ length: n }, (_, i) => `row ${i} of text`), type: 'STRING' }], codec: 'UNCOMPRESSED' }));
    // The first page header, at byte 4 (thrift compact): type, uncompressed_page_size, compressed_page_size.
    const varint = (at: number): [number, number] => {
      let v = 0;
      let k = 0;
      while (buf[at + k] & 0x80) v += (buf[at + k] & 0x7f) * 2 ** (7 * k++);
      return [v + buf[at + k] * 2 ** (7 * k), k + 1];
    };
    expect([buf[4], buf[6]]).toEqual([0x15, 0x15]);
    const [, uLen] = varint(7);
    const cAt = 7 + uLen + 1;
    expect(buf[cAt - 1]).toBe(0x15);
    const [zc, cLen] = varint(cAt);
    // The review's case: uncompressed_page_size rewritten as a 5-byte varint of 3.8 G (the page
    // data then starts 3 bytes later); and, in place, a compressed size 64 bytes larger.
    const five = Buffer.from([0x80, 0x98, 0xfb, 0xa7, 0x1c]);
    const shifted = Buffer.concat([buf.subarray(0, 7), five, buf.subarray(7 + uLen)]);
    const grown = Buffer.from(buf);
    let z = zc + 128; // zigzag of +64
    for (let k = 0; k < cLen; k++, z = Math.floor(z / 128)) grown[cAt + k] = (z & 0x7f) | (k < cLen - 1 ? 0x80 : 0);
    for (const [name, bytes] of [['shifted', shifted], ['grown', grown]] as const) {
      const d = await drain(readChunks(`${name}.parquet`, (async function* () { yield bytes; })(), 'parquet'));
      expect(d.docs, name).toEqual([]);
      expect(d.rejects[0]?.reason).toBe('parquet_row_group');
      expect(d.fileErrors.map((e) => e.message)).toEqual([expect.stringMatching(/^1 damaged row group \(300 rows; the first at byte 4: the page header at byte 4 in column 'text' \(its chunk: bytes 4-\d+\) does not read: it declares \d+ bytes of data, past the end of its chunk \(damaged sizes\)\)$/)]);
      expect(d.fileErrors[0].message).not.toMatch(/typed array|out of bounds|RangeError/i);
    }
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

/**
 * A Parquet file whose schema nests `depth` optional groups around one INT32 column, its footer
 * written by hand in Thrift's compact protocol (hyparquet-writer itself overflows its stack past
 * a few thousand levels). With `rows`, one row group whose column chunk is 16 bytes of garbage.
 * With `width`, a flat schema of that many INT32 columns instead, and no row group.
 */
function deepParquet(depth: number, rows: number, width = 0): Buffer {
  const out: number[] = [];
  const varint = (v: number | bigint): void => {
    let n = BigInt(v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
  };
  const zz = (v: number): void => varint((BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
  const last = [0];
  const field = (id: number, type: number): void => {
    const d = id - last[last.length - 1];
    if (d > 0 && d <= 15) out.push((d << 4) | type);
    else {
      out.push(type);
      zz(id);
    }
    last[last.length - 1] = id;
  };
  const i32 = (id: number, v: number): void => (field(id, 5), zz(v));
  const i64 = (id: number, v: number): void => (field(id, 6), zz(v));
  const str = (s: string): void => {
    const b = Buffer.from(s);
    varint(b.length);
    out.push(...b);
  };
  const list = (id: number, type: number, n: number): void => {
    field(id, 9);
    if (n < 15) out.push((n << 4) | type);
    else {
      out.push(0xf0 | type);
      varint(n);
    }
  };
  const struct = (fn: () => void): void => {
    last.push(0);
    fn();
    out.push(0);
    last.pop();
  };
  const element = (name: string, children?: number, type?: number): void =>
    struct(() => {
      if (type !== undefined) i32(1, type);
      if (name !== 'root') i32(3, 1); // OPTIONAL
      field(4, 8);
      str(name);
      if (children !== undefined) i32(5, children);
    });
  const path = [...Array.from({ length: depth }, (_, i) => `s${i}`), 'leaf'];
  const data = Buffer.alloc(rows > 0 ? 16 : 0, 0x41);
  struct(() => {
    i32(1, 2); // version
    if (width > 0) {
      list(2, 12, width + 1); // schema
      element('root', width);
      for (let i = 0; i < width; i++) element(`c${i}`, undefined, 1); // INT32
    } else {
      list(2, 12, depth + 2); // schema
      element('root', 1);
      for (let i = 0; i < depth; i++) element(`s${i}`, 1);
      element('leaf', undefined, 1); // INT32
    }
    i64(3, rows);
    list(4, 12, rows > 0 ? 1 : 0); // row groups
    if (rows > 0)
      struct(() => {
        list(1, 12, 1);
        struct(() => {
          i64(2, 4);
          field(3, 12);
          struct(() => {
            i32(1, 1); // INT32
            list(2, 5, 1);
            zz(0); // PLAIN
            list(3, 8, path.length);
            for (const p of path) str(p);
            i32(4, 0); // UNCOMPRESSED
            i64(5, rows);
            i64(6, data.length);
            i64(7, data.length);
            i64(9, 4); // data page offset
          });
        });
        i64(2, data.length);
        i64(3, rows);
      });
  });
  const meta = Buffer.from(out);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(meta.length);
  return Buffer.concat([Buffer.from('PAR1'), data, meta, len, Buffer.from('PAR1')]);
}

describe('Parquet reader: a schema nested thousands of levels deep', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is a file error naming the depth, never a stack overflow: in the library and the CLI', async () => {
    // The hand-made footer is read: 5 levels with a garbage column chunk are one row-group reject.
    const shallow = await drain(readChunks('shallow.parquet', (async function* () { yield deepParquet(5, 2); })(), 'parquet'));
    // One reject entry, counted as the row group's 2 rows (drain keeps one entry per counted row).
    expect(shallow.rejects.map((r) => r.reason)).toEqual(['parquet_row_group', 'parquet_row_group']);
    expect(shallow.rejects[0]).toBe(shallow.rejects[1]);
    expect(String(shallow.rejects[0].detail?.error)).not.toMatch(/call stack/);
    for (const [depth, rows] of [[1500, 2], [20_000, 2], [200_000, 0]]) {
      const p = join(dir, `deep-${depth}.parquet`);
      await writeFile(p, deepParquet(depth, rows));
      const d = await drain(readFiles([p]));
      expect(d.docs).toEqual([]);
      expect(d.rejects).toEqual([]);
      expect(d.fileErrors.map((e) => e.message)).toEqual([`the Parquet schema nests ${depth + 1} levels deep (records are limited to 1000 levels)`]);
      const r = await runCli(['cat', p, '--no-require-text'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/the Parquet schema nests \d+ levels deep/);
      expect(r.stderr).not.toMatch(/RangeError|call stack|\n\s+at /);
    }
  }, 300_000);

  it('a real file written by hyparquet-writer with values 1,200 levels deep: the same file error', async () => {
    const depth = 1200;
    const schema = [{ name: 'root', num_children: 2 }, { name: 'id', type: 'INT32' as const, repetition_type: 'REQUIRED' as const }];
    for (let i = 0; i < depth; i++) schema.push({ name: `s${i}`, repetition_type: 'OPTIONAL', num_children: 1 } as never);
    schema.push({ name: 'leaf', type: 'INT32', repetition_type: 'OPTIONAL' } as never);
    const nest = (v: number): object => {
      let o: object = { leaf: v };
      for (let i = depth - 1; i > 0; i--) o = { [`s${i}`]: o };
      return o;
    };
    const p = join(dir, 'deep-values.parquet');
    await writeFile(p, Buffer.from(parquetWriteBuffer({ schema, columnData: [{ name: 'id', data: [1, 2] }, { name: 's0', data: [nest(7), nest(8)] }] } as never)));
    const d = await drain(readFiles([p]));
    expect(d.docs).toEqual([]);
    expect(d.fileErrors.map((e) => e.message)).toEqual([`the Parquet schema nests ${depth + 1} levels deep (records are limited to 1000 levels)`]);
  }, 120_000);
});


describe('Parquet reader keeps a leading U+FEFF of string values (review-hostile5 F7)', () => {
  const want = [
    { text: '\ufeffhello world', title: '\ufeffT', x: 'a\ufeffb' },
    { text: 'plain text', title: '\ufeffT', x: '\ufeff\ufeffdouble' },
    { text: '\ufeff', title: 'U', x: '' },
  ];
  it('reads the values of a pyarrow file (plain and dictionary pages) as written', async () => {
    const d = await drain(readFiles([join(FIX, 'bom.parquet')]));
    expect(d.fileErrors).toEqual([]);
    expect(d.docs.map((x) => x.data)).toEqual(want);
  });
  it('round-trips them through our own writer and the CLI', async () => {
    // (a text of U+FEFF alone is an empty text for cat: rejected, so the first two)
    const two = want.slice(0, 2);
    const dir = await tempDir();
    try {
      await writeFile(join(dir, 'in.jsonl'), `${two.map((r) => JSON.stringify(r)).join('\n')}\n`);
      const w = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'o.parquet'), '-q', '--allow-empty']);
      expect(w.code, w.stderr).toBe(0);
      const r = await runCli(['cat', join(dir, 'o.parquet'), '-q']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(two);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
