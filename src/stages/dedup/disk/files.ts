/**
 * File layout and binary records of the on-disk MinHash mode (one work directory per run):
 *
 * - `sigs/<shard>.json`  — shard path, record count, settings (`ShardMeta`)
 * - `sigs/<shard>.sig`   — signatures, `k` int32 each, in record order
 * - `sigs/<shard>.lines` — the 1-based input line of each signed record (uint32)
 * - `sigs/<shard>.scores`— its quality score (float64, NaN when none)
 * - `sigs/<shard>.set`   — with `verify: 'exact'`: each record's shingle hashes (int32, as shingled), concatenated
 * - `sigs/<shard>.src`   — optional: the source (`file:line`) of each signed record, one JSON string a line
 * - `sigs/<shard>.setoff`— where each record's set starts in `.set`, in values (float64, records + 1)
 * - `bands/<band>/<shard>.bkt` — `BUCKET_ENTRY` records sorted by (key, record)
 * - `edges/<band>.edg`   — candidates found in that band: member → best member of its bucket (`EDGE` records)
 * - `removed/<shard>.jsonl` — the records to drop: `{line, survivor, similarity}`
 *
 * `<shard>` is the shard's index in the run's sorted shard list, zero-padded to 6 digits.
 * Binary files are little-endian typed-array dumps.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyMode } from '../verify.js';

/** Bytes of one bucket entry: key hi, key lo (int32), shard, record (uint32), score (float64). */
export const BUCKET_ENTRY = 24;
/** Bytes of one edge: member shard, member record, best-member shard, record (uint32), member's score (float64). */
export const EDGE = 24;

/** What `computeSignatures` writes about a shard. */
export interface ShardMeta {
  path: string;
  shardIndex: number;
  /** Records signed (with at least one shingle). */
  records: number;
  /** Lines read, records without shingles, and lines that were not records. */
  lines: number;
  noShingles: number;
  skipped: number;
  /** True when the shard's first record with text carries a quality score (for `keep: auto`). */
  firstScored: boolean;
  bands: number;
  rows: number;
  seed: number;
  /** The verification mode signed for (`.set` files exist when it is `exact`). */
  verify: VerifyMode;
  ngram: number;
  charNgram: number;
}

/** `000042`. */
export const shardName = (i: number): string => String(i).padStart(6, '0');

export const sigMetaPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.json`);
export const sigPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.sig`);
export const linesPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.lines`);
export const scoresPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.scores`);
export const sourcesPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.src`);
export const setPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.set`);
export const setOffsetsPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.setoff`);
export const bucketPath = (dir: string, band: number, shard: number): string =>
  join(dir, 'bands', String(band).padStart(4, '0'), `${shardName(shard)}.bkt`);
export const edgePath = (dir: string, band: number): string => join(dir, 'edges', `${String(band).padStart(4, '0')}.edg`);
export const removedPath = (dir: string, shard: number): string => join(dir, 'removed', `${shardName(shard)}.jsonl`);

/** Reads fixed-size records from a file sequentially, in large chunks, with synchronous I/O. */
export class RecordReader {
  private readonly fd: number;
  private readonly buf: Buffer;
  private len = 0;
  private pos = 0;
  private eof = false;

  constructor(
    path: string,
    private readonly size: number,
    chunkRecords = 16384,
  ) {
    this.fd = openSync(path, 'r');
    this.buf = Buffer.alloc(size * chunkRecords);
  }

  /** Byte offset in `buffer` of the next record, or -1 at the end. */
  next(): number {
    if (this.pos + this.size > this.len) {
      if (this.eof) return -1;
      const rest = this.len - this.pos;
      this.buf.copy(this.buf, 0, this.pos, this.len);
      const n = readSync(this.fd, this.buf, rest, this.buf.length - rest, null);
      if (n === 0) this.eof = true;
      this.len = rest + n;
      this.pos = 0;
      if (this.len < this.size) return -1;
    }
    const at = this.pos;
    this.pos += this.size;
    return at;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  close(): void {
    closeSync(this.fd);
  }
}
