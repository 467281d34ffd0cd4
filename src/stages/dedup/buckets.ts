/**
 * Step 3 of MinHash: signature → one bucket key per band (LSH), and the table that finds the
 * first record of each bucket.
 *
 * A band key is 64 bits (two 32-bit hashes of the band's `rows` values, seeded with the band
 * number), so unrelated records share a bucket by accident about once in 2^64 per pair rather
 * than the 2^32 of a single 32-bit key, which at 5 million records would be millions of
 * spurious candidates.
 */
import { fmix32 } from './shingle.js';

/**
 * Write the 64-bit key of each band of the signature at `sig[off..off+bands*rows)` into
 * `out[2*band]` (high word) and `out[2*band+1]` (low word).
 */
export function bandKeys(sig: Int32Array, off: number, bands: number, rows: number, out: Int32Array): Int32Array {
  for (let band = 0; band < bands; band++) {
    let h1 = Math.imul(band + 1, 0x9e3779b1);
    let h2 = Math.imul(band + 1, 0x85ebca77) ^ 0x27d4eb2f;
    const start = off + band * rows;
    for (let r = 0; r < rows; r++) {
      const v = sig[start + r];
      // \`| 0\`: every later use of h1 and h2 reads them modulo 2^32 anyway, so this changes no
      // key; it keeps them int32 (a sum of two int32 is not one), and above all keeps the value
      // given to fmix32 an int32: a double there deoptimised fmix32 ("not a Smi") on the 10 MB
      // slice of issue #16, whose optimised code, made for the shingle hashes, expects Smis.
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64 + Math.imul(v, 0xcc9e2d51)) | 0;
      h2 = (Math.imul(h2 ^ v, 0x01000193) + ((h2 << 7) | (h2 >>> 25))) | 0;
    }
    out[2 * band] = fmix32(h1 ^ rows);
    out[2 * band + 1] = fmix32((h2 + Math.imul(h1, 0x1b873593)) | 0);
  }
  return out;
}

/**
 * An open-addressing hash table from 64-bit keys (two int32 words) to non-negative int32
 * values (record numbers). About 24 bytes per entry at the maximum load of one half; no
 * objects are allocated per entry, so a few million entries cost no garbage collection.
 */
export class KeyTable {
  private hi: Int32Array;
  private lo: Int32Array;
  private val: Int32Array;
  private mask: number;
  /** Entries stored. */
  size = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.val = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.val.length * 12;
  }

  /** The value stored for key `(hi, lo)`, or -1. */
  get(hi: number, lo: number): number {
    const mask = this.mask;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    for (;;) {
      const v = this.val[i];
      if (v < 0) return -1;
      if (this.hi[i] === hi && this.lo[i] === lo) return v;
      i = (i + 1) & mask;
    }
  }

  /** Store `value` for `(hi, lo)` unless the key is present; returns the value now stored. */
  putIfAbsent(hi: number, lo: number, value: number): number {
    if ((this.size + 1) * 2 > this.val.length) this.grow();
    const mask = this.mask;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    for (;;) {
      const v = this.val[i];
      if (v < 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.val[i] = value;
        this.size++;
        return value;
      }
      if (this.hi[i] === hi && this.lo[i] === lo) return v;
      i = (i + 1) & mask;
    }
  }

  /**
   * Twice the slots, every entry placed again (in slot order, as `putIfAbsent` would place it).
   * The loop calls nothing: it runs long enough for V8 to compile it with TurboFan (on-stack,
   * then once more at the next growth), and with `putIfAbsent` (and `grow` in it) inlined those
   * two compiles took ~40 ms of CPU on the 10 MB slice of issue #16, for ~15,000 entries moved.
   */
  private grow(): void {
    const { hi, lo, val } = this;
    const cap = val.length * 2;
    const mask = cap - 1;
    const nhi = new Int32Array(cap);
    const nlo = new Int32Array(cap);
    const nval = new Int32Array(cap).fill(-1);
    for (let i = 0; i < val.length; i++) {
      const v = val[i];
      if (v < 0) continue;
      const h = hi[i];
      const l = lo[i];
      let j = (h ^ Math.imul(l, 0x9e3779b1)) & mask;
      while (nval[j] >= 0) j = (j + 1) & mask;
      nhi[j] = h;
      nlo[j] = l;
      nval[j] = v;
    }
    this.hi = nhi;
    this.lo = nlo;
    this.val = nval;
    this.mask = mask;
  }
}
