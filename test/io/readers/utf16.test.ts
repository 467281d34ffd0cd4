import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { planTasks } from '../../../src/exec/plan.js';
import { readChunks, readFiles } from '../../../src/io/readers/index.js';
import { chunked, drain, runCli, tempDir } from '../../helpers/run.js';

// review-hostile2 L5: a UTF-16 file (what Windows tools and Python's `encoding='utf-16'` write) was
// split on 0x0A bytes into one invalid_utf8/json_parse reject per line, and the reason never named.
// It is now one file error naming the encoding and the iconv command; no reject, nothing read.
const utf16 = (s: string, be = false): Buffer => {
  const le = Buffer.from(`\ufeff${s}`, 'utf16le');
  return be ? le.swap16() : le;
};
const JSONL = '{"text":"Grüße aus Köln"}\n{"text":"第二行"}\n';

describe('readers: a UTF-16 file is named once as the file error', () => {
  it('JSONL, JSON, CSV, TSV and text (whole and per line), UTF-16LE and BE, plain and gzip', async () => {
    const dir = await tempDir();
    const files: [string, string, Record<string, unknown>][] = [
      ['a.jsonl', JSONL, {}],
      ['a.json', '[{"text":"x"},{"text":"y"}]', {}],
      ['a.csv', 'text,id\nGrüße,1\n第二行,2\n', {}],
      ['a.tsv', 'text\tid\nGrüße\t1\n', {}],
      ['a.txt', 'Grüße aus Köln\n第二行\n', {}],
      ['b.txt', 'Grüße aus Köln\n第二行\n', { txtMode: 'line' }],
    ];
    for (const [name, text, options] of files) {
      for (const be of [false, true]) {
        for (const gz of [false, true]) {
          const p = join(dir, `${be ? 'be' : 'le'}-${name}${gz ? '.gz' : ''}`);
          const bytes = utf16(text, be);
          await writeFile(p, gz ? gzipSync(bytes) : bytes);
          const d = await drain(readFiles([p], options));
          const what = `${p} ${JSON.stringify(options)}`;
          expect(d.rejects, what).toEqual([]);
          expect(d.docs, what).toEqual([]);
          expect(d.read, what).toBe(0);
          expect(d.fileErrors, what).toHaveLength(1);
          expect(d.fileErrors[0].message, what).toBe(`UTF-16${be ? 'BE' : 'LE'} file (byte-order mark at its start): this reader takes UTF-8; convert it with iconv -f UTF-16 -t UTF-8`);
        }
      }
    }
  });

  it('a byte-order mark split across 1-byte chunks is still seen; UTF-32 is named as such', async () => {
    const d = await drain(readChunks('x.jsonl', chunked(utf16(JSONL), 1), 'jsonl'));
    expect(d.fileErrors.map((e) => e.message)).toEqual([expect.stringMatching(/^UTF-16LE file/)]);
    expect(d.rejects).toEqual([]);
    const u32 = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('{\0\0\0}\0\0\0\n\0\0\0', 'latin1')]);
    const e = await drain(readChunks('x.jsonl', chunked(u32, 3), 'jsonl'));
    expect(e.fileErrors.map((x) => x.message)).toEqual([expect.stringMatching(/^UTF-32LE file .*iconv -f UTF-32 -t UTF-8$/)]);
  });

  it('held: UTF-8 (with or without its BOM) and files shorter than a BOM read as before', async () => {
    const d = await drain(readChunks('x.jsonl', chunked(Buffer.from(`\ufeff${JSONL}`), 1), 'jsonl'));
    expect(d.fileErrors).toEqual([]);
    expect(d.docs.map((x) => x.data.text)).toEqual(['Grüße aus Köln', '第二行']);
    const one = await drain(readChunks('x.txt', chunked(Buffer.from('a'), 1), 'txt'));
    expect(one.docs.map((x) => x.data.text)).toEqual(['a']);
    const ff = await drain(readChunks('x.txt', chunked(Buffer.from([0xff]), 1), 'txt'));
    expect(ff.rejects.map((r) => r.reason)).toEqual(['invalid_utf8']);
  });

  it('the CLI: exit 1, the message once on stderr, no rejects', async () => {
    const dir = await tempDir();
    const p = join(dir, 'u16.jsonl');
    await writeFile(p, utf16(JSONL.repeat(50)));
    const r = await runCli(['cat', p, '-o', join(dir, 'out.jsonl'), '--rejects', join(dir, 'rej.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/UTF-16LE file/g)).toHaveLength(1);
    expect(r.stderr).toContain('iconv -f UTF-16 -t UTF-8');
    expect(r.stderr).not.toMatch(/invalid_utf8|json_parse/);
  });

  it('run: a large UTF-16 JSONL file is one task (not byte ranges that read as invalid UTF-8), and the run names it', async () => {
    const dir = await tempDir();
    const p = join(dir, 'u16.jsonl');
    await writeFile(p, utf16(JSONL.repeat(400)));
    expect(await planTasks([p], 'auto', 4096)).toEqual([{ file: p, bytes: expect.any(Number) }]);
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, `name: u16\ninput: [${p}]\nstages:\n  - normalize: {}\n`);
    const r = await runCli(['run', recipe, '-q', '-o', join(dir, 'out'), '--task-size', '4KB']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UTF-16LE file');
    expect(r.stderr).not.toMatch(/invalid_utf8|json_parse/);
  });
});
