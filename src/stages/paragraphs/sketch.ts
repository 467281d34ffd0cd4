/**
 * A count-min sketch of saturating 8-bit counters: bounded memory whatever the corpus size,
 * counts never under-estimated (a paragraph is never kept for being counted too low), and the
 * counts of several tasks add up cell by cell, so the result does not depend on task order.
 */
import { readFile } from 'node:fs/promises';
import { writeWorkFile } from '../../io/writers/workFile.js';

/** Rows of the sketch: each key is counted in one cell of each row; its count is the row minimum. */
export const DEPTH = 4;

export class CountMinSketch {
  readonly width: number;
  readonly cells: Uint8Array;
  private readonly mask: number;

  /** A sketch of about `bytes` bytes (rounded down to a power of two per row, at least 1 KiB). */
  constructor(bytes: number, cells?: Uint8Array) {
    const w = sketchWidth(bytes);
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

  /** Its cells to `path`; a failure of the file system names `path` and leaves no partial file (writeWorkFile). */
  async save(path: string): Promise<void> {
    writeWorkFile(path, this.cells);
  }

  static async load(path: string, bytes: number): Promise<CountMinSketch> {
    const buf = await readFile(path);
    return new CountMinSketch(bytes, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }
}

/** The cells per row of a sketch of about `bytes` bytes: a power of two, at least 1024. */
export function sketchWidth(bytes: number): number {
  let w = 1024;
  while (w * 2 * DEPTH <= bytes) w *= 2;
  return w;
}

/** What counting and filtering need of a sketch. */
export interface Counts {
  add(h1: number, h2: number): void;
  estimate(h1: number, h2: number): number;
}

/** The first bytes of a sparse sketch file (a dense one is its cells, and never this short). */
const SPARSE_MAGIC = Buffer.from('CMSPARS1');

/**
 * A count-min sketch of `bytes` (the same cells, the same counts, the same estimates as a
 * `CountMinSketch` of that size) that holds only the cells it touched while they are few: a
 * task's sketch is as large as its distinct units need, up to `bytes`. A task of 200 KB wrote a
 * 64 MiB file (hostile review 2 L4: `--task-size 256KB` on 1.2 MB gave 386 MB of `_work`); now
 * a few KB. Past `bytes / 32` touched cells it becomes the dense sketch (then the table would
 * cost about as much). Which form it ends in depends on the records alone, never on the workers,
 * and either form merges into the same totals, so no decision changes.
 */
export class GrowingSketch implements Counts {
  readonly width: number;
  private readonly mask: number;
  private readonly limit: number;
  private dense: CountMinSketch | undefined;
  /** Open addressing: cell index + 1 (0 = empty), and the cell's count. */
  private keys = new Int32Array(1024);
  private counts = new Uint8Array(1024);
  private used = 0;

  constructor(readonly bytes: number) {
    this.width = sketchWidth(bytes);
    this.mask = this.width - 1;
    this.limit = (this.width * DEPTH) >>> 5;
  }

  /** The slot of cell `idx`: where it is, or the empty slot where it goes. */
  private slot(idx: number): number {
    const keys = this.keys;
    const m = keys.length - 1;
    let h = Math.imul(idx ^ (idx >>> 15), 0x2c1b3c6d);
    h = (h ^ (h >>> 12)) & m;
    while (keys[h] !== 0 && keys[h] !== idx + 1) h = (h + 1) & m;
    return h;
  }

  private grow(): void {
    const { keys, counts } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.counts = new Uint8Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 0) continue;
      const s = this.slot(keys[i] - 1);
      this.keys[s] = keys[i];
      this.counts[s] = counts[i];
    }
  }

  add(h1: number, h2: number): void {
    if (this.dense !== undefined) return this.dense.add(h1, h2);
    for (let r = 0; r < DEPTH; r++) {
      const idx = r * this.width + ((h1 + Math.imul(r, h2)) & this.mask);
      const s = this.slot(idx);
      if (this.keys[s] === 0) {
        this.keys[s] = idx + 1;
        this.counts[s] = 1;
        if (++this.used * 2 > this.keys.length) this.grow();
      } else if (this.counts[s] < 255) this.counts[s]++;
    }
    if (this.used > this.limit) this.toDense();
  }

  estimate(h1: number, h2: number): number {
    if (this.dense !== undefined) return this.dense.estimate(h1, h2);
    let m = 255;
    for (let r = 0; r < DEPTH; r++) {
      const s = this.slot(r * this.width + ((h1 + Math.imul(r, h2)) & this.mask));
      const v = this.keys[s] === 0 ? 0 : this.counts[s];
      if (v < m) m = v;
    }
    return m;
  }

  /** Cells touched (sparse), or undefined once dense. */
  get touched(): number | undefined {
    return this.dense === undefined ? this.used : undefined;
  }

  private toDense(): void {
    const d = new CountMinSketch(this.bytes);
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) d.cells[this.keys[i] - 1] = this.counts[i];
    this.dense = d;
    this.keys = new Int32Array(0);
    this.counts = new Uint8Array(0);
  }

  /** Dense: its cells, as `CountMinSketch.save`; sparse: the magic, the count, the sorted cell indices, their counts. */
  async save(path: string): Promise<void> {
    if (this.dense !== undefined) return this.dense.save(path);
    const idx: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) idx.push(this.keys[i] - 1);
    idx.sort((a, b) => a - b);
    const buf = Buffer.alloc(SPARSE_MAGIC.length + 4 + idx.length * 5);
    SPARSE_MAGIC.copy(buf, 0);
    let at = SPARSE_MAGIC.length;
    buf.writeUInt32LE(idx.length, at);
    at += 4;
    for (const i of idx) {
      buf.writeUInt32LE(i, at);
      at += 4;
    }
    for (const i of idx) buf[at++] = this.counts[this.slot(i)];
    writeWorkFile(path, buf);
  }
}

/** Add a task's saved sketch (dense or sparse, see `GrowingSketch.save`) into `total`, cell by cell (saturating). */
export async function mergeSketchFile(total: CountMinSketch, path: string): Promise<void> {
  const buf = await readFile(path);
  if (buf.length === total.cells.length) {
    total.merge(new CountMinSketch(total.cells.length, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)));
    return;
  }
  const n = buf.length >= SPARSE_MAGIC.length + 4 && buf.subarray(0, SPARSE_MAGIC.length).equals(SPARSE_MAGIC) ? buf.readUInt32LE(SPARSE_MAGIC.length) : -1;
  const at = SPARSE_MAGIC.length + 4;
  if (n < 0 || buf.length !== at + n * 5) throw new Error(`sketch ${path} is damaged (${buf.length} bytes: neither ${total.cells.length} cells nor a sparse sketch)`);
  const a = total.cells;
  for (let i = 0; i < n; i++) {
    const cell = buf.readUInt32LE(at + i * 4);
    if (cell >= a.length) throw new Error(`sketch ${path} is damaged (cell ${cell} of ${a.length})`);
    const s = a[cell] + buf[at + n * 4 + i];
    a[cell] = s > 255 ? 255 : s;
  }
}
