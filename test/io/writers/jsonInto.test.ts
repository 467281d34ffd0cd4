import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonInto } from '../../../src/io/writers/jsonInto.js';

/** What jsonInto writes for `v` (null: it gave up), with room for `room` bytes. */
function written(v: unknown, room = 1 << 16): string | null {
  const k = Buffer.alloc(room + 8);
  const p = jsonInto(k, 3, 3 + room, v);
  return p < 0 ? null : k.toString('utf8', 3, p);
}

describe('jsonInto writes the bytes of JSON.stringify, or gives up', () => {
  it('any JSON value, and values with undefined, functions, symbols, NaN, -0, lone surrogates', () => {
    const extra = fc.oneof(fc.constant(undefined), fc.constant(NaN), fc.constant(-0), fc.constant(Infinity), fc.constant(() => 1), fc.constant(Symbol('s')), fc.constant('\ud800x'), fc.constant('\u2028"\\\u0001中'), fc.double(), fc.integer());
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), extra, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const got = written(v);
        // given up only for what it does not take (too deep here)
        if (got !== null) expect(got).toBe(JSON.stringify(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('whole numbers of any size and sign, at the edges of 32 bits, and -0', () => {
    const edges = [0, -0, 9, 10, 99, 100, -1, -9, -10, 2147483647, -2147483648, 2147483648, -2147483649, 4294967296, 1e21, -1e21, 2 ** 53, 1.5, -0.5];
    for (const n of edges) expect(written(n)).toBe(JSON.stringify(n));
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.maxSafeInteger(), fc.double()), (n) => {
        expect(written(n)).toBe(JSON.stringify(n));
        expect(written([n, { n }])).toBe(JSON.stringify([n, { n }]));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives up on a whole number with too little room for its digits', () => {
    const k = Buffer.alloc(16);
    expect(jsonInto(k, 0, 3, 12345)).toBe(-1);
    expect(jsonInto(k, 0, 2, -12)).toBe(-1);
    expect(jsonInto(k, 0, 3, -12)).toBe(3);
    expect(k.toString('utf8', 0, 3)).toBe('-12');
  });

  it('writes the slim signals of a reject', () => {
    const attrs = { quality: { preset: 'web-zh', score: 0.1667, failed: ['zh_quality:min_chars', 'zh_c4:min_sentences'], chars: 61, c4_sentences: 1, ok: true, none: null } };
    expect(written(attrs)).toBe(JSON.stringify(attrs));
    expect(written({ lang: 'zh', lang_score: 0.99, list: [1, undefined, () => 2, 'x'] })).toBe(JSON.stringify({ lang: 'zh', lang_score: 0.99, list: [1, undefined, () => 2, 'x'] }));
  });

  it('gives up on what JSON.stringify writes otherwise or cannot write, and on too little room', () => {
    class Box {
      a = 1;
    }
    const inherited = Object.create({ x: 1 }) as Record<string, unknown>;
    const withParent = Object.assign(Object.create(Object.prototype) as object, { y: 2 });
    Object.setPrototypeOf(withParent, inherited);
    for (const v of [new Date(0), { toJSON: () => 1 }, [{ toJSON: () => 1 }], new Box(), new Number(1), 1n, { n: 1n }, new Map(), new Uint8Array(2), withParent, { a: { b: { c: { d: { e: 1 } } } } }]) {
      expect(written(v)).toBeNull();
    }
    // an object of the null prototype is a plain one
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(written(bare)).toBe('{"a":1}');
    // exactly the room it needs, and less (a string past 64 characters asks for 6 bytes a character)
    const s = { quality: { preset: 'web-en', failed: ['c4:min_sentences'], name: 'x'.repeat(40), n: 12345.5 } };
    const n = Buffer.byteLength(JSON.stringify(s));
    expect(written(s, n)).toBe(JSON.stringify(s));
    expect(written(s, n - 1)).toBeNull();
    for (let room = 0; room < n; room++) expect(written(s, room)).toBeNull();
  });
});
