import { describe, expect, it } from 'vitest';
import { Shingler } from '../../../src/stages/dedup/shingle.js';
import { makePermutations, signature } from '../../../src/stages/dedup/signature.js';
import { MinHashIndex } from '../../../src/stages/dedup/filter.js';
import { dedupOptions, minHashConfig } from '../../../src/stages/dedup/options.js';
import { resolveOptions } from '../../../src/core/options.js';
import * as warm from '../../../src/stages/dedup/warm.js';
import { warmMinHash } from '../../../src/stages/dedup/warm.js';
import { unrunBlocks } from '../../helpers/coverage.js';

/** The MinHash warm-up alone, to be run under V8 block coverage (unrunBlocks). */
const SETUP = `
const { Shingler } = await import(dist + '/stages/dedup/shingle.js');
const { makePermutations } = await import(dist + '/stages/dedup/signature.js');
const { warmMinHash } = await import(dist + '/stages/dedup/warm.js');
warmMinHash(new Shingler({ ngram: 5, charNgram: 3 }), makePermutations(112, 1));
`;

describe('MinHash warm-up', () => {
  it('takes every branch of shingle and signatureInto (so no record meets one without type feedback)', async () => {
    const r = await unrunBlocks(SETUP, 'stages/dedup/(shingle|signature)\\.js$', ['shingle', 'tokenize', 'fromTokens', 'symbolShingle', 'signatureInto', 'fmix32']);
    expect(r.stderr).toBe('');
    // signatureInto hands the loop to WebAssembly SIMD (simd.ts) where Node has it, as here: its
    // scalar loop is for a Node without it
    const cold = r.blocks.filter((b) => b !== 'signature.js signatureInto: return signatureIntoScalar(shingles, perm, out);');
    expect(cold).toEqual([]);
  });

  it('an index warms once its input passes WARM_AFTER characters, not before', () => {
    const index = new MinHashIndex(minHashConfig(resolveOptions('dedup', dedupOptions, {})));
    const at = warm.warmUps;
    const text = 'A record of a few words that make some shingles here. ';
    for (let n = text.length; n < warm.WARM_AFTER; n += text.length) index.sign(text);
    expect(warm.warmUps).toBe(at); // a short input never pays the warm-up
    index.sign(text);
    expect(warm.warmUps).toBe(at + 1);
    index.sign(text.repeat(100));
    expect(warm.warmUps).toBe(at + 1);
    expect(index.count).toBeGreaterThan(70);
  });

  it('leaves no trace: shingles and signatures are the same before and after it', () => {
    const sh = new Shingler({ ngram: 5, charNgram: 3 });
    const perm = makePermutations(112, 1);
    const texts = ['A plain English sentence with enough words to make shingles.', '\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002', '\u2026\u2026'];
    const before = texts.map((t) => [[...sh.shingle(t)], sh.lastTokens, sh.lastCjkTokens, [...signature(sh.shingle(t), perm)]]);
    warmMinHash(sh, perm);
    const after = texts.map((t) => [[...sh.shingle(t)], sh.lastTokens, sh.lastCjkTokens, [...signature(sh.shingle(t), perm)]]);
    expect(after).toEqual(before);
  });
});
