/**
 * An open-addressing hash table from 64-bit keys (two int32 halves) to a count and the index
 * where the key was first seen. It is reused across documents: `clear()` is O(1) (a generation
 * stamp), so counting n-grams costs no allocation per record. Each slot's stamp, key and count
 * sit side by side in one Int32Array, so a probe touches one cache line.
 */
export class KeyCounter {
  /** Per slot: [stamp, hi, lo, count]. */
  private cells: Int32Array;
  private firsts: Int32Array;
  private gen = 1;
  private mask: number;
  private size = 0;

  constructor(capacityPow2 = 1 << 12) {
    this.cells = new Int32Array(capacityPow2 * 4);
    this.firsts = new Int32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  /** Forget every key; keeps the storage. `expected` grows the table ahead of that many inserts. */
  clear(expected = 0): void {
    this.size = 0;
    this.gen++;
    if (this.gen >= 0x7fffffff) {
      this.cells.fill(0);
      this.gen = 1;
    }
    // Use only as much of the storage as this document needs: a small document hashed into a
    // table sized for the largest one so far would miss the cache on every probe.
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    // Slots beyond the part used so far hold stamps of older generations: stale, no need to zero.
    if (cap * 4 > this.cells.length) this.allocate(cap);
    else this.mask = cap - 1;
  }

  private allocate(cap: number): void {
    this.cells = new Int32Array(cap * 4);
    this.firsts = new Int32Array(cap);
    this.mask = cap - 1;
    this.gen = 1;
  }

  /** Double the slots in use (reallocating when the storage is full), keeping the keys. */

  /** Slot of the key, or `~slot` of the free slot where it would go. */
  private slotOf(hi: number, lo: number): number {
    const mask = this.mask;
    const cells = this.cells;
    const gen = this.gen;
    let i = (Math.imul(lo ^ (hi >>> 7), 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const at = i << 2;
      if (cells[at] !== gen) return ~i;
      if (cells[at + 2] === lo && cells[at + 1] === hi) return i;
      i = (i + 1) & mask;
    }
  }

  private insert(free: number, hi: number, lo: number, index: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      free = ~this.slotOf(hi, lo);
    }
    const at = free << 2;
    const cells = this.cells;
    cells[at] = this.gen;
    cells[at + 1] = hi;
    cells[at + 2] = lo;
    cells[at + 3] = 1;
    this.firsts[free] = index;
    this.size++;
    return free;
  }

  /** Count one more occurrence of the key (first seen at `index` if new); returns its slot. */
  add(hi: number, lo: number, index: number): number {
    const s = this.slotOf(hi, lo);
    if (s >= 0) {
      this.cells[(s << 2) + 3]++;
      return s;
    }
    return this.insert(~s, hi, lo, index);
  }

  /**
   * Like `add`, but returns the index where the key was first seen, or -1 when it is new.
   */
  addFirst(hi: number, lo: number, index: number): number {
    const s = this.slotOf(hi, lo);
    if (s >= 0) {
      this.cells[(s << 2) + 3]++;
      return this.firsts[s];
    }
    this.insert(~s, hi, lo, index);
    return -1;
  }

  /** Add the key when absent and return false; return true when it was already there. */
  seenOrAdd(hi: number, lo: number, index: number): boolean {
    const s = this.slotOf(hi, lo);
    if (s >= 0) return true;
    this.insert(~s, hi, lo, index);
    return false;
  }

  /** True when the key was added since the last `clear()`. */
  has(hi: number, lo: number): boolean {
    return this.slotOf(hi, lo) >= 0;
  }

  /** Slots in use; changes only when the table grows (which moves every key to a new slot). */
  get capacity(): number {
    return this.mask + 1;
  }

  countAt(slot: number): number {
    return this.cells[(slot << 2) + 3];
  }

  firstAt(slot: number): number {
    return this.firsts[slot];
  }

  private grow(): void {
    const oldCap = this.mask + 1;
    const cap = oldCap * 2;
    // Copy the keys in use out, then re-insert them into twice the slots: in the same storage
    // when it is large enough (a new generation makes every old stamp stale), else in a new one.
    // Reallocating the whole storage here would cost as much as the largest document ever seen.
    const old = this.cells.slice(0, oldCap * 4);
    const oldFirsts = this.firsts.slice(0, oldCap);
    const gen = this.gen;
    if (cap * 4 > this.cells.length) this.allocate(cap);
    else {
      this.gen++;
      if (this.gen >= 0x7fffffff) {
        this.cells.fill(0);
        this.gen = 1;
      }
      this.mask = cap - 1;
    }
    for (let i = 0; i < oldCap; i++) {
      const at = i << 2;
      if (old[at] !== gen) continue;
      const s = ~this.slotOf(old[at + 1], old[at + 2]);
      const to = s << 2;
      this.cells[to] = this.gen;
      this.cells[to + 1] = old[at + 1];
      this.cells[to + 2] = old[at + 2];
      this.cells[to + 3] = old[at + 3];
      this.firsts[s] = oldFirsts[i];
    }
  }
}
