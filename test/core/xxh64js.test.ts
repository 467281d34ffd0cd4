import { describe, expect, it } from 'vitest';
import { loadXxh64 } from '../../src/core/xxh64.js';
import { xxh64js } from '../../src/core/xxh64js.js';

// The plain-JavaScript XXH64 that stands in for xxhash-wasm where WebAssembly cannot start
// (ulimit -v): it must give the module's hashes, one-shot and streamed in any pieces.
describe('xxh64js', () => {
  it('gives the hashes of xxhash-wasm for every length around its stripes and tails, every seed, streamed in pieces', async () => {
    const w = await loadXxh64();
    let x = 0x9e3779b9;
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24));
    for (let n = 0; n <= 200; n++) {
      const b = bytes(n);
      for (const seed of [0n, 1n, 0xffffffffffffffffn, 1234567890123n]) {
        expect(xxh64js.bytes(b, seed)).toBe(w.bytes(b, seed));
        const s = xxh64js.create(seed);
        for (let at = 0; at < n; at += 1 + (at % 37)) s.update(b.subarray(at, at + 1 + (at % 37)));
        expect(s.digest()).toBe(w.bytes(b, seed));
      }
    }
    const big = bytes(100_003);
    expect(xxh64js.bytes(big)).toBe(w.bytes(big));
    for (const t of ['', 'a', 'héllo 世界 🙂', 'long text, '.repeat(5000)]) expect(xxh64js.string(t, 7n)).toBe(w.string(t, 7n));
    // The known value of XXH64 of nothing, seed 0.
    expect(xxh64js.bytes(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
  });
});
