import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChunks, readFiles } from '../../../src/io/readers/index.js';
import { drain, HAS_SHARED, ROOT, runCli, SHARED, tempDir } from '../../helpers/run.js';

const FIX = join(ROOT, 'fixtures/warc');

/** A WARC/1.0 record with a correct Content-Length. */
function warcRecord(type: string, uri: string, id: string, block: Buffer, contentType = 'application/http; msgtype=response'): Buffer {
  const head = `WARC/1.0\r\nWARC-Type: ${type}\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:${id}>\r\nContent-Type: ${contentType}\r\nContent-Length: ${block.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), block, Buffer.from('\r\n\r\n')]);
}
function http(status: string, contentType: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

describe('WARC reader on a slice of a real Common Crawl-style WARC (fixtures/warc)', () => {
  for (const name of ['dolma-slice.warc.gz', 'dolma-slice.warc']) {
    it(`${name}: one record per HTML response, with url, date, id, content type and text`, async () => {
      const path = join(FIX, name);
      const d = await drain(readFiles([path]));
      expect(d.rejects).toEqual([]);
      expect(d.fileErrors).toEqual([]);
      expect(d.read).toBe(2);
      expect(d.docs.map((x) => x.source)).toEqual([`${path}:3`, `${path}:5`]);
      const [facts, zotero] = d.docs.map((x) => x.data);
      expect(facts).toMatchObject({
        url: 'https://soldaini.net/facts/',
        date: '2024-04-25T16:24:45Z',
        warc_record_id: 'urn:uuid:616F6005-E014-4447-B847-051775828114',
        content_type: 'text/html; charset=utf-8',
        charset: 'utf-8',
        title: 'Facts',
      });
      expect(facts.text).toMatch(/^Facts\n\nIn no particular order, here are some facts about me:\n\nMy last name is pronounced/);
      expect(zotero.url).toBe('https://maria-antoniak.github.io/2023/04/11/paperpile-to-zotero.html');
      expect(typeof zotero.text === 'string' && zotero.text.length > 500).toBe(true);
    });
  }

  it('dolma-slice.warc.gz with its middle response damaged: that record is a reject, the records after it are read', async () => {
    // Members (offsets of the 7 gzip members): 0 warcinfo, 441 request, 852 response (facts),
    // 4236 request, 4678 response (zotero), 8226 metadata, 8542 resource.
    const bytes = Buffer.from(readFileSync(join(FIX, 'dolma-slice.warc.gz')));
    bytes.fill(0x41, 852 + 40, 852 + 400); // inside the deflate data of the facts response
    const dir = await tempDir();
    try {
      const p = join(dir, 'mid-damaged.warc.gz');
      await writeFile(p, bytes);
      const d = await drain(readFiles([p]));
      expect(d.docs.map((x) => [x.source, x.data.url])).toEqual([[`${p}:5`, 'https://maria-antoniak.github.io/2023/04/11/paperpile-to-zotero.html']]);
      expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_damaged', `${p}:3`]]);
      expect(d.rejects[0].detail).toMatchObject({ offset: 852, resumed_at: 4236 });
      // Resumed damage is named, exit 1, as a damaged gzip or zstd frame (hostile review 6 F11).
      expect(d.fileErrors).toMatchObject([{ file: p, resumedAt: d.rejects[0].detail?.resumed_at }]);
      expect(d.read).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('dolma-slice.warc with a record header destroyed: that record is a reject, the next header is found', async () => {
    const bytes = Buffer.from(readFileSync(join(FIX, 'dolma-slice.warc')));
    const starts: number[] = [];
    for (let i = bytes.indexOf('WARC/1.0'); i !== -1; i = bytes.indexOf('WARC/1.0', i + 1)) starts.push(i);
    expect(starts).toHaveLength(7);
    bytes.fill(0, starts[2], starts[2] + 30); // the facts response's first header lines
    const dir = await tempDir();
    try {
      const p = join(dir, 'hdr-damaged.warc');
      await writeFile(p, bytes);
      const d = await drain(readFiles([p]));
      expect(d.docs.map((x) => x.source)).toEqual([`${p}:5`]);
      expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_damaged', `${p}:3`]]);
      expect(d.rejects[0].detail).toMatchObject({ offset: starts[2], resumed_at: starts[3] });
      // Resumed damage is named, exit 1, as a damaged gzip or zstd frame (hostile review 6 F11).
      expect(d.fileErrors).toMatchObject([{ file: p, resumedAt: d.rejects[0].detail?.resumed_at }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives the same records whatever the chunk size the bytes arrive in (1 to 12 bytes)', async () => {
    const bytes = readFileSync(join(FIX, 'dolma-slice.warc.gz'));
    const whole = (await drain(readFiles([join(FIX, 'dolma-slice.warc.gz')]))).docs.map((d) => d.data);
    for (let size = 1; size <= 12; size++) {
      const chunks = (async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      })();
      const d = await drain(readChunks('slice.warc.gz', chunks, 'warc'));
      expect(d.docs.map((x) => x.data), `chunk size ${size}`).toEqual(whole);
      expect(d.rejects).toEqual([]);
    }
  });

  it('counts the responses the way `zcat | grep -c "WARC-Type: response"` does', () => {
    const n = Number(execFileSync('sh', ['-c', `zcat '${join(FIX, 'dolma-slice.warc.gz')}' | grep -ac 'WARC-Type: response'`], { encoding: 'utf8' }).trim());
    expect(n).toBe(2);
  });
});

describe('WARC-Block-Digest of an uncompressed WARC is checked (hostile review 7 F12)', () => {
  const slice = readFileSync(join(FIX, 'dolma-slice.warc'));
  /** The slice with one bit flipped `into` bytes after the start of the block of record `k` (1-based). */
  function flipped(k: number, into: number): Buffer {
    const starts: number[] = [];
    for (let i = slice.indexOf('WARC/1.0'); i !== -1; i = slice.indexOf('WARC/1.0', i + 1)) starts.push(i);
    const b = Buffer.from(slice);
    b[slice.indexOf('\r\n\r\n', starts[k - 1]) + 4 + into] ^= 0x08;
    return b;
  }
  async function* pieces(b: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
  }

  it('a flipped bit in a page is a warc_damaged reject of that record, the file named; the others are read; in any chunk size', async () => {
    // The facts page (record 3): its text would have changed silently (exit 0) before.
    const bad = flipped(3, 3000);
    // (Chunks of 1-3 bytes: warcio misread a plain WARC that came so; a stream is gathered first.)
    for (const size of [3, 4096, bad.length]) {
      const clean = await drain(readChunks('x.warc', pieces(slice, size), 'warc'));
      expect(clean.fileErrors, `chunks of ${size}`).toEqual([]);
      expect(clean.docs).toHaveLength(2);
      const d = await drain(readChunks('x.warc', pieces(bad, size), 'warc'));
      expect(d.docs.map((x) => x.source)).toEqual(['x.warc:5']);
      expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_damaged', 'x.warc:3']]);
      expect(d.rejects[0].detail).toMatchObject({ url: 'https://soldaini.net/facts/', error: expect.stringMatching(/^its block does not match its WARC-Block-Digest \(sha1:ORASCZFPJAYW7LATZIFO7T5CMDDAEUST; the block hashes to sha1:[A-Z2-7]{32}\)$/) });
      expect(d.fileErrors).toMatchObject([{ file: 'x.warc', message: expect.stringMatching(/^WARC record 3 is damaged: its block does not match its WARC-Block-Digest/), rejected: true }]);
      expect(d.read).toBe(2);
    }
  });

  it('in a record that is not a document (a request), in its HTTP headers, and through the CLI: named, exit 1, the ledger balances', async () => {
    const req = await drain(readChunks('x.warc', pieces(flipped(2, 10), 1000), 'warc'));
    expect(req.docs).toHaveLength(2);
    expect(req.rejects).toEqual([]);
    expect(req.fileErrors).toMatchObject([{ message: expect.stringMatching(/^WARC record 2 is damaged: its block does not match/), kept: 'read on (the record was not a document)' }]);
    const hdr = await drain(readChunks('x.warc', pieces(flipped(5, 20), 1000), 'warc')); // in "HTTP/1.1 200 OK" and after
    expect(hdr.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_damaged', 'x.warc:5']]);
    const dir = await tempDir();
    await writeFile(join(dir, 'f.warc'), flipped(3, 3000));
    const r = await runCli(['extract', join(dir, 'f.warc'), '-o', join(dir, 'f.jsonl'), '--rejects', join(dir, 'rej.jsonl'), '--max-reject-rate', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/read 2 = written 1 \+ rejected 1 \[read\/warc_damaged 1\]/);
    expect(r.stderr).toMatch(/f\.warc: WARC record 3 is damaged: its block does not match its WARC-Block-Digest \(sha1:ORASCZFPJAYW7LATZIFO7T5CMDDAEUST; the block hashes to sha1:/);
  });

  it('sha256 in hex or base32 is checked too; an algorithm it does not know, or no digest, is read unchecked', async () => {
    const { createHash } = await import('node:crypto');
    const page = http('200 OK', 'text/html', Buffer.from('<html><body><p>A page about rivers and stones, long enough to be kept.</p></body></html>'));
    const b32 = (b: Buffer): string => {
      const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      let out = '';
      let acc = 0;
      let bits = 0;
      for (const x of b) {
        acc = ((acc << 8) | x) & 0xffff;
        bits += 8;
        while (bits >= 5) out += A[(acc >> (bits -= 5)) & 31];
      }
      return out + (bits > 0 ? A[(acc << (5 - bits)) & 31] : '');
    };
    const sha256 = createHash('sha256').update(page).digest();
    const withDigest = (d: string): Buffer => {
      const r = warcRecord('response', 'http://x/', 'a', page);
      const at = r.indexOf('Content-Length');
      return Buffer.concat([r.subarray(0, at), Buffer.from(`WARC-Block-Digest: ${d}\r\n`), r.subarray(at)]);
    };
    const wrong = Buffer.from(sha256);
    wrong[0] ^= 1;
    const cases: [string, boolean][] = [
      [`sha256:${sha256.toString('hex')}`, true],
      [`SHA-256:${b32(sha256)}`, true],
      [`sha256:${wrong.toString('hex')}`, false],
      [`sha1:${b32(createHash('sha1').update(page).digest())}`, true],
      ['foo:abcdef', true],
      ['sha1:not-a-digest', true],
    ];
    for (const [d, good] of cases) {
      const s = await drain(readChunks('x.warc', pieces(withDigest(d), 50), 'warc'));
      expect(s.fileErrors.length, d).toBe(good ? 0 : 1);
      expect(s.docs.length, d).toBe(good ? 1 : 0);
    }
  });
});

describe('WARC reader: non-HTML, HTTP errors, charsets, WET and damage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const gbkPage = readFileSync(join(ROOT, 'fixtures/html/zh-article-gbk.html'));
  // The same GBK bytes with the <meta> removed: only the HTTP header names the charset.
  const noMeta = Buffer.from(gbkPage.toString('latin1').replace('<meta charset="gbk">', ''), 'latin1');
  const records = [
    warcRecord('warcinfo', 'x', 'a0', Buffer.from('software: test\r\n'), 'application/warc-fields'),
    warcRecord('response', 'https://e.org/img.png', 'a1', http('200 OK', 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47]))),
    warcRecord('response', 'https://e.org/missing', 'a2', http('404 Not Found', 'text/html', Buffer.from('<p>not here</p>'))),
    warcRecord('response', 'https://e.org/zh', 'a3', http('200 OK', 'text/html; charset=GBK', noMeta)),
    warcRecord('request', 'https://e.org/zh', 'a4', Buffer.from('GET /zh HTTP/1.1\r\n\r\n'), 'application/http; msgtype=request'),
  ];

  it('skips non-HTML and non-2xx responses with counted reasons, and takes the charset from the HTTP header', async () => {
    const p = join(dir, 'mixed.warc.gz');
    await writeFile(p, Buffer.concat(records.map((r) => gzipSync(r))));
    const d = await drain(readFiles([p]));
    expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([
      ['warc_not_html', `${p}:2`],
      ['warc_http_status', `${p}:3`],
    ]);
    expect(d.rejects[0].detail).toMatchObject({ content_type: 'image/png', url: 'https://e.org/img.png' });
    expect(d.docs).toHaveLength(1);
    expect(d.docs[0].data).toMatchObject({ charset: 'gbk', title: '战国无双3', url: 'https://e.org/zh' });
    expect(d.docs[0].data.text).toContain('锣鼓经是大陆传统器乐');
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('WARC-Identified-Payload-Type decides HTML or not over the HTTP Content-Type (new-user review #11); application/octet-stream identifies nothing', async () => {
    const page = Buffer.from('<html><head><title>T</title></head><body><p>A page served under the wrong type.</p></body></html>');
    const typed = (id: string, declared: string | null, identified: string, body: Buffer): Buffer => {
      const r = warcRecord('response', `https://e.org/${id}`, id, declared === null ? Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]) : http('200 OK', declared, body));
      return Buffer.from(r.toString('latin1').replace('\r\nContent-Length:', `\r\nWARC-Identified-Payload-Type: ${identified}\r\nContent-Length:`), 'latin1');
    };
    const p = join(dir, 'identified.warc');
    await writeFile(p, Buffer.concat([
      typed('c1', 'text/plain', 'text/html', page),
      typed('c2', null, 'application/xhtml+xml', page),
      typed('c3', 'text/html', 'application/json', Buffer.from('{"a": 1, "b": "json served as a page"}')),
      typed('c4', 'text/html; charset=utf-8', 'application/pdf', Buffer.from('bytes a detector called a PDF')),
      typed('c5', 'text/html', 'application/octet-stream', page),
    ]));
    const d = await drain(readFiles([p]));
    expect(d.docs.map((x) => [x.source, x.data.content_type, x.data.identified_payload_type ?? null, x.data.title])).toEqual([
      [`${p}:1`, 'text/plain', 'text/html', 'T'],
      [`${p}:2`, null, 'application/xhtml+xml', 'T'],
      [`${p}:5`, 'text/html', null, 'T'],
    ]);
    expect(d.rejects.map((r) => [r.reason, r.source, r.detail?.content_type, r.detail?.identified_payload_type])).toEqual([
      ['warc_not_html', `${p}:3`, 'text/html', 'application/json'],
      ['warc_not_html', `${p}:4`, 'text/html; charset=utf-8', 'application/pdf'],
    ]);
    expect(d.read).toBe(5);
  });

  it('reads WET conversion records as they are', async () => {
    const p = join(dir, 'x.warc.wet');
    await writeFile(p, warcRecord('conversion', 'https://e.org/', 'b1', Buffer.from('Line one.\nLine two, 中文.'), 'text/plain'));
    const d = await drain(readFiles([p]));
    expect(d.docs.map((x) => x.data)).toEqual([{ url: 'https://e.org/', date: '2024-01-02T03:04:05Z', warc_record_id: 'urn:uuid:b1', content_type: 'text/plain', text: 'Line one.\nLine two, 中文.' }]);
  });

  it('a WET conversion record whose text is not UTF-8 is an invalid_utf8 reject with its bytes, not U+FFFD', async () => {
    const p = join(dir, 'latin1.warc.wet');
    await writeFile(p, Buffer.concat([warcRecord('conversion', 'https://e.org/1', 'l1', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain'), warcRecord('conversion', 'https://e.org/2', 'l2', Buffer.from('ok'), 'text/plain')]));
    const d = await drain(readFiles([p]));
    expect(d.docs.map((x) => x.data.text)).toEqual(['ok']);
    expect(d.rejects.map((r) => [r.reason, r.raw_base64, r.detail?.url])).toEqual([['invalid_utf8', 'Y2Fm6Q==', 'https://e.org/1']]);
  });

  it('a damaged record is a reject, never a crash; reading starts again at the next record', async () => {
    const good = gzipSync(records[3]);
    const bad = gzipSync(records[3]);
    bad.fill(0x41, 20, 60); // corrupt the deflate stream of the second member
    const p = join(dir, 'damaged.warc.gz');
    await writeFile(p, Buffer.concat([good, bad, good]));
    const d = await drain(readFiles([p]));
    expect(d.docs.map((x) => x.source)).toEqual([`${p}:1`, `${p}:3`]);
    expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_damaged', `${p}:2`]]);
    expect(d.rejects[0].detail).toMatchObject({ offset: good.length, resumed_at: good.length + bad.length });
    // Resumed damage is named, exit 1, as a damaged gzip or zstd frame (hostile review 6 F11).
    expect(d.fileErrors).toMatchObject([{ file: p, resumedAt: d.rejects[0].detail?.resumed_at }]);
    expect(d.read).toBe(3);
    expect(d.bytes).toBe(good.length * 2 + bad.length);
  });

  it('damage at the end of a file (nothing to resume at) is a reject and a file error', async () => {
    const good = gzipSync(records[3]);
    const bad = gzipSync(records[3]);
    bad.fill(0x41, 20, 60);
    const p = join(dir, 'damaged-end.warc.gz');
    await writeFile(p, Buffer.concat([good, bad]));
    const d = await drain(readFiles([p]));
    expect(d.docs).toHaveLength(1);
    expect(d.rejects.map((r) => r.reason)).toEqual(['warc_damaged']);
    expect(d.fileErrors).toHaveLength(1);
    // From a stream (no going back), damage stops the file as before.
    const s = await drain(readChunks('x.warc.gz', (async function* () { yield Buffer.concat([good, bad, good]); })(), 'warc'));
    expect(s.docs).toHaveLength(1);
    expect(s.fileErrors).toHaveLength(1);
  });

  it('a truncated record is a reject too', async () => {
    const whole = Buffer.concat([records[3], records[3]]);
    const p = join(dir, 'cut.warc');
    await writeFile(p, whole.subarray(0, records[3].length + 300));
    const d = await drain(readFiles([p]));
    expect(d.docs).toHaveLength(1);
    expect(d.rejects.map((r) => r.reason)).toEqual(['warc_damaged']);
    expect(String(d.rejects[0].detail?.error)).toMatch(/cut short/);
  });

  it('the CLI reads .warc.gz and accounts for every response', async () => {
    const r = await runCli(['cat', join(FIX, 'dolma-slice.warc.gz'), '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe('WARC input cut short anywhere: a named damage and exit 1, never a hang (spawned CLI with a time limit)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `cat` over the first `at` bytes of `bytes`: killed after 60 s, so a hang fails the test instead of hanging it. */
  async function catCut(bytes: Buffer, at: number, name: string): Promise<{ code: number; signal?: NodeJS.Signals | null; lines: number; stderr: string }> {
    const p = join(dir, `${at}-${name}`);
    await writeFile(p, bytes.subarray(0, at));
    const r = await runCli(['cat', p], { timeoutMs: 60_000 });
    return { code: r.code, signal: r.signal, lines: r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length, stderr: r.stderr };
  }

  // fixtures/warc/dolma-slice.warc: record 3 (the facts response) starts at 1115, its WARC
  // Content-Length line at 1629, its HTTP headers at 1653 and its body at 2306; record 4 starts at
  // 8441; record 5 (the zotero response) has its HTTP headers at 9645-10359.
  const plain = readFileSync(join(FIX, 'dolma-slice.warc'));
  const cuts: [number, number, string][] = [
    [1600, 0, 'in the WARC headers, before Content-Length'],
    [1651, 0, 'after Content-Length, before the blank line'],
    [1700, 0, 'in the HTTP headers'],
    [1728, 0, 'in the HTTP headers (the case the fuzz found)'],
    [2306, 0, 'where the body starts'],
    [3000, 0, 'in the body'],
    [8443, 1, 'two bytes into the next record'],
    [8446, 1, "in the next record's first line"],
    [9800, 1, "in the next response's HTTP headers"],
  ];
  for (const [at, kept, where] of cuts) {
    it(`.warc cut at ${at} (${where}): the records before, a damaged record, exit 1`, async () => {
      const r = await catCut(plain, at, 'slice.warc');
      expect(r.signal ?? null, 'killed after 60 s: the reader hung').toBeNull();
      expect(r.code, r.stderr).toBe(1);
      expect(r.lines).toBe(kept);
      expect(r.stderr).toMatch(/WARC record \d+ is damaged/);
    }, 90_000);
  }

  it('.warc.gz cut inside members: the same', async () => {
    // Members: 852 the facts response, 4236 a request, 4678 the zotero response.
    const gz = readFileSync(join(FIX, 'dolma-slice.warc.gz'));
    for (const [at, kept] of [[900, 0], [1900, 0], [4700, 1], [5000, 1]]) {
      const r = await catCut(gz, at, 'slice.warc.gz');
      expect(r.signal ?? null, `cut at ${at}: killed after 60 s`).toBeNull();
      expect([at, r.code, r.lines], r.stderr).toEqual([at, 1, kept]);
      expect(r.stderr).toMatch(/damaged/);
    }
  }, 300_000);

  it('the same from stdin (--format warc): the whole slice gives its 2 pages, a cut one the damage and exit 1', async () => {
    const whole = await runCli(['cat', '-', '--format', 'warc', '-q'], { input: readFileSync(join(FIX, 'dolma-slice.warc.gz')), timeoutMs: 60_000 });
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout.trim().split('\n')).toHaveLength(2);
    const cut = await runCli(['cat', '-', '--format', 'warc'], { input: plain.subarray(0, 1728), timeoutMs: 60_000 });
    expect(cut.signal ?? null).toBeNull();
    expect(cut.code, cut.stderr).toBe(1);
    expect(cut.stderr).toMatch(/WARC record 3 is damaged: the record is cut short/);
    // .warc.gz on stdin cut inside the zotero response's member: the facts page, then the damage.
    const gzCut = await runCli(['cat', '-', '--format', 'warc'], { input: readFileSync(join(FIX, 'dolma-slice.warc.gz')).subarray(0, 5000), timeoutMs: 60_000 });
    expect(gzCut.code, gzCut.stderr).toBe(1);
    expect(gzCut.stdout.trim().split('\n')).toHaveLength(1);
    expect(gzCut.stderr).toMatch(/WARC record 5 is damaged/);
  }, 150_000);

  it('a zstd-compressed .warc.zst is read (it was one warc_damaged), and cut short it is damage, not a hang', async () => {
    const { zstdEncoder } = await import('../../../src/io/zstdEncode.js');
    const zst = Buffer.from((await zstdEncoder())(plain));
    const p = join(dir, 'slice.warc.zst');
    await writeFile(p, zst);
    const d = await drain(readFiles([p]));
    expect(d.rejects).toEqual([]);
    expect(d.fileErrors).toEqual([]);
    expect(d.docs.map((x) => x.data.url)).toEqual(['https://soldaini.net/facts/', 'https://maria-antoniak.github.io/2023/04/11/paperpile-to-zotero.html']);
    const cut = await catCut(Buffer.from((await zstdEncoder())(plain.subarray(0, 1728))), Infinity, 'cut.warc.zst');
    expect(cut.signal ?? null).toBeNull();
    expect(cut.code, cut.stderr).toBe(1);
    expect(cut.stderr).toMatch(/WARC record 3 is damaged/);
  }, 150_000);

  it('a WET file cut in a conversion record\'s headers or text: the same', async () => {
    const one = warcRecord('conversion', 'https://e.org/1', 'c1', Buffer.from('First page text.'), 'text/plain');
    const two = warcRecord('conversion', 'https://e.org/2', 'c2', Buffer.from('Second page text, a little longer.'), 'text/plain');
    const wet = Buffer.concat([one, two]);
    for (const at of [one.length + 30, one.length + two.indexOf('Content-Length') + 5, one.length + two.indexOf('Second') + 3]) {
      const r = await catCut(wet, at, 'x.warc.wet');
      expect(r.signal ?? null, `cut at ${at}: killed after 60 s`).toBeNull();
      expect([at, r.code, r.lines], r.stderr).toEqual([at, 1, 1]);
    }
  }, 300_000);
});

describe.runIf(HAS_SHARED)('WARC reader on the real samples in ../shared/data/web/en/raw', () => {
  for (const name of ['dolma_cc_sample-0000.warc.gz', 'dolma_cc_sample-0001.warc.gz']) {
    it(`${name}: as many records as responses, all HTML, none rejected`, async () => {
      const path = join(SHARED, 'web/en/raw', name);
      const expected = Number(execFileSync('sh', ['-c', `zcat '${path}' | grep -ac 'WARC-Type: response'`], { encoding: 'utf8' }).trim());
      const d = await drain(readFiles([path]));
      expect(expected).toBeGreaterThan(10);
      expect(d.docs.length).toBe(expected);
      expect(d.rejects).toEqual([]);
      for (const doc of d.docs) {
        expect(doc.data.url).toMatch(/^https:\/\//);
        expect(doc.data.warc_record_id).toMatch(/^urn:uuid:/);
        expect(typeof doc.data.text === 'string' && doc.data.text.length > 0).toBe(true);
      }
    });
  }

  it('dolma_cc_sample-0000.warc.gz with a response in the middle damaged: every other response is still read', async () => {
    const path = join(SHARED, 'web/en/raw/dolma_cc_sample-0000.warc.gz');
    const clean = await drain(readFiles([path]));
    const bytes = Buffer.from(readFileSync(path));
    // The gzip members, walked with zlib (each member: header, deflate data, 8-byte trailer).
    const members: number[] = [];
    for (let p = 0; p < bytes.length; ) {
      members.push(p);
      const h = 10 + (bytes[p + 3] & 4 ? 2 + bytes.readUInt16LE(p + 10) : 0);
      p += h + (inflateRawSync(bytes.subarray(p + h), { info: true }) as unknown as { engine: { bytesWritten: number } }).engine.bytesWritten + 8;
    }
    expect(members).toHaveLength(48);
    const mid = members[24]; // record 25 of 48: a response
    expect(inflateRawSync(bytes.subarray(mid + 12 + bytes.readUInt16LE(mid + 10))).subarray(0, 40).toString()).toContain('WARC-Type: response');
    bytes.fill(0x41, mid + 60, mid + 600);
    const dir = await tempDir();
    try {
      const p = join(dir, 'sample-damaged.warc.gz');
      await writeFile(p, bytes);
      const d = await drain(readFiles([p]));
      expect(d.rejects.map((r) => [r.reason, r.source])).toEqual([['warc_damaged', `${p}:25`]]);
      // Resumed damage is named, exit 1, as a damaged gzip or zstd frame (hostile review 6 F11).
      expect(d.fileErrors).toMatchObject([{ file: p, resumedAt: d.rejects[0].detail?.resumed_at }]);
      expect(d.docs).toHaveLength(clean.docs.length - 1);
      const after = d.docs.filter((x) => Number(x.source.split(':').pop()) > 25);
      expect(after.length).toBeGreaterThan(5);
      expect(after.map((x) => x.data)).toEqual(clean.docs.filter((x) => Number(x.source.split(':').pop()) > 25).map((x) => x.data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
