import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
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

  // hyparquet-compressors makes hysnappy's WebAssembly as it loads: every Parquet file was read as
  // damaged ("WebAssembly.Instance(): Out of memory ...; nothing of it was read").
  it('Parquet inputs (Snappy, zstd, gzip, brotli pages) read as without the limit', async () => {
    const dir = await tempDir();
    const args = ['cat', join(ROOT, 'fixtures/parquet'), '-q'];
    const free = await runCli([...args, '-o', join(dir, 'free.jsonl'), '--rejects', join(dir, 'free.rej')]);
    const limited = underLimit(4_000_000, [...args, '-o', join(dir, 'lim.jsonl'), '--rejects', join(dir, 'lim.rej')]);
    expect(limited.stderr).not.toMatch(/RangeError|WebAssembly/);
    expect(limited.code).toBe(free.code);
    expect(await readFile(join(dir, 'lim.jsonl'))).toEqual(await readFile(join(dir, 'free.jsonl')));
    expect(await readFile(join(dir, 'lim.rej'))).toEqual(await readFile(join(dir, 'free.rej')));
    await rm(dir, { recursive: true, force: true });
  });
});

// The modules with no fallback: fastText (langid's cascade and --backend fasttext) died with
// Emscripten's "Aborted(RangeError: WebAssembly.instantiate(): Out of memory ...). Build with
// -sASSERTIONS for more info.", exit 1; zstd-codec (the last zstd compressor) with a RangeError.
describe('WebAssembly without a fallback under an address-space limit', () => {
  const said = /^corpus-clean: langid's fastText lid\.176 runs in WebAssembly, which cannot reserve its memory here: the address space is limited \(ulimit -v 4000000\) and every WebAssembly memory reserves about 10 GB of it; raise the limit \(ulimit -v unlimited\), or choose the backend cld2 \(CLD2 alone\) or franc \(--backend, or backend: in a recipe\)/;

  it('langid (cascade, fasttext) and a run with langid stop with one line and exit 2; cld2 runs', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    for (const backend of [[], ['--backend', 'fasttext']]) {
      const r = underLimit(4_000_000, ['langid', input, ...backend, '-o', join(dir, 'l.jsonl'), '-q']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(said);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(existsSync(join(dir, 'l.jsonl'))).toBe(false);
    }
    await writeFile(join(dir, 'r.yaml'), `name: l\ninput: [${input}]\nstages:\n  - langid: {}\n`);
    const run = underLimit(4_000_000, ['run', join(dir, 'r.yaml'), '-o', join(dir, 'run'), '-q']);
    expect(run.code, run.stderr).toBe(2);
    // A recipe's stage is named as the recipe checks name it (N5, new-user review 21).
    expect(run.stderr).toMatch(/^corpus-clean: \S*r\.yaml: stages\[0\] \(langid\): langid's fastText lid\.176 runs in WebAssembly, which cannot reserve its memory here/);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'run'))).toBe(false);
    const cld2 = underLimit(4_000_000, ['langid', input, '--backend', 'cld2', '-o', join(dir, 'c.jsonl'), '-q']);
    expect(cld2.code, cld2.stderr).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('zstd-codec, the compressor of last resort, says the same in a usage error', () => {
    const script = `import('${join(ROOT, 'dist/io/zstdEncode.js')}').then((m) => m.zstdEncoder('zstd-codec')).then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message))`;
    const r = spawnSync('bash', ['-c', `ulimit -v 4000000 && exec '${process.execPath}' --input-type=module -e "${script}"`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^UsageError: writing \.zst with zstd-codec \(the compressor used where Node's zlib has no zstd and the node-zstd addon does not load\) runs in WebAssembly, which cannot reserve its memory here: the address space is limited \(ulimit -v 4000000\)[^\n]*, install @toondepauw\/node-zstd, or write without zstd \(--compress gzip or none\)\n$/);
  });
});
