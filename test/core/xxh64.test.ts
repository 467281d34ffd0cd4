import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import xxhash from 'xxhash-wasm';
import { describe, expect, it } from 'vitest';
import { loadXxh64, PIECE } from '../../src/core/xxh64.js';
import { zstdEncoder } from '../../src/io/zstdEncode.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Bytes of a repeatable pattern (not all alike, so a piece cut in the wrong place would show). */
function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >>> 9)) & 255;
  return b;
}

describe('xxh64', () => {
  it("gives xxhash-wasm's own hashes, one-shot and streamed, across the piece size", async () => {
    const x = await loadXxh64();
    // A fresh module of its own for the reference: its memory grows, ours must not.
    const ref = await xxhash();
    for (const n of [0, 1, 31, 32, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 17, 1 << 20]) {
      const b = pattern(n);
      expect(x.bytes(b), `${n} bytes`).toBe(ref.h64Raw(b));
      expect(x.bytes(b, 7n), `${n} bytes, seed 7`).toBe(ref.h64Raw(b, 7n));
      const s = x.create(0n);
      for (let at = 0; at < n; at += 50_000) s.update(b.subarray(at, at + 50_000));
      expect(s.digest(), `${n} bytes streamed`).toBe(ref.h64Raw(b));
    }
  });

  it("hashes a string's UTF-8 bytes as xxhash-wasm does, long strings, astral and lone surrogates included", async () => {
    const x = await loadXxh64();
    const ref = await xxhash();
    const texts = ['', 'a', 'é'.repeat(PIECE), '中文'.repeat(PIECE), '😀'.repeat(PIECE / 2 + 1), 'x\ud800y'.repeat(PIECE), 'a'.repeat(PIECE / 3) + '\udc00'];
    for (const t of texts) expect(x.string(t), `${t.length} units`).toBe(ref.h64(t));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40_000 }), (t) => x.string(t) === ref.h64(t)),
      { numRuns: 30 },
    );
  });

  describe('never detaches an ArrayBuffer, so V8 keeps its typed-array assumption', () => {
    // The first ArrayBuffer detached in a process (xxhash-wasm growing its memory for an input
    // over 64 KiB) deoptimises every function that reads a typed array, and they run slower
    // after. V8 says when it happens with --trace-protector-invalidation; each user of the hash
    // runs in a process of its own.
    const data = `const data = new Uint8Array(3 << 20); for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >>> 9)) & 255;`;
    const cases: [string, string][] = [
      ['the zstd writer (the checksum of a 1 MiB frame)', `${data} const { zstdEncoder } = await import('./dist/io/zstdEncode.js'); console.log((await zstdEncoder())(data, 1).length); console.log('done');`],
      ['the zstd reader (frames of 1 MiB, blocks of 128 KiB)', `const { unzstd } = await import('./dist/io/zstd.js'); const z = (await import('node:fs')).readFileSync(process.env.ZST); let n = 0; async function* none() {} for await (const c of unzstd(z, none())) n += c.length; console.log(n); console.log('done');`],
      ['exact dedup (a text of 180,000 characters)', `const { loadHash64 } = await import('./dist/stages/dedup/exact.js'); console.log(String((await loadHash64())('中文 text '.repeat(20000)))); console.log('done');`],
    ];
    for (const [what, script] of cases) {
      it(what, async () => {
        // The reader's input is written here, so that its process hashes and never encodes.
        const dir = mkdtempSync(join(tmpdir(), 'xxh64-'));
        const zst = join(dir, 'data.zst');
        writeFileSync(zst, (await zstdEncoder())(pattern(3 << 20), 1));
        const out = execFileSync(process.execPath, ['--trace-protector-invalidation', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ZST: zst } });
        rmSync(dir, { recursive: true, force: true });
        // Node's own teardown at a natural exit may detach buffers after 'done': that costs nothing.
        const [during, after] = out.split('done\n');
        expect(after).toBeDefined();
        expect(during).not.toContain('ArrayBufferDetaching');
        expect(during.trim()).toMatch(/^\d+$/);
      });
    }
  });
});
