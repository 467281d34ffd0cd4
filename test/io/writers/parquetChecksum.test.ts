import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { readFiles } from '../../../src/io/readers/index.js';
import { crc32, crc32Js } from '../../../src/io/crc32.js';
import { headerWithCrc } from '../../../src/io/writers/parquetChecksum.js';
import { CREATED_BY_CHECKED } from '../../../src/io/parquetFooter.js';
import { drain, type Drained, ROOT, runCli, tempDir } from '../../helpers/run.js';

/** A page of a Parquet file: where its header starts, where its stored bytes are. */
interface Page {
  column: string;
  type: string;
  at: number;
  data: number;
  size: number;
  crc: number | undefined;
}

/** Every page of every column chunk, walked from the footer's offsets. */
function pagesOf(buf: Buffer): Page[] {
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  const view = new DataView(ab);
  const pages: Page[] = [];
  for (const rg of parquetMetadata(ab).row_groups) {
    for (const c of rg.columns) {
      const m = c.meta_data!;
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const end = start + Number(m.total_compressed_size);
      const r = { view, offset: start };
      while (r.offset < end) {
        const at = r.offset;
        const h = parquetHeader(r);
        pages.push({ column: m.path_in_schema.join('.'), type: h.type, at, data: r.offset, size: h.compressed_page_size, crc: h.crc });
        r.offset += h.compressed_page_size;
      }
    }
  }
  return pages;
}

/** The row of a `file:row` source. */
const row = (source: string): string => source.slice(source.lastIndexOf(':') + 1);

/** Row -> record text of a clean read, to compare damaged reads with. */
const bysource = (d: Drained): Map<string, string> => new Map(d.docs.map((x) => [row(x.source), JSON.stringify(x.data)]));

/** Records of a damaged read that differ from the clean read's record at the same row. */
const altered = (d: Drained, clean: Map<string, string>): string[] => d.docs.filter((x) => clean.get(row(x.source)) !== JSON.stringify(x.data)).map((x) => x.source);

