import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';

/** The CLI run by bash under `ulimit -v KB`: no WebAssembly memory can be reserved (~8-10 GiB each). */
function underLimit(kb: number, args: string[], cwd = ROOT): { code: number | null; stderr: string } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -v ${kb} && exec ${quoted}`], { cwd, encoding: 'utf8', env: { ...process.env, CORPUS_CLEAN_PROGRESS_MS: 'off' } });
  return { code: r.status, stderr: r.stderr };
}

// New-user review 19 (the siblings d7ef2f8 left): under `ulimit -v 4000000` exact dedup, every
// .zst write and read (their XXH64 checksums) died with "RangeError: WebAssembly.instantiate():
// Out of memory" from xxhash-wasm. The hashes now fall back to plain JavaScript: same output.
describe('XXH64 under an address-space limit (ulimit -v)', () => {
  it('exact dedup, a .zst output and reading it back give what they give without the limit', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    for (const [name, args] of [
      ['exact.jsonl', ['dedup', '--exact', input]],
      ['all.jsonl.zst', ['cat', input]],
    ] as const) {
      const free = await runCli([...args, '-o', join(dir, `free-${name}`), '-q']);
      expect(free.code, free.stderr).toBe(0);
      const limited = underLimit(4_000_000, [...args, '-o', join(dir, `lim-${name}`), '-q']);
      expect(limited.stderr).not.toMatch(/RangeError|WebAssembly/);
      expect(limited.code, limited.stderr).toBe(0);
      expect(await readFile(join(dir, `lim-${name}`))).toEqual(await readFile(join(dir, `free-${name}`)));
    }
    const back = underLimit(4_000_000, ['cat', join(dir, 'free-all.jsonl.zst'), '-o', join(dir, 'back.jsonl'), '-q']);
    expect(back.stderr).not.toMatch(/RangeError|WebAssembly|damaged/);
    expect(back.code, back.stderr).toBe(0);
    expect((await readFile(join(dir, 'back.jsonl'), 'utf8')).split('\n').length - 1).toBe(31);
    await rm(dir, { recursive: true, force: true });
  });
});
