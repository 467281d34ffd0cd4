import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zstdCodecName } from '../../src/io/zstdEncode.js';
import { zstdCodecRecord, zstdField } from '../../src/io/zstdRecord.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// New-user review 13 #4: the README promises byte-identical .zst output "where every process has
// the same codec", but which codec wrote a run was recorded nowhere (node:zlib on Node 22.15+, the
// optional native addon, else the WebAssembly build: each writes other compressed bytes).

const SAMPLE = join(ROOT, 'fixtures/sample');
const LICENSES = join(SAMPLE, 'licenses.jsonl');
const stats = async (f: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(f, 'utf8')) as Record<string, unknown>;

describe('_stats.json names the zstd codec that wrote the .zst files', () => {
  it('run (its tasks on two workers) and a single command record it; without .zst output there is none', async () => {
    const dir = await tempDir();
    try {
      const here = zstdCodecRecord(await zstdCodecName());
      expect(here.version).not.toBe('unknown');
      const run = join(dir, 'run');
      const r = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', SAMPLE, '-o', run, '--workers', '2', '--task-size', '100KiB', '--rejects-compress', 'zstd']);
      expect(r.code, r.stderr).toBe(0);
      expect((await stats(join(run, '_stats.json'))).zstd).toEqual(here);
      const gz = join(dir, 'gz');
      expect((await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', SAMPLE, '-o', gz, '--rejects-compress', 'gzip', '--compress', 'gzip'])).code).toBe(0);
      expect(await stats(join(gz, '_stats.json'))).not.toHaveProperty('zstd');
      const one = await runCli(['quality', LICENSES, '-q', '-o', join(dir, 'q.jsonl.zst'), '--stats', join(dir, 'q.json')]);
      expect(one.code, one.stderr).toBe(0);
      expect((await stats(join(dir, 'q.json'))).zstd).toEqual(here);
      expect((await runCli(['quality', LICENSES, '-q', '-o', join(dir, 'p.jsonl'), '--stats', join(dir, 'p.json')])).code).toBe(0);
      expect(await stats(join(dir, 'p.json'))).not.toHaveProperty('zstd');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists each codec once, and every one when tasks wrote with several', () => {
    const a = { codec: 'node:zlib' as const, version: 'node v22.15.0' };
    const b = { codec: '@toondepauw/node-zstd' as const, version: '2.0.0' };
    expect(zstdField([undefined, []])).toEqual({});
    expect(zstdField([[a], a, undefined, [a]])).toEqual({ zstd: a });
    expect(zstdField([[a], [b, a], b])).toEqual({ zstd: [a, b] });
  });
});
