import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * The CLI run by bash under `ulimit -v KB` (address space): every WebAssembly.Memory reserves
 * ~8-10 GiB of it on 64-bit V8, so such a limit makes `new WebAssembly.Memory` throw.
 */
function underLimit(kb: number, args: string[]): { code: number | null; stderr: string } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -v ${kb} && exec ${quoted}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORPUS_CLEAN_PROGRESS_MS: 'off' } });
  return { code: r.status, stderr: r.stderr };
}

// Hostile review 19 F1: under `ulimit -v` of 8 GB or less, MinHash dedup (`dedup`, `dedup-disk`)
// died with a RangeError stack from the SIMD signer's memory; it must take the scalar loop
// (same signatures) and give the output of a run without the limit.
describe('MinHash dedup under an address-space limit (ulimit -v)', () => {
  const input = join(ROOT, 'fixtures/dedup');

  it('dedup and dedup-disk run with the scalar signatures and write what they write without the limit', async () => {
    const dir = await tempDir();
    const free = await runCli(['dedup', input, '-o', join(dir, 'free.jsonl'), '--rejects', join(dir, 'free.rej'), '-q']);
    expect(free.code, free.stderr).toBe(0);
    const limited = underLimit(6_000_000, ['dedup', input, '-o', join(dir, 'lim.jsonl'), '--rejects', join(dir, 'lim.rej'), '-q']);
    expect(limited.stderr).not.toMatch(/RangeError|WebAssembly/);
    expect(limited.code, limited.stderr).toBe(0);
    const want = await readFile(join(dir, 'free.jsonl'), 'utf8');
    expect(await readFile(join(dir, 'lim.jsonl'), 'utf8')).toBe(want);
    const wantRejects = await readFile(join(dir, 'free.rej'), 'utf8');
    expect(wantRejects.length).toBeGreaterThan(0);
    expect(await readFile(join(dir, 'lim.rej'), 'utf8')).toBe(wantRejects);
    const disk = underLimit(6_000_000, ['dedup-disk', input, '--work', join(dir, 'work'), '-o', join(dir, 'disk.jsonl'), '-q']);
    expect(disk.stderr).not.toMatch(/RangeError|WebAssembly/);
    expect(disk.code, disk.stderr).toBe(0);
    expect(await readFile(join(dir, 'disk.jsonl'), 'utf8')).toBe(want);
    await rm(dir, { recursive: true, force: true });
  });
});
