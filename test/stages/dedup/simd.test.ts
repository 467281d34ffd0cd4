import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK, simdSigner } from '../../../src/stages/dedup/simd.js';
import { makePermutations, signatureInto, signatureIntoScalar } from '../../../src/stages/dedup/signature.js';
import { fmix32 } from '../../../src/stages/dedup/shingle.js';

// Issue 16, nineteenth pass: the signature loop in WebAssembly SIMD must give the scalar loop's
// values exactly (MinHash decisions byte-identical), for any k and any number of shingles.
describe('MinHash signatures in WebAssembly SIMD', () => {
  it('run in this Node (a broken module would fall back to the scalar loop unseen)', () => {
    expect(simdSigner(112)).toBeDefined();
  });

  it('equal the scalar loop for k not a multiple of 16 and shingle counts across the chunk size', () => {
    for (const k of [1, 3, 4, 15, 16, 17, 33, 112, 113, 250]) {
      const perm = makePermutations(k, k);
      for (const n of [0, 1, 2, 5, 100, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7]) {
        const sh = Int32Array.from({ length: n }, (_, i) => fmix32(Math.imul(i + 1, 0x9e3779b1) ^ k));
        const want = signatureIntoScalar(sh, perm, new Int32Array(k));
        const out = new Int32Array(k + 2).fill(42);
        simdSigner(k)!.signInto(sh, perm.a, perm.b, out.subarray(1, k + 1));
        expect([...out.subarray(1, k + 1)]).toEqual([...want]);
        expect([out[0], out[k + 1]]).toEqual([42, 42]);
      }
    }
  });

  it('equal the scalar loop on any shingles, extreme values included (property)', () => {
    const perm = makePermutations(112, 5);
    const other = makePermutations(112, 6);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31))), { maxLength: 300 }), (xs) => {
        const sh = Int32Array.from(xs);
        // alternating permutation sets: the signer reloads them when they change
        for (const p of [perm, other, perm]) expect([...signatureInto(sh, p, new Int32Array(112))]).toEqual([...signatureIntoScalar(sh, p, new Int32Array(112))]);
      }),
    );
  });

  it('never grow their memory (a detached ArrayBuffer would deoptimise every typed-array reader)', () => {
    const signer = simdSigner(112)!;
    const view = (signer as unknown as { view: Int32Array }).view;
    const bytes = view.buffer.byteLength;
    const perm = makePermutations(112, 1);
    signatureInto(new Int32Array(5 * CHUNK + 3).map((_, i) => fmix32(i)), perm, new Int32Array(112));
    expect(view.buffer.byteLength).toBe(bytes);
    expect(view.length).toBe(bytes / 4);
  });

  it('fall back to the scalar loop where WebAssembly is missing (node --jitless), with the same values', () => {
    const script = `
      const { simdSigner } = await import('./dist/stages/dedup/simd.js');
      const { makePermutations, signatureInto } = await import('./dist/stages/dedup/signature.js');
      const sh = Int32Array.from({ length: 500 }, (_, i) => Math.imul(i + 1, 0x9e3779b1));
      console.log(JSON.stringify({ simd: simdSigner(112) !== undefined, sig: [...signatureInto(sh, makePermutations(112, 9), new Int32Array(112))] }));`;
    const run = (flags: string[]) => JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const jitless = run(['--jitless']);
    const normal = run([]);
    expect([jitless.simd, normal.simd]).toEqual([false, true]);
    expect(jitless.sig).toEqual(normal.sig);
  });
});
