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

/** Buckets of `SketchCounts`: zero, then the positive and the negative ones of `sketchKey`'s range. */
const SPAN = 2 * KEY_RANGE + 1;

/** Integers up to this have their `SketchCounts` bucket in `INT_BUCKET` (computed as `add` does). */
const SMALL_INTS = 1 << 12;
const INT_BUCKET = new Int32Array(SMALL_INTS + 1);
for (let x = 1; x <= SMALL_INTS; x++) INT_BUCKET[x] = 1 + Math.ceil(Math.log(x) / LOG_GAMMA) + KEY_RANGE;

/**
 * Values counted for one sketch in a typed array and written into it by `flush`, bucket by
 * bucket in the order each was first seen, so the sketch ends up exactly as `sketchAdd` per value
 * would have left it (same counts, same key order). For the report's histograms of a run, where
 * `sketchAdd`'s property lookup per signal per record was most of the profiler's time.
 */
export class SketchCounts {
  private readonly counts = new Float64Array(1 + 2 * SPAN);
  /** Buckets in the order they were first seen since the last flush; beyond the range: -1 - index in `other`. */
  private readonly order: number[] = [];
  private other: { key: string; n: number }[] | undefined;

  constructor(readonly into: Sketch) {}

  /** Count one value (NaN and infinities are left out, as `sketchAdd` does). */
  add(x: number): void {
    let b = 0;
    // Counts (characters, lines, sentences) are small integers: their bucket is looked up.
    if (x > 0 && x <= SMALL_INTS && Number.isInteger(x)) b = INT_BUCKET[x];
    else if (!Number.isFinite(x)) return;
    else if (x !== 0) {
      const i = Math.ceil(Math.log(Math.abs(x)) / LOG_GAMMA);
      if (i < -KEY_RANGE || i > KEY_RANGE) return this.addOther(sketchKey(x));
      b = (x > 0 ? 1 : 1 + SPAN) + i + KEY_RANGE;
    }
    if (this.counts[b]++ === 0) this.order.push(b);
  }

  private addOther(key: string): void {
    const other = (this.other ??= []);
    const at = other.findIndex((o) => o.key === key);
    if (at >= 0) other[at].n++;
    else {
      other.push({ key, n: 1 });
      this.order.push(-other.length);
    }
  }

  /** Add what was counted into the sketch, and start again from nothing. */
  flush(): void {
    const s = this.into;
    for (const b of this.order) {
      let k: string;
      let n: number;
      if (b < 0) {
        const o = this.other![-1 - b];
        k = o.key;
        n = o.n;
      } else {
        k = b === 0 ? 'z' : b <= SPAN ? P_KEYS[b - 1] : N_KEYS[b - 1 - SPAN];
        n = this.counts[b];
        this.counts[b] = 0;
      }
      s[k] = (s[k] ?? 0) + n;
    }
    this.order.length = 0;
    this.other = undefined;
  }
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
