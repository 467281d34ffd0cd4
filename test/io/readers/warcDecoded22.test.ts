import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readFiles } from '../../../src/io/readers/index.js';
import { drain, tempDir } from '../../helpers/run.js';

// Hostile review 22 H3: a response whose HTTP payload is gzip (Content-Encoding) was inflated
// whole before any size check (600 KB on disk: 29 s, 1.3 GB, then warc_damaged "Cannot create a
// string longer than ..."). It is now inflated piece by piece and rejected as warc_too_large once
// it is over the record size limit, the records after it read as before.

function warcRecord(uri: string, id: string, block: Buffer): Buffer {
  const head = `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:${id}>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${block.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), block, Buffer.from('\r\n\r\n')]);
}

function http(body: Buffer, headers = ''): Buffer {
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n${headers}Content-Length: ${body.length}\r\n\r\n`), body]);
}

function chunked(body: Buffer): Buffer {
  const half = Math.floor(body.length / 2);
  const part = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
  return Buffer.concat([part(body.subarray(0, half)), part(body.subarray(half)), Buffer.from('0\r\n\r\n')]);
}

const page = (words: string): Buffer => Buffer.from(`<html><head><title>t</title></head><body><p>${words}</p></body></html>`);

describe('WARC: a Content-Encoding payload is decoded within the record size limit', () => {
  it('a gzip bomb is warc_too_large, stopped long before its end; pages around it, gzip, chunked or mislabelled, read as before', async () => {
    const dir = await tempDir();
    const limit = 1 << 20;
    const bombBody = Buffer.concat([Buffer.from('<p>'), Buffer.alloc(96 << 20, 0x61), Buffer.from('</p>')]);
    const bomb = gzipSync(bombBody, { level: 1 });
    expect(bomb.length).toBeLessThan(limit);
    const bombBlock = http(bomb, 'Content-Encoding: gzip\r\n');
    const records = [
      warcRecord('https://e.org/plain', 'p1', http(page('a plain page of words'))),
      warcRecord('https://e.org/bomb', 'p2', bombBlock),
      warcRecord('https://e.org/gz', 'p3', http(gzipSync(page('a gzip page of words')), 'Content-Encoding: gzip\r\n')),
      warcRecord('https://e.org/chunked', 'p4', http(chunked(gzipSync(page('a chunked gzip page of words'))), 'Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n')),
      // Said to be gzip and not: warcio falls back to the bytes as they are.
      warcRecord('https://e.org/liar', 'p5', http(page('a page that is not gzip at all'), 'Content-Encoding: gzip\r\n')),
    ];
    const p = join(dir, 'b.warc');
    await writeFile(p, Buffer.concat(records));
    const d = await drain(readFiles([p], { maxLineBytes: limit }));
    expect(d.fileErrors).toEqual([]);
    expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_too_large', `${p}:2`]]);
    const detail = d.rejects[0].detail as { bytes: number; decoded_over: number; limit: number };
    expect(detail.bytes).toBe(bombBlock.length);
    expect(detail.limit).toBe(limit);
    expect(detail.decoded_over).toBeGreaterThan(limit);
    // Stopped within a piece's inflation of the limit, not at the end of the 96 MiB.
    expect(detail.decoded_over).toBeLessThan(80 << 20);
    expect(d.docs.map((x) => x.data.text)).toEqual(['a plain page of words', 'a gzip page of words', 'a chunked gzip page of words', 'a page that is not gzip at all']);
  });
});
