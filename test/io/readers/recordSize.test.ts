import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChunks, readFiles } from '../../../src/io/readers/index.js';
import { tooLarge } from '../../../src/io/readers/recordSize.js';
import { drain, tempDir } from '../../helpers/run.js';

// F47: a record made from a Parquet value, a CSV field, a whole .txt file or a page was written as
// a JSON Lines line over the line limit, which our own JSON Lines reader then refused
// (line_too_long): JSON's escapes make a text longer. The readers reject such a record instead.

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** What the JSON Lines reader makes of the records read, written as JSON Lines: no line_too_long. */
async function readBack(docs: { data: unknown }[], limit: number): Promise<string[]> {
  const lines = Buffer.from(docs.map((d) => JSON.stringify(d.data) + '\n').join(''));
  const d = await drain(readChunks('back.jsonl', once(lines), 'jsonl', { maxLineBytes: limit }));
  return d.rejects.map((r) => r.reason);
}

describe('a record whose JSON line would be over the line limit is record_too_large at reading (F47)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const limit = 4096;
  // Under the limit as bytes, over it as JSON: each control character is written \u0001 (6 bytes).
  const escaped = 'a\u0001'.repeat(1000);

  it('a Parquet value (no limit of its own), a CSV field, a .txt file and line, an .html page', async () => {
    const parquet = join(dir, 'x.parquet');
    await writeFile(parquet, Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'text', data: ['small', 'x'.repeat(limit + 10), escaped], type: 'STRING' }] })));
    const csv = join(dir, 'x.csv');
    await writeFile(csv, `text\nsmall\n"${escaped}"\n`);
    const txt = join(dir, 'x.txt');
    await writeFile(txt, escaped);
    const html = join(dir, 'x.html');
    await writeFile(html, `<html><body><p>${'"'.repeat(limit - 100)}</p></body></html>`);
    for (const [file, options, kept, big] of [
      [parquet, {}, 1, [`${parquet}:2`, `${parquet}:3`]],
      [csv, {}, 1, [`${csv}:3`]],
      [txt, {}, 0, [`${txt}:1`]],
      [txt, { txtMode: 'line' as const }, 0, [`${txt}:1`]],
      [html, {}, 0, [`${html}:1`]],
    ] as const) {
      const d = await drain(readFiles([file], { ...options, maxLineBytes: limit }));
      expect(d.docs, file).toHaveLength(kept);
      expect(d.rejects.map((r) => [r.reason, r.source])).toEqual(big.map((s) => ['record_too_large', s]));
      for (const r of d.rejects) {
        expect(r.detail).toMatchObject({ limit, raw_truncated: true });
        expect(r.detail?.bytes as number).toBeGreaterThan(limit);
        expect(r.raw?.length).toBeLessThanOrEqual(4096);
      }
      expect(d.read).toBe(kept + big.length);
      expect(await readBack(d.docs, limit)).toEqual([]);
    }
  });

  it('a WARC page (kept unextracted for an extract stage: its quotes are escaped)', async () => {
    const page = Buffer.from(`<html><body><p class="${'"'.repeat(3000)}">text</p></body></html>`);
    const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n\r\n`), page]);
    const head = `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://e.org/\r\nWARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${http.length}\r\n\r\n`;
    const file = join(dir, 'x.warc');
    await writeFile(file, Buffer.concat([Buffer.from(head), http, Buffer.from('\r\n\r\n')]));
    const d = await drain(readFiles([file], { maxLineBytes: limit + 2000, htmlField: 'html' }));
    expect(d.docs).toEqual([]);
    expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['record_too_large', `${file}:1`]]);
  });

  it('a JSON Lines line near the limit holding an array, wrapped by --wrap-arrays, grows past it: record_too_large with its line', async () => {
    const line = (n: number): string => JSON.stringify([{ role: 'user', content: 'x'.repeat(n) }]);
    const fits = line(100);
    const near = line(limit - 40);
    expect(Buffer.byteLength(near)).toBeLessThanOrEqual(limit);
    const d = await drain(readChunks('w.jsonl', once(Buffer.from(`${fits}\n${near}\n`)), 'jsonl', { maxLineBytes: limit, wrapArrays: 'messages' }));
    expect(d.docs.map((x) => x.source)).toEqual(['w.jsonl:1']);
    expect(d.rejects.map((r) => [r.reason, r.source, r.raw, r.detail])).toEqual([['record_too_large', 'w.jsonl:2', near, { bytes: Buffer.byteLength(near) + 13, limit }]]);
    expect(await readBack(d.docs, limit)).toEqual([]);
  });

  it('the check: a bound first (no stringify for most records), exact bytes at the edge, a cut that keeps surrogate pairs whole', () => {
    expect(tooLarge({ text: 'x'.repeat(100) }, 1000, 's')).toBeUndefined();
    // Exactly at the limit fits; one byte more does not.
    const at = { text: 'é'.repeat(10) }; // {"text":"..."}: 11 + 20 bytes
    expect(tooLarge(at, 31, 's')).toBeUndefined();
    expect(tooLarge(at, 30, 's')).toMatchObject({ reason: 'record_too_large', detail: { bytes: 31, limit: 30 } });
    const r = tooLarge({ text: 'a'.repeat(4086) + '😀'.repeat(10) }, 4100, 's')!;
    expect(r.detail).toMatchObject({ bytes: 9 + 4086 + 40 + 2, raw_truncated: true });
    expect(r.raw).toBe('{"text":"' + 'a'.repeat(4086));
  });
});
