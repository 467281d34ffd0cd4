import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/run.js';

// Hostile review 23 H3a (H3's sibling): a .warc.gz's own gzip member (one per record) was handed
// to warcio's inflater as read, 1 MiB at a time, and pako inflates what it is given whole before
// handing any of it on: a member of one 600 MiB record (612 KB on disk) took 736 MB to be rejected
// as warc_too_large, a 1.5 GiB one 1.19 GB (the same record in a plain .warc: 107 MB). Given in
// 16 KiB pieces, what one inflates to is bounded (~16 MiB). Measured by the CLI's own peak
// resident size (process.resourceUsage().maxRSS at exit, written by a preloaded script).

function record(uri: string, body: Buffer): Buffer {
  const block = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const head = `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:${uri.length}>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${block.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), block, Buffer.from('\r\n\r\n')]);
}

describe('.warc.gz: a member inflating to a huge record (H3a)', () => {
  it('is rejected as warc_too_large in bounded memory; the records around it are read', async () => {
    const dir = await tempDir();
    const page = (w: string): Buffer => record(`http://${w}.example/`, Buffer.from(`<html><body><p>${`${w} is a good page with some words. `.repeat(20)}</p></body></html>`));
    const big = 300 << 20;
    const huge = record('http://huge.example/', Buffer.concat([Buffer.from('<html><body><p>'), Buffer.alloc(big, 'a'), Buffer.from('</p></body></html>')]));
    await writeFile(join(dir, 'in.warc.gz'), Buffer.concat([gzipSync(page('first')), gzipSync(huge, { level: 9 }), gzipSync(page('last'))]));
    // The peak resident size of the CLI's own memory (VmHWM; getrusage's maxRSS keeps the parent's from the fork).
    await writeFile(join(dir, 'rss.cjs'), "process.on('exit', () => { const fs = require('fs'); fs.writeSync(2, 'maxrss ' + /VmHWM:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1] + '\\n'); });\n");
    const r = await runCli(['extract', 'in.warc.gz', '-o', 'out.jsonl', '--rejects', 'rej.jsonl', '--max-reject-rate', '1'], { cwd: dir, env: { NODE_OPTIONS: `--require ${join(dir, 'rss.cjs')}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 3 = written 2 + rejected 1 [read/warc_too_large 1]');
    const urls = (await readFile(join(dir, 'out.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).url);
    expect(urls).toEqual(['http://first.example/', 'http://last.example/']);
    expect(JSON.parse(await readFile(join(dir, 'rej.jsonl'), 'utf8')).reason).toBe('warc_too_large');
    // Before: ~400 MB (the 300 MiB inflated at once); after: ~125 MB, as a small file.
    const kb = Number(/maxrss (\d+)/.exec(r.stderr)?.[1]);
    expect(kb).toBeGreaterThan(0);
    expect(kb).toBeLessThan(250_000);
  });
});
