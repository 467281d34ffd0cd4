/**
 * Step 2 of MinHash: shingle hashes → signature.
 *
 * Each of the `k` permutations is `x ↦ a·x + b (mod 2^32)` with `a` odd (a bijection of the
 * 32-bit values), computed with `Math.imul` on int32 values so V8 keeps everything in
 * registers. Minima are taken in signed int32 order: any fixed total order gives a valid
 * MinHash, and this one avoids converting to unsigned. Shingle hashes come out of `fmix32`, so
 * they are already well mixed and the linear permutations do not see structured input.
 */

import { simdSigner } from './simd.js';

/** splitmix32: a small seeded generator for the permutation parameters (deterministic). */
function splitmix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
}

/** The permutations of a MinHash: `k` pairs `(a, b)` drawn from `seed`. */
export interface Permutations {
  readonly k: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly seed: number;
}

/** Draw `k` permutations from `seed` (the same seed always gives the same permutations). */
export function makePermutations(k: number, seed: number): Permutations {
  const next = splitmix32(seed ^ 0x6d696e68); // 'minh'
  const a = new Int32Array(k);
  const b = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    a[i] = next() | 1;
    b[i] = next();
  }
  return { k, a, b, seed };
}

/** The value a signature slot holds before any shingle: the largest int32. */
export const EMPTY_SLOT = 0x7fffffff;

/**
 * Fill `out` (length `perm.k`) with the MinHash signature of `shingles`. `out` is the caller's,
 * so signatures can be written straight into a large shared array (`subarray`). Runs in
 * WebAssembly SIMD where this Node has it (simd.ts), else `signatureIntoScalar`: the same values.
 */
export function signatureInto(shingles: Int32Array, perm: Permutations, out: Int32Array): Int32Array {
  const simd = simdSigner(perm.k);
  if (simd !== undefined) return simd.signInto(shingles, perm.a, perm.b, out);
  return signatureIntoScalar(shingles, perm, out);
}

/**
 * `signatureInto` in JavaScript: the loop simd.ts runs four permutations per instruction, written
 * out here for a Node without WebAssembly SIMD (and as the reference its test compares with).
 */
export function signatureIntoScalar(shingles: Int32Array, perm: Permutations, out: Int32Array): Int32Array {
  const { k, a, b } = perm;
  const n = shingles.length;
  // Permutation-outer order keeps a, b and the running minima in registers; the inner loop
  // is a load and, per permutation, a multiply, an add and a compare.
  let i = 0;
  // Four permutations per pass over the shingles: a quarter of the loads, and 15 live values
  // that still fit x64's 16 registers (two per pass took 1.35-1.8x the CPU on the 10 MB slice:
  // bench/results/profile.md section 8).
  for (; i + 3 < k; i += 4) {
    const a0 = a[i];
    const b0 = b[i];
    const a1 = a[i + 1];
    const b1 = b[i + 1];
    const a2 = a[i + 2];
    const b2 = b[i + 2];
    const a3 = a[i + 3];
    const b3 = b[i + 3];
    let m0 = EMPTY_SLOT;
    let m1 = EMPTY_SLOT;
    let m2 = EMPTY_SLOT;
    let m3 = EMPTY_SLOT;
    for (let s = 0; s < n; s++) {
      const x = shingles[s];
      const v0 = (Math.imul(a0, x) + b0) | 0;
      const v1 = (Math.imul(a1, x) + b1) | 0;
      const v2 = (Math.imul(a2, x) + b2) | 0;
      const v3 = (Math.imul(a3, x) + b3) | 0;
      if (v0 < m0) m0 = v0;
      if (v1 < m1) m1 = v1;
      if (v2 < m2) m2 = v2;
      if (v3 < m3) m3 = v3;
    }
    out[i] = m0;
    out[i + 1] = m1;
    out[i + 2] = m2;
    out[i + 3] = m3;
  }
  for (; i < k; i++) {
    const ai = a[i];
    const bi = b[i];
    let m = EMPTY_SLOT;
    for (let s = 0; s < n; s++) {
      const v = (Math.imul(ai, shingles[s]) + bi) | 0;
      if (v < m) m = v;
    }
    out[i] = m;
  }
  return out;
}

/** A new signature array for `shingles`. */
export function signature(shingles: Int32Array, perm: Permutations): Int32Array {
  return signatureInto(shingles, perm, new Int32Array(perm.k));
}

/**
 * Estimated Jaccard similarity of two signatures: the fraction of slots that agree.
 * `a` and `b` may be views into larger arrays; offsets select the signatures.
 */
export function similarity(a: Int32Array, aOff: number, b: Int32Array, bOff: number, k: number): number {
  let same = 0;
  for (let i = 0; i < k; i++) if (a[aOff + i] === b[bOff + i]) same++;
  return same / k;
}
