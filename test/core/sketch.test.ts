import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSketch, sketchAdd, sketchBounds, sketchCount, sketchKey, type Sketch } from '../../src/core/sketch.js';

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
