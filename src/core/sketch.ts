/**
 * A histogram that merges: counts per logarithmic bucket, so the histograms of two tasks add up
 * without knowing the range of the values beforehand (DDSketch's idea). A bucket holds the values
 * within ±5 % of its middle; zero and negative values have buckets of their own.
 */
export type Sketch = Record<string, number>;

/** Ratio between the bounds of a bucket. */
export const SKETCH_GAMMA = 1.1;
const LOG_GAMMA = Math.log(SKETCH_GAMMA);

/** The bucket of a value: `z` for zero, `p<i>` for (γ^(i-1), γ^i], `n<i>` for the negatives. */
export function sketchKey(x: number): string {
  if (x === 0) return 'z';
  const i = Math.ceil(Math.log(Math.abs(x)) / LOG_GAMMA);
  // The keys of the buckets of 1e-20 .. 1e20 are made once, not one new string per value.
  if (i >= -KEY_RANGE && i <= KEY_RANGE) return (x > 0 ? P_KEYS : N_KEYS)[i + KEY_RANGE];
  return (x > 0 ? 'p' : 'n') + i;
}

const KEY_RANGE = 484;
const P_KEYS = Array.from({ length: 2 * KEY_RANGE + 1 }, (_, j) => 'p' + (j - KEY_RANGE));
const N_KEYS = Array.from({ length: 2 * KEY_RANGE + 1 }, (_, j) => 'n' + (j - KEY_RANGE));

/** The lower and upper bounds of a bucket. */
export function sketchBounds(key: string): [number, number] {
  if (key === 'z') return [0, 0];
  const i = Number(key.slice(1));
  const lo = SKETCH_GAMMA ** (i - 1);
  const hi = SKETCH_GAMMA ** i;
  return key[0] === 'p' ? [lo, hi] : [-hi, -lo];
}

/** Count one value (NaN and infinities are left out). */
export function sketchAdd(s: Sketch, x: number): void {
  if (!Number.isFinite(x)) return;
  const k = sketchKey(x);
  s[k] = (s[k] ?? 0) + 1;
}

/** Add two sketches into a new one. */
export function mergeSketch(a: Sketch, b: Sketch): Sketch {
  const r: Sketch = { ...a };
  for (const [k, v] of Object.entries(b)) r[k] = (r[k] ?? 0) + v;
  return r;
}

/** Values counted in a sketch. */
export function sketchCount(s: Sketch): number {
  let n = 0;
  for (const k in s) n += s[k];
  return n;
}
