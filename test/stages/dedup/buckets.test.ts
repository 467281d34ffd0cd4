import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { KeyTable, bandKeys } from '../../../src/stages/dedup/buckets.js';
import { ROOT, runNode } from '../../helpers/run.js';

describe('KeyTable (the band-key table of MinHash)', () => {
  // Issue #16, twentieth pass: grow() places the entries itself instead of through putIfAbsent.
  it('keeps every entry through many growths, colliding keys and repeated keys included', () => {
    const t = new KeyTable(4);
    const n = 40_000;
    const key = (i: number): [number, number] => [Math.imul(i, 0x2545f491) ^ (i & 1 ? 0x100000 : 0), Math.imul(i ^ 0x5bd1e995, 0x9e3779b1)];
    for (let i = 0; i < n; i++) {
      const [hi, lo] = key(i);
      expect(t.putIfAbsent(hi, lo, i)).toBe(i);
      // a key put twice keeps its first value
      if (i % 7 === 0) expect(t.putIfAbsent(hi, lo, i + 1)).toBe(i);
    }
    expect(t.size).toBe(n);
    // at most half full: n entries need 2n slots, 12 bytes each
    expect(t.bytes).toBeGreaterThanOrEqual(2 * n * 12);
    expect(t.bytes).toBeLessThanOrEqual(4 * n * 12);
    for (let i = 0; i < n; i++) {
      const [hi, lo] = key(i);
      expect(t.get(hi, lo)).toBe(i);
    }
    // absent keys, among them ones sharing a word with present ones
    expect(t.get(key(n)[0], key(n)[1])).toBe(-1);
    expect(t.get(key(3)[0], key(5)[1])).toBe(-1);
    expect(t.get(0, 0)).toBe(-1);
  });

  it('finds keys that share their first slot, after growing', () => {
    const t = new KeyTable(1);
    // the slot is (hi ^ imul(lo, 0x9e3779b1)) & mask: equal for (hi, lo) and (hi ^ 2^30, lo) while the mask is below 2^30
    const hi = (i: number): number => 7 ^ ((i & 1) << 30);
    for (let i = 0; i < 100; i++) expect(t.putIfAbsent(hi(i), i >> 1, i)).toBe(i);
    for (let i = 0; i < 100; i++) expect(t.get(hi(i), i >> 1)).toBe(i);
    expect(t.size).toBe(100);
  });
});

describe('bandKeys', () => {
  // Issue #16, twentieth pass (speed20h): h1 and h2 are kept int32 (`| 0`).
  it('gives the keys of the formula computed without `| 0` (every use reads h1 and h2 modulo 2^32)', () => {
    const fmix = (h: number): number => {
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return h | 0;
    };
    const reference = (sig: Int32Array, bands: number, rows: number): number[] => {
      const out: number[] = [];
      for (let band = 0; band < bands; band++) {
        let h1 = Math.imul(band + 1, 0x9e3779b1);
        let h2 = Math.imul(band + 1, 0x85ebca77) ^ 0x27d4eb2f;
        for (let r = 0; r < rows; r++) {
          const v = sig[band * rows + r];
          h1 = Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64 + Math.imul(v, 0xcc9e2d51);
          h2 = Math.imul(h2 ^ v, 0x01000193) + ((h2 << 7) | (h2 >>> 25));
        }
        out.push(fmix(h1 ^ rows), fmix(h2 + Math.imul(h1, 0x1b873593)));
      }
      return out;
    };
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) | 0);
    for (const [bands, rows] of [[14, 8], [20, 5], [1, 1], [9, 13]]) {
      for (let t = 0; t < 50; t++) {
        const sig = new Int32Array(bands * rows).map(() => (t === 0 ? 0x7fffffff : t === 1 ? -0x80000000 : next()));
        expect([...bandKeys(sig, 0, bands, rows, new Int32Array(2 * bands))]).toEqual(reference(sig, bands, rows));
      }
    }
  });

  it('gives fmix32 only int32 values, so its optimised code is not left ("not a Smi")', async () => {
    // fmix32 optimised on int32 input (as the shingle hashes give it), then bandKeys run
    // unoptimised, so that it calls fmix32 rather than an inlined copy; V8 reports deopts
    // (--trace-deopt) on stdout
    const script = `
const dist = process.argv[1];
const { fmix32 } = await import(dist + '/stages/dedup/shingle.js');
const { bandKeys } = await import(dist + '/stages/dedup/buckets.js');
%NeverOptimizeFunction(bandKeys);
%PrepareFunctionForOptimization(fmix32);
for (let i = 0; i < 1000; i++) fmix32(Math.imul(i, 0x9e3779b1));
%OptimizeFunctionOnNextCall(fmix32);
fmix32(7);
console.log('optimised: ' + ((%GetOptimizationStatus(fmix32) & 16) !== 0));
const sig = new Int32Array(14 * 8).map((_, i) => Math.imul(i + 1, 0x9e3779b1));
for (let i = 0; i < 100; i++) bandKeys(sig, 0, 14, 8, new Int32Array(28));
`;
    const r = await runNode(['--allow-natives-syntax', '--no-concurrent-recompilation', '--trace-deopt', '--input-type=module', '-e', script, join(ROOT, 'dist')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('optimised: true');
    expect(r.stdout.split('\n').filter((l) => /deoptimizing .*<JSFunction fmix32 /.test(l))).toEqual([]);
  });
});