describe('Parquet page checksums (hostile review 2 H1)', () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir();
    // Real web text (fixtures/sample), with an integer and a repeated label, so that files hold
    // plain and dictionary pages of strings and numbers.
    const texts = gunzipSync(readFileSync(join(ROOT, 'fixtures/sample/web-en.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
    input = join(dir, 'in.jsonl');
    await writeFile(input, texts.map((l, i) => JSON.stringify({ text: (JSON.parse(l) as { text: string }).text, n: i * 7919, site: ['news', 'blog', 'shop'][i % 3] })).join('\n') + '\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the JavaScript CRC-32 agrees with zlib\'s on bytes of every length up to 300', () => {
    const b = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff));
    for (let n = 0; n <= 300; n += 13) expect(crc32Js(b.subarray(0, n))).toBe(crc32(b.subarray(0, n)));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('a header gets field 4 between fields 3 and 5/7/8, and keeps every other field', () => {
    for (const next of [0x2c, 0x4c, 0x5c]) {
      // type 0, uncompressed 100, compressed 64, then a struct field (delta 2, 4 or 5) holding STOP.
      const h = Uint8Array.from([0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x80, 0x01, next, 0x00, 0x00]);
      const { header, size } = headerWithCrc(h, 0xdeadbeef);
      expect(size).toBe(64);
      const parsed = parquetHeader({ view: new DataView(header.buffer, header.byteOffset, header.byteLength), offset: 0 });
      expect(parsed.crc! >>> 0).toBe(0xdeadbeef);
      expect([parsed.uncompressed_page_size, parsed.compressed_page_size]).toEqual([100, 64]);
      expect(Boolean(parsed.data_page_header ?? parsed.dictionary_page_header ?? parsed.data_page_header_v2)).toBe(true);
    }
  });

  for (const compression of ['snappy', 'none', 'brotli']) {
    it(`${compression}: every page carries the CRC-32 of its stored bytes; a flipped byte in any page is a rejected row group naming the byte, never an altered record`, async () => {
      const p = join(dir, `w-${compression}.parquet`);
      const w = await runCli(['cat', input, '--output', p, '--compress', compression, '--row-group-size', '50', '-q']);
      expect(w.code, w.stderr).toBe(0);
      const buf = readFileSync(p);
      const pages = pagesOf(buf);
      expect(new Set(pages.map((x) => x.type))).toEqual(new Set(['DICTIONARY_PAGE', 'DATA_PAGE_V2']));
      for (const pg of pages) expect(pg.crc === undefined ? undefined : pg.crc >>> 0, `${pg.column} ${pg.type} at ${pg.at}`).toBe(crc32(buf.subarray(pg.data, pg.data + pg.size)));

      const clean = await drain(readFiles([p]));
      expect(clean.fileErrors).toEqual([]);
      expect(clean.docs).toHaveLength(170);
      const cleanText = bysource(clean);
      const copy = join(dir, `damaged-${compression}.parquet`);
      // Deterministic damage: the first, middle and last stored byte of every page, all bits or one.
      let tried = 0;
      for (const pg of pages) {
        for (const [off, xor] of [[0, 0xff], [pg.size >> 1, 0x01], [pg.size >> 1, 0x80], [pg.size - 1, 0xff]] as const) {
          if (pg.size === 0) continue;
          const b = Buffer.from(buf);
          b[pg.data + off] ^= xor;
          await writeFile(copy, b);
          const d = await drain(readFiles([copy]));
          const where = `${pg.column} ${pg.type} at ${pg.at}, byte +${off} ^${xor}`;
          expect(altered(d, cleanText), where).toEqual([]);
          expect(d.fileErrors, where).toHaveLength(1);
          expect(d.fileErrors[0].message, where).toContain(`page checksum mismatch in column '${pg.column}': the ${pg.type} at byte ${pg.at}`);
          expect(d.rejects.length, where).toBeGreaterThan(0);
          expect(new Set(d.rejects.map((r) => r.reason)), where).toEqual(new Set(['parquet_row_group']));
          expect(d.read, where).toBe(170);
          expect(d.docs.length + d.rejects.length, where).toBe(170);
          tried++;
        }
      }
      expect(tried).toBeGreaterThan(30);
    }, 120_000);
  }

  it('a flipped byte anywhere outside the page data (page headers, footer) never alters or silently loses a record: the footer carries its own CRC-32', async () => {
    const p = join(dir, 'meta.parquet');
    expect((await runCli(['cat', input, '--output', p, '--row-group-size', '50', '-q'])).code).toBe(0);
    const buf = readFileSync(p);
    const inData = new Uint8Array(buf.length);
    for (const pg of pagesOf(buf)) inData.fill(1, pg.data, pg.data + pg.size);
    const clean = await drain(readFiles([p]));
    const cleanText = bysource(clean);
    const footerAt = buf.length - 8 - buf.readUInt32LE(buf.length - 8);
    const createdBy = buf.indexOf(CREATED_BY_CHECKED, footerAt);
    expect(createdBy).toBeGreaterThan(footerAt);
    const copy = join(dir, 'meta-damaged.parquet');
    let caught = 0;
    let footerCaught = 0;
    for (let pos = 0; pos < buf.length; pos++) {
      if (inData[pos] === 1) continue;
      const b = Buffer.from(buf);
      b[pos] ^= 0xff;
      await writeFile(copy, b);
      const d = await drain(readFiles([copy]));
      const where = `byte ${pos} (${pos >= footerAt ? 'footer' : 'page header'})`;
      expect(altered(d, cleanText), where).toEqual([]);
      // Every footer byte is covered by its checksum (but a flip in created_by, which says the
      // footer is ours to check, only makes the file another tool's: its data is intact);
      // elsewhere, either everything came back or the file is an error: rows are never lost
      // without a word.
      const inCreatedBy = pos >= createdBy && pos < createdBy + CREATED_BY_CHECKED.length;
      if (pos >= footerAt && !inCreatedBy) expect(d.fileErrors, where).toHaveLength(1);
      if (d.fileErrors.length === 0) expect(d.docs.length, where).toBe(170);
      else {
        caught++;
        if (pos >= footerAt && pos < buf.length - 8) {
          expect(d.fileErrors[0].message, where).toMatch(/footer checksum mismatch|footer .* lost its checksum entry|not a readable Parquet file/);
          footerCaught++;
        }
      }
    }
    expect(footerCaught).toBeGreaterThan(500);
    expect(caught).toBeGreaterThan(footerCaught);
  }, 300_000);

  it('a file another tool rewrote (our checksum entry kept, its own created_by) is read, not refused as damaged (hostile review 3 N7)', async () => {
    const p = join(dir, 'rewritten.parquet');
    expect((await runCli(['cat', input, '--output', p, '--row-group-size', '50', '-q'])).code).toBe(0);
    const buf = readFileSync(p);
    const at = buf.indexOf(CREATED_BY_CHECKED, buf.length - 8 - buf.readUInt32LE(buf.length - 8));
    buf.write('parquet-cpp-arrow version 18.1.0'.padEnd(CREATED_BY_CHECKED.length, ' '), at, 'latin1');
    await writeFile(p, buf);
    const d = await drain(readFiles([p]));
    expect(d.fileErrors).toEqual([]);
    expect(d.docs.length).toBe(170);
  });

  it('a field named like the checksum entry is written as it is and does not take the checksum (hostile review 3 N8)', async () => {
    const inp = join(dir, 'field.jsonl');
    const name = 'corpus-clean.footer_crc32\u0018\u000812345678';
    await writeFile(inp, [1, 2, 3].map((i) => JSON.stringify({ text: `record ${i}`, [name]: `v${i}` })).join('\n') + '\n');
    const p = join(dir, 'field.parquet');
    expect((await runCli(['cat', inp, '--output', p, '-q'])).code).toBe(0);
    const d = await drain(readFiles([p]));
    expect(d.fileErrors).toEqual([]);
    expect(d.docs.map((x) => (x.data as Record<string, unknown>)[name])).toEqual(['v1', 'v2', 'v3']);
  });

  it('the CLI: a damaged page exits 1 naming the file and the byte; the rejects hold the row group; the other row groups are written', async () => {
    const p = join(dir, 'cli.parquet');
    expect((await runCli(['cat', input, '--output', p, '--row-group-size', '50', '-q'])).code).toBe(0);
    const buf = readFileSync(p);
    const pg = pagesOf(buf).filter((x) => x.column === 'text')[1];
    buf[pg.data + (pg.size >> 1)] ^= 0x04;
    const bad = join(dir, 'cli-bad.parquet');
    await writeFile(bad, buf);
    const rej = join(dir, 'cli-rejects.jsonl');
    const r = await runCli(['cat', bad, '--output', join(dir, 'cli-out.jsonl'), '--rejects', rej, '--max-reject-rate', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/read 170 = written 120 \+ rejected 50/);
    expect(r.stderr).toContain(`${bad}: 1 damaged row group (50 rows; the first at byte`);
    expect(r.stderr).toContain(`page checksum mismatch in column 'text': the DATA_PAGE_V2 at byte ${pg.at}`);
    expect(r.stderr).toContain('kept the other row groups');
    const rejects = readFileSync(rej, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; source: string; detail: { rows: number } });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ reason: 'parquet_row_group', source: `${bad}:51`, detail: { rows: 50 } });
  }, 60_000);
});

