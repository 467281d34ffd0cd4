import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSketch, sketchAdd, sketchBounds, sketchCount, SketchCounts, sketchKey, type Sketch } from '../../src/core/sketch.js';

describe('sketch', () => {
  it('puts every value inside the bounds of its bucket, zero and negatives apart', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
        const [lo, hi] = sketchBounds(sketchKey(x));
        if (x === 0) expect([lo, hi]).toEqual([0, 0]);
        else {
          expect(x).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
          expect(x).toBeLessThanOrEqual(hi * (1 + 1e-12));
        }
      }),
    );
  });

  it('merges two tasks into the sketch of all their values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true })), fc.nat(), (xs, cut) => {
        const k = cut % (xs.length + 1);
        const a: Sketch = {};
        const b: Sketch = {};
        const all: Sketch = {};
        xs.forEach((x, i) => {
          sketchAdd(i < k ? a : b, x);
          sketchAdd(all, x);
        });
        expect(mergeSketch(a, b)).toEqual(all);
        expect(sketchCount(all)).toBe(xs.length);
      }),
    );
  });
});

describe('SketchCounts (values counted in a typed array, written into the sketch at flush)', () => {
  it('puts every integer (small ones are looked up in a table) where sketchAdd puts it', () => {
    const values = [...Array.from({ length: 5000 }, (_, i) => i), 4095, 4096, 4097, 65536, 1e6 + 1, 2 ** 40, -1, -4096];
    const plain: Record<string, number> = {};
    for (const v of values) sketchAdd(plain, v);
    const into: Record<string, number> = {};
    const c = new SketchCounts(into);
    for (const v of values) c.add(v);
    c.flush();
    expect(JSON.stringify(into)).toBe(JSON.stringify(plain));
  });

  it('leaves the sketch exactly as sketchAdd per value would: counts and key order, zero, negatives, out-of-range and non-finite values', () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const special = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 1e30, -1e30, 1, 0.5, -2, 123456];
    const values = Array.from({ length: 5000 }, (_, i) => (i % 37 === 0 ? special[i % special.length] : rand() < 0.5 ? Math.round(rand() * 1e6) / 1e6 : Math.floor((rand() - 0.2) * 500)));
    const plain: Record<string, number> = {};
    for (const v of values) sketchAdd(plain, v);
    const into: Record<string, number> = {};
    const c = new SketchCounts(into);
    values.forEach((v, i) => {
      c.add(v);
      // flushed now and then, as a histogram may be replaced mid-run: still the same result
      if (i % 1500 === 1499) c.flush();
    });
    c.flush();
    expect(JSON.stringify(into)).toBe(JSON.stringify(plain));
    expect(Object.keys(into).length).toBeGreaterThan(50);
    expect(into).toHaveProperty(['p-724']);
  });
});

