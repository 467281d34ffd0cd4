import { describe, expect, it } from 'vitest';
import { sketchAdd, type Sketch } from '../../src/core/sketch.js';
import { binsOf } from '../../src/report/bins.js';
import { histogram } from '../../src/report/svg.js';

function sketchOf(values: number[]): Sketch {
  const s: Sketch = {};
  for (const v of values) sketchAdd(s, v);
  return s;
}

describe('report histograms', () => {
  // New-user review 10 #2: removals at similarity 0.91-1.0 were drawn as one narrow bar labelled
  // "0.950 - 0.960", and removals at >= 0.72 as a bar "0.713 - 0.723" left of the threshold.
  it('a bar spans and names the real range of its values, never a narrower one', () => {
    const dropped = [0.72, 0.73, 0.75, 0.8, 0.85, 0.9, 0.93, 0.97, 0.99, 1, 1, 1];
    const { bins, log } = binsOf({ kept: {}, dropped: sketchOf(dropped) }, [0.72]);
    expect(log).toBe(false);
    const full = bins.filter((b) => b.dropped > 0);
    expect(full.reduce((n, b) => n + b.dropped, 0)).toBe(dropped.length);
    for (const v of dropped) {
      // every value lies inside the range of exactly one bar that counts values
      expect(full.filter((b) => v > b.lo - 1e-12 && v <= b.hi + 1e-12).length).toBeGreaterThanOrEqual(1);
    }
    const top = full.find((b) => b.hi >= 1)!;
    expect(top.lo).toBeLessThan(0.91);
    expect(top.dropped).toBeGreaterThanOrEqual(5); // 0.93, 0.97, 0.99 and the three 1s
    // the bar of 0.72 reaches past the threshold: it is not drawn wholly left of it
    const first = full[0];
    expect(first.hi).toBeGreaterThan(0.72);
    const svg = histogram('t', 't', bins, [{ value: 0.72, label: 'threshold' }], log);
    expect(svg).toContain(`0.909 – 1: ${top.dropped} dropped`);
  });

  it('counts over decades keep a log axis; zero gets a bar of its own, named 0', () => {
    const kept = sketchOf([0, 0, 3, 10, 50, 200, 1000, 5000]);
    const { bins, log } = binsOf({ kept, dropped: {} }, [50]);
    expect(log).toBe(true);
    expect(bins.reduce((n, b) => n + b.kept, 0)).toBe(8);
    expect(bins.length).toBeLessThanOrEqual(34);
    for (let i = 1; i < bins.length; i++) expect(bins[i].lo).toBeGreaterThanOrEqual(bins[i - 1].hi - 1e-9);
    const zero = bins.find((b) => b.label === '0');
    expect(zero?.kept).toBe(2);
  });

  it('many fine buckets are joined into about 32 bars', () => {
    const values = Array.from({ length: 2000 }, (_, i) => 1 + i * 0.5);
    const { bins } = binsOf({ kept: sketchOf(values), dropped: {} }, []);
    expect(bins.length).toBeLessThanOrEqual(2 * 32);
    expect(bins.reduce((n, b) => n + b.kept, 0)).toBe(2000);
  });
});