/**
 * A Parquet file laid out as parquet-mr and pyarrow (`write_page_checksum=True`) write one, not
 * as corpus-clean does: v1 data pages (levels and values compressed together), PLAIN values, a
 * CRC-32 in every page header. Built here byte by byte (no pyarrow on this machine), with
 * hyparquet-writer's thrift and footer serializers and its Snappy.
 */
async function v1File(texts: string[], perPage: number): Promise<Buffer> {
  const { ByteWriter } = await import('hyparquet-writer');
  const { serializeTCompactProtocol } = await import('hyparquet-writer/src/thrift.js');
  const { writeMetadata } = await import('hyparquet-writer/src/metadata.js');
  const { snappyCompress } = await import('hyparquet-writer/src/snappy.js');
  const w = new ByteWriter();
  w.appendUint32(0x31524150); // PAR1
  const start = w.offset;
  let uncompressed = 0;
  for (let i = 0; i < texts.length; i += perPage) {
    const values = texts.slice(i, i + perPage);
    const body = new ByteWriter();
    // Definition levels (all 1: present) as one RLE run, with its 4-byte length first.
    body.appendUint32(2);
    body.appendVarInt(values.length << 1);
    body.appendUint8(1);
    for (const v of values) {
      const b = new TextEncoder().encode(v);
      body.appendUint32(b.length);
      body.appendBytes(b);
    }
    const raw = body.getBytes();
    const stored = snappyCompress(raw);
    const header = new ByteWriter();
    // PageHeader: type DATA_PAGE (0), sizes, crc, DataPageHeader (num_values, PLAIN, RLE, RLE).
    serializeTCompactProtocol(header, { field_1: 0, field_2: raw.length, field_3: stored.length, field_4: crc32(stored) | 0, field_5: { field_1: values.length, field_2: 0, field_3: 3, field_4: 3 } });
    w.appendBytes(header.getBytes());
    w.appendBytes(stored);
    uncompressed += header.offset + raw.length;
  }
  const size = w.offset - start;
  writeMetadata(w, {
    version: 1,
    schema: [{ name: 'schema', num_children: 1 }, { name: 'text', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' }],
    num_rows: BigInt(texts.length),
    row_groups: [{
      columns: [{ file_offset: BigInt(start), meta_data: { type: 'BYTE_ARRAY', encodings: ['PLAIN', 'RLE'], path_in_schema: ['text'], codec: 'SNAPPY', num_values: BigInt(texts.length), total_uncompressed_size: BigInt(uncompressed), total_compressed_size: BigInt(size), data_page_offset: BigInt(start) } }],
      total_byte_size: BigInt(uncompressed),
      num_rows: BigInt(texts.length),
    }],
    created_by: 'parquet-mr version 1.13.1 (layout only: made by corpus-clean tests)',
    metadata_length: 0,
  } as never);
  w.appendUint32(0x31524150);
  return Buffer.from(w.getBytes());
}

describe('Parquet page checksums written by other tools (v1 data pages)', () => {
  it('verify when right (DuckDB reads the file too); a flipped byte in any page is caught the same way', async () => {
    const dir = await tempDir();
    const texts = Array.from({ length: 40 }, (_, i) => `第${i}行 line ${i}: ` + 'words '.repeat(i % 7));
    const buf = await v1File(texts, 10);
    const p = join(dir, 'v1.parquet');
    await writeFile(p, buf);
    const pages = pagesOf(buf);
    expect(pages.map((x) => x.type)).toEqual(['DATA_PAGE', 'DATA_PAGE', 'DATA_PAGE', 'DATA_PAGE']);
    const clean = await drain(readFiles([p]));
    expect(clean.fileErrors).toEqual([]);
    expect(clean.docs.map((x) => x.data.text)).toEqual(texts);
    // A real Parquet file: DuckDB reads it the same.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    expect((await c.runAndReadAll(`select text from '${p}'`)).getRows().map((r) => r[0])).toEqual(texts);
    for (const pg of pages) {
      const b = Buffer.from(buf);
      b[pg.data + (pg.size >> 1)] ^= 0x20;
      await writeFile(p, b);
      const d = await drain(readFiles([p]));
      expect(d.docs).toEqual([]);
      expect(d.rejects).toHaveLength(40);
      expect(d.fileErrors[0].message).toContain(`page checksum mismatch in column 'text': the DATA_PAGE at byte ${pg.at}`);
    }
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});
