/**
 * A count-min sketch of saturating 8-bit counters: bounded memory whatever the corpus size,
 * counts never under-estimated (a paragraph is never kept for being counted too low), and the
 * counts of several tasks add up cell by cell, so the result does not depend on task order.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** Rows of the sketch: each key is counted in one cell of each row; its count is the row minimum. */
export const DEPTH = 4;

export class CountMinSketch {
  readonly width: number;
  readonly cells: Uint8Array;
  private readonly mask: number;

  /** A sketch of about `bytes` bytes (rounded down to a power of two per row, at least 1 KiB). */
  constructor(bytes: number, cells?: Uint8Array) {
    let w = 1024;
    while (w * 2 * DEPTH <= bytes) w *= 2;
    this.width = w;
    this.mask = w - 1;
    this.cells = cells ?? new Uint8Array(w * DEPTH);
    if (this.cells.length !== w * DEPTH) throw new Error(`sketch of ${this.cells.length} cells, expected ${w * DEPTH}`);
  }

  /** Add one to a key given by two independent 32-bit hashes (double hashing per row). */
  add(h1: number, h2: number): void {
    const c = this.cells;
    for (let r = 0; r < DEPTH; r++) {
      const i = r * this.width + ((h1 + Math.imul(r, h2)) & this.mask);
      if (c[i] < 255) c[i]++;
    }
  }

  /** The estimated count of a key (never below the true count; saturates at 255). */
  estimate(h1: number, h2: number): number {
    const c = this.cells;
    let m = 255;
    for (let r = 0; r < DEPTH; r++) {
      const v = c[r * this.width + ((h1 + Math.imul(r, h2)) & this.mask)];
      if (v < m) m = v;
    }
    return m;
  }

  /** Add another sketch of the same size, cell by cell (saturating). */
  merge(o: CountMinSketch): void {
    if (o.cells.length !== this.cells.length) throw new Error('sketches of different sizes');
    const a = this.cells;
    const b = o.cells;
    for (let i = 0; i < a.length; i++) {
      const s = a[i] + b[i];
      a[i] = s > 255 ? 255 : s;
    }
  }

  async save(path: string): Promise<void> {
    await writeFile(path, this.cells);
  }

  static async load(path: string, bytes: number): Promise<CountMinSketch> {
    const buf = await readFile(path);
    return new CountMinSketch(bytes, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }
}
