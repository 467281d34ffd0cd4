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

  // Issue 16, eighteenth pass (speed18a): a number of at most six decimal places below 1e9 (the
  // ratios and scores stages round to six places) is written from its digits, no string made.
  it('numbers of six places and their neighbours: the bytes of JSON.stringify, with too little room given up', () => {
    const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
    const edges = [0.000001, -0.000001, 0.0000015, 0.00000099, 0.1, 0.3, 0.5, 2.675, 1.005, 0.1 + 0.2, 1 / 3, round6(1 / 3), 0.999999, 0.9999995, 999999999.999999, 999999999.9999995, 1e9 - 0.5, 1e9 + 0.5, 123456.000001, -42.25, 4294967296.5, 1e-7, 5e-324, Number.MAX_VALUE, 1e21 + 0.5, 0.6886, 0.960382];
    for (const n of edges) expect(written(n), String(n)).toBe(JSON.stringify(n));
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -2e9, max: 2e9, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: -2e15, max: 2e15 })), fc.integer({ min: 0, max: 8 }), (x, places) => {
        const v = places === 8 ? x : Math.round(x * 10 ** places) / 10 ** places;
        const w = places === 7 ? round6(x / 1e6) : v;
        expect(written(w)).toBe(JSON.stringify(w));
        expect(written({ r: w, l: [w, -w] })).toBe(JSON.stringify({ r: w, l: [w, -w] }));
      }),
      { numRuns: 20000 },
    );
    for (const v of [12.5, -0.125, 0.000001, -999999999.999999]) {
      const n = JSON.stringify(v).length;
      expect(written(v, n)).toBe(JSON.stringify(v));
      for (let room = 0; room < n; room++) expect(written(v, room)).toBeNull();
    }
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
