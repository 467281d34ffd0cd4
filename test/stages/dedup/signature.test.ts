import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_SLOT, makePermutations, signature, signatureInto, similarity } from '../../../src/stages/dedup/signature.js';
import { fmix32 } from '../../../src/stages/dedup/shingle.js';

/** Two shingle sets of sizes with a chosen exact Jaccard similarity. */
function pair(union: number, jaccard: number, salt: number): { a: Int32Array; b: Int32Array; j: number } {
  const shared = Math.round(union * jaccard);
  const onlyA = Math.floor((union - shared) / 2);
  const onlyB = union - shared - onlyA;
  const h = (i: number): number => fmix32(Math.imul(i + 1, 0x9e3779b1) ^ salt);
  const a: number[] = [];
  const b: number[] = [];
  let i = 0;
  for (let s = 0; s < shared; s++, i++) {
    a.push(h(i));
    b.push(h(i));
  }
  for (let s = 0; s < onlyA; s++, i++) a.push(h(i));
  for (let s = 0; s < onlyB; s++, i++) b.push(h(i));
  return { a: Int32Array.from(a), b: Int32Array.from(b), j: shared / union };
}

describe('MinHash signatures', () => {
  const perm = makePermutations(112, 1);

  it('are, slot by slot, the minimum of a*x + b (mod 2^32, signed) over the shingles, for any k', () => {
    // the unrolled loop (four permutations per pass, then the rest one by one) against the definition
    const plain = (sh: Int32Array, p: ReturnType<typeof makePermutations>): number[] =>
      Array.from({ length: p.k }, (_, i) => sh.reduce((m, x) => Math.min(m, (Math.imul(p.a[i], x) + p.b[i]) | 0), EMPTY_SLOT));
    const shingles = Int32Array.from({ length: 57 }, (_, i) => fmix32(i * 7919 + 1));
    for (const k of [1, 2, 3, 4, 5, 6, 7, 8, 9, 112, 113, 115]) {
      const p = makePermutations(k, 3);
      for (const sh of [shingles, shingles.subarray(0, 1), shingles.subarray(0, 0)]) {
        const out = new Int32Array(k + 2).fill(42);
        signatureInto(sh, p, out.subarray(1, k + 1));
        expect([...out.subarray(1, k + 1)]).toEqual(plain(sh, p));
        expect([out[0], out[k + 1]]).toEqual([42, 42]);
      }
    }
  });

  it('are deterministic for a seed and differ between seeds', () => {
    const s = Int32Array.from([1, 2, 3, 4, 5].map(fmix32));
    expect(signature(s, perm)).toEqual(signature(s, makePermutations(112, 1)));
    expect(signature(s, perm)).not.toEqual(signature(s, makePermutations(112, 2)));
  });

  it('do not depend on shingle order or repetition', () => {
    const s = Int32Array.from([10, 20, 30, 40].map(fmix32));
    const t = Int32Array.from([40, 30, 20, 10, 20].map(fmix32));
    expect(signature(s, perm)).toEqual(signature(t, perm));
  });

  it('estimate Jaccard within 5 standard errors across an overlap sweep (property)', () => {
    const errors: number[] = [];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 50, max: 2000 }), fc.integer(), (pct, union, salt) => {
        const { a, b, j } = pair(union, pct / 100, salt);
        const est = similarity(signature(a, perm), 0, signature(b, perm), 0, perm.k);
        const se = Math.sqrt((j * (1 - j)) / perm.k);
        errors.push(Math.abs(est - j));
        return Math.abs(est - j) <= 5 * se + 0.01;
      }),
      { numRuns: 300, seed: 42 },
    );
    // Mean absolute error of a binomial estimate over the sweep is about 0.8 × its mean standard error (≈ 0.033).
    const mae = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(mae).toBeLessThan(0.035);
  });

  it('give 1 for identical sets and about 0 for disjoint ones', () => {
    const { a, b } = pair(1000, 0, 7);
    expect(similarity(signature(a, perm), 0, signature(a, perm), 0, perm.k)).toBe(1);
    expect(similarity(signature(a, perm), 0, signature(b, perm), 0, perm.k)).toBeLessThan(0.05);
  });
});
