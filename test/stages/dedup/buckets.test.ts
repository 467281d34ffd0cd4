import { describe, expect, it } from 'vitest';
import { KeyTable } from '../../../src/stages/dedup/buckets.js';

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
