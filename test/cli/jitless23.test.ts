import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 E1: under NODE_OPTIONS=--jitless (V8 without compilers, so without the
// WebAssembly global) langid and a run with langid died with "error: ReferenceError: WebAssembly
// is not defined" and ten frames of stack, exit 1. Now one line naming the cause, exit 2, before
// any record is read; cld2 (no WebAssembly) still runs.
const said = "langid's fastText lid.176 runs in WebAssembly, which this Node does not have (--jitless is set, in NODE_OPTIONS or on the node command line): run without --jitless, or choose the backend cld2";

describe('langid without WebAssembly (--jitless, E1)', () => {
  it('langid and run stop with one line, exit 2, nothing written; cld2 runs', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    const env = { NODE_OPTIONS: '--jitless' };
    // Node's own warning about --expose_wasm is its line, not ours.
    const ours = (stderr: string): string[] => stderr.trimEnd().split('\n').filter((l) => !l.startsWith('Warning: disabling flag'));
    for (const backend of [[], ['--backend', 'fasttext']]) {
      const r = await runCli(['langid', input, ...backend, '-o', join(dir, 'l.jsonl'), '-q'], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(ours(r.stderr)).toEqual([expect.stringContaining(`corpus-clean: ${said}`)]);
      expect(existsSync(join(dir, 'l.jsonl'))).toBe(false);
    }
    await writeFile(join(dir, 'r.yaml'), 'name: l\nstages:\n  - langid: {}\n');
    const run = await runCli(['run', 'r.yaml', '-i', input, '-o', 'run', '-q'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(2);
    expect(ours(run.stderr)).toEqual([expect.stringContaining(`corpus-clean: r.yaml: stages[0] (langid): ${said}`)]);
    expect(existsSync(join(dir, 'run'))).toBe(false);
    const cld2 = await runCli(['langid', input, '--backend', 'cld2', '-o', join(dir, 'c.jsonl'), '-q'], { env });
    expect(cld2.code, cld2.stderr).toBe(0);
  });

  // XXH64 (exact dedup, the .zst frames' checksums) falls back to plain JavaScript, as under an
  // address-space limit (addressLimit20): 'ReferenceError: WebAssembly is not defined', exit 1, before.
  it('exact dedup and a .zst output and reading it back give what they give with WebAssembly', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    for (const [name, args] of [
      ['exact.jsonl', ['dedup', '--exact', input]],
      ['all.jsonl.zst', ['cat', input]],
    ] as const) {
      const free = await runCli([...args, '-o', join(dir, `free-${name}`), '-q']);
      expect(free.code, free.stderr).toBe(0);
      const jitless = await runCli([...args, '-o', join(dir, `jl-${name}`), '-q'], { env: { NODE_OPTIONS: '--jitless' } });
      expect(jitless.code, jitless.stderr).toBe(0);
      expect(await readFile(join(dir, `jl-${name}`))).toEqual(await readFile(join(dir, `free-${name}`)));
    }
    const back = await runCli(['cat', join(dir, 'free-all.jsonl.zst'), '-o', join(dir, 'back.jsonl'), '-q'], { env: { NODE_OPTIONS: '--jitless' } });
    expect(back.code, back.stderr).toBe(0);
    expect((await readFile(join(dir, 'back.jsonl'), 'utf8')).split('\n').length - 1).toBe(31);
  });

  // hyparquet-compressors' WebAssembly (Snappy): every Parquet file was read as damaged_input.
  it('Parquet inputs read as with WebAssembly', async () => {
    const dir = await tempDir();
    const args = ['cat', join(ROOT, 'fixtures/parquet'), '-q'];
    const free = await runCli([...args, '-o', join(dir, 'free.jsonl'), '--rejects', join(dir, 'free.rej')]);
    const jitless = await runCli([...args, '-o', join(dir, 'jl.jsonl'), '--rejects', join(dir, 'jl.rej')], { env: { NODE_OPTIONS: '--jitless' } });
    expect(jitless.code).toBe(free.code);
    expect(await readFile(join(dir, 'jl.jsonl'))).toEqual(await readFile(join(dir, 'free.jsonl')));
    expect(await readFile(join(dir, 'jl.rej'))).toEqual(await readFile(join(dir, 'free.rej')));
  });
});
