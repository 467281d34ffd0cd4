import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../../helpers/run.js';

// new-user review #17: a WARC or Parquet file piped in (`cat x.warc.gz | corpus-clean cat`) was
// read as JSON Lines: every line a json_parse reject, or garbage. stdin's first decoded bytes tell.

const WARC = join(ROOT, 'fixtures/warc');
const PARQUET = join(ROOT, 'fixtures/parquet/dolma-snappy.parquet');

/** The records `cat` writes for a file given by name (what the same bytes on stdin must give, sources aside). */
async function catFile(file: string): Promise<unknown[]> {
  const r = await runCli(['cat', file, '-q']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

describe('stdin holding WARC or Parquet (new-user review #17)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  for (const name of ['dolma-slice.warc.gz', 'dolma-slice.warc']) {
    it(`${name} on stdin is read as WARC, as the file is`, async () => {
      const bytes = readFileSync(join(WARC, name));
      const r = await runCli(['cat', '-q'], { input: bytes });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(await catFile(join(WARC, name)));
    });
  }

  it('a Parquet file on stdin (and gzipped) is read from a temporary copy, removed after', async () => {
    const want = await catFile(PARQUET);
    expect(want).toHaveLength(3);
    const env = { TMPDIR: tmp };
    for (const input of [readFileSync(PARQUET), gzipSync(readFileSync(PARQUET))]) {
      const r = await runCli(['cat', '-q'], { input, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(want);
      expect(await readdir(tmp)).toEqual([]);
    }
    // --format parquet reads stdin the same way (it was held in memory, compressed bytes not inflated).
    const r = await runCli(['cat', '-q', '--format', 'parquet'], { input: gzipSync(readFileSync(PARQUET)), env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('stdin damaged after its Parquet magic (a zstd of two frames, the second damaged): named, exit 1, nothing read, no temporary left', async () => {
    const { zstdEncoder } = await import('../../../src/io/zstdEncode.js');
    const encode = await zstdEncoder();
    const bytes = readFileSync(PARQUET);
    const half = bytes.length >> 1;
    const second = Buffer.from(encode(bytes.subarray(half)));
    second.fill(0x41, 20, second.length - 8);
    const input = Buffer.concat([encode(bytes.subarray(0, half)), second]);
    const r = await runCli(['cat', '-q'], { input, env: { TMPDIR: tmp } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/-: zstd: .*: the Parquet input was not read \(Parquet is read from its footer, so only once it is whole\)/);
    expect(r.stdout).toBe('');
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a damaged gzip on stdin is not sniffed (nothing of it is verified): its lines are unverified rejects, exit 1', async () => {
    const gz = gzipSync(readFileSync(PARQUET));
    gz.fill(0x41, 200, 400);
    const r = await runCli(['cat', '-q'], { input: gz, env: { TMPDIR: tmp } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/read\/unverified/);
    expect(r.stdout).toBe('');
    expect(await readdir(tmp)).toEqual([]);
  });

  it('SIGTERM while stdin is copied removes the copy (exit 143)', async () => {
    const bytes = readFileSync(PARQUET);
    const p = spawn(process.execPath, [CLI, 'cat', '-q'], { env: { ...process.env, TMPDIR: tmp, CORPUS_CLEAN_PROGRESS_MS: 'off' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const closed = new Promise<number | null>((res) => p.on('close', (code) => res(code)));
    // Half of the file, and stdin left open: the copy is being made.
    p.stdin.write(bytes.subarray(0, bytes.length >> 1));
    for (let i = 0; i < 600 && (await readdir(tmp)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await readdir(tmp)).filter((f) => f.startsWith('corpus-clean-stdin-'))).toHaveLength(1);
    p.kill('SIGTERM');
    expect(await closed).toBe(143);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('an HTML page on stdin (its sibling: each line was a json_parse or invalid_utf8 reject) is read as the .html file is', async () => {
    const page = join(ROOT, 'fixtures/html/zh-article-gbk.html');
    const want = await catFile(page);
    for (const input of [readFileSync(page), gzipSync(Buffer.concat([Buffer.from(' \n'), readFileSync(page)]))]) {
      const r = await runCli(['cat', '-q'], { input });
      expect(r.code, r.stderr).toBe(0);
      const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(got).toEqual((want as Record<string, unknown>[]).map((d) => ({ ...d, id: '-' })));
    }
  });

  it('JSON Lines and a JSON array on stdin are read as before', async () => {
    const lines = await runCli(['cat', '-q'], { input: '{"text":"Plain line"}\n{"text":"Two"}\n' });
    expect([lines.code, lines.stdout]).toEqual([0, '{"text":"Plain line"}\n{"text":"Two"}\n']);
    const array = await runCli(['cat', '-q'], { input: '[\n{"text":"A"}\n]\n' });
    expect([array.code, array.stdout]).toEqual([0, '{"text":"A"}\n']);
  });
});
