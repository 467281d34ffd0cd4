/**
 * An open-addressing hash table from 64-bit keys (two int32 halves) to a count and the index
 * where the key was first seen. It is reused across documents: `clear()` is O(1) (a generation
 * stamp), so counting n-grams costs no allocation per record.
 */
export class KeyCounter {
  private hi: Int32Array;
  private lo: Int32Array;
  private counts: Int32Array;
  private firsts: Int32Array;
  private stamps: Uint32Array;
  private gen = 1;
  private mask: number;
  private size = 0;

  constructor(capacityPow2 = 1 << 12) {
    this.hi = new Int32Array(capacityPow2);
    this.lo = new Int32Array(capacityPow2);
    this.counts = new Int32Array(capacityPow2);
    this.firsts = new Int32Array(capacityPow2);
    this.stamps = new Uint32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  /** Forget every key; keeps the storage. `expected` grows the table ahead of that many inserts. */
  clear(expected = 0): void {
    this.size = 0;
    this.gen++;
    if (this.gen === 0xffffffff) {
      this.stamps.fill(0);
      this.gen = 1;
    }
    if (expected * 2 > this.mask + 1) {
      let cap = this.mask + 1;
      while (cap < expected * 2) cap *= 2;
      this.allocate(cap);
    }
  }

  private allocate(cap: number): void {
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.counts = new Int32Array(cap);
    this.firsts = new Int32Array(cap);
    this.stamps = new Uint32Array(cap);
    this.mask = cap - 1;
    this.gen = 1;
  }

  private slotOf(hi: number, lo: number): number {
    const mask = this.mask;
    let i = (Math.imul(lo ^ (hi >>> 7), 0x9e3779b1) >>> 0) & mask;
    const stamps = this.stamps;
    const gen = this.gen;
    while (stamps[i] === gen) {
      if (this.lo[i] === lo && this.hi[i] === hi) return i;
      i = (i + 1) & mask;
    }
    return ~i;
  }

  /**
   * Count one more occurrence of the key first seen at `index`; returns its slot. Read the count
   * and first index with `countAt`/`firstAt`.
   */
  add(hi: number, lo: number, index: number): number {
    let s = this.slotOf(hi, lo);
    if (s >= 0) {
      this.counts[s]++;
      return s;
    }
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      s = this.slotOf(hi, lo);
    }
    s = ~s;
    this.stamps[s] = this.gen;
    this.hi[s] = hi;
    this.lo[s] = lo;
    this.counts[s] = 1;
    this.firsts[s] = index;
    this.size++;
    return s;
  }

  /** True when the key was added since the last `clear()`. */
  has(hi: number, lo: number): boolean {
    return this.slotOf(hi, lo) >= 0;
  }

  countAt(slot: number): number {
    return this.counts[slot];
  }

  firstAt(slot: number): number {
    return this.firsts[slot];
  }

  private grow(): void {
    const { hi, lo, counts, firsts, stamps, gen } = this;
    const oldCap = this.mask + 1;
    this.allocate(oldCap * 2);
    for (let i = 0; i < oldCap; i++) {
      if (stamps[i] !== gen) continue;
      const s = ~this.slotOf(hi[i], lo[i]);
      this.stamps[s] = this.gen;
      this.hi[s] = hi[i];
      this.lo[s] = lo[i];
      this.counts[s] = counts[i];
      this.firsts[s] = firsts[i];
    }
  }
}
