/**
 * File layout and binary records of the on-disk MinHash mode (one work directory per run):
 *
 * - `sigs/<shard>.json`  — shard path, record count, settings (`ShardMeta`)
 * - `sigs/<shard>.sig`   — signatures, `k` int32 each, in record order
 * - `sigs/<shard>.lines` — the 1-based input line of each signed record (uint32)
 * - `sigs/<shard>.scores`— written by versions before session 16 (each record's quality score), read by
 *                          nothing: the score is in each bucket entry. Removed with a failed shard.
 * - `sigs/<shard>.set`   — with `verify: 'exact'`: each record's shingle hashes (int32, as shingled), concatenated
 * - `sigs/<shard>.src`   — optional: the source (`file:line`) of each signed record, one JSON string a line
 * - `sigs/<shard>.setoff`— where each record's set starts in `.set`, in values (float64, records + 1)
 * - `sigs/<shard>.crc`   — per signed record, the CRC-32 of its signature's bytes and of its set's
 *                          bytes (uint32 pairs; 0 without sets): step 3 reads signatures and sets
 *                          at its candidates only, and checks each one it reads against these
 * - `bands/<shard>.bkt` — per band in band order, the shard's `BUCKET_ENTRY` records sorted by
 *                          (key, record): band `b`'s section is `records` entries from entry
 *                          `b × records`; each section's CRC-32 is in the meta (`bucketCrcs`), as
 *                          each band reads its own section of every shard's file. One file per
 *                          shard, not one per band and shard: creating a file is what costs on
 *                          Lustre or NFS (a metadata round trip), and 14 of them were a third of
 *                          the files a task of the sample recipe made (bench/RESULTS.md, issue
 *                          16, sixteenth pass)
 * - `edges/<band>.edg`   — candidates found in that band: member → best member of its bucket (`EDGE` records)
 * - `removed/<shard>.jsonl` — the records to drop: `{line, survivor, similarity}`
 *
 * `<shard>` is the shard's index in the run's sorted shard list, zero-padded to 6 digits.
 * Binary files are little-endian typed-array dumps.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../../../io/crc32.js';
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
  /** The CRC-32 of each band's section of `bands/<shard>.bkt`; absent in metas written before the sections (not checked). */
  bucketCrcs?: number[];
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
export const recordCrcPath = (dir: string, shard: number): string => join(dir, 'sigs', `${shardName(shard)}.crc`);
/** A shard's bucket entries of every band, one section per band (see the layout above). */
export const bucketPath = (dir: string, shard: number): string => join(dir, 'bands', `${shardName(shard)}.bkt`);
/**
 * Where versions before the sections wrote a band's entries of a shard (one file per band and
 * shard, `bands/<band>/<shard>.bkt`): read from there when the shard's meta has no `bucketCrcs`,
 * so that a run or dedup-disk work folder started by such a version resumes as it did.
 */
export const bandFilePath = (dir: string, band: number, shard: number): string => join(dir, 'bands', String(band).padStart(4, '0'), `${shardName(shard)}.bkt`);
export const edgePath = (dir: string, band: number): string => join(dir, 'edges', `${String(band).padStart(4, '0')}.edg`);
export const removedPath = (dir: string, shard: number): string => join(dir, 'removed', `${shardName(shard)}.jsonl`);

/** Reads fixed-size records from a file sequentially, in large chunks, with synchronous I/O. */
export class RecordReader {
  private readonly fd: number;
  private readonly buf: Buffer;
  private len = 0;
  private pos = 0;
  private eof = false;

  /** Where the next read starts; reading stops at `end`. */
  private at: number;
  private readonly end: number;
  /** CRC-32 of the bytes read so far (with `crc`). */
  private sum = 0;

  /**
   * Records of `path` from byte `start` to byte `end` (default: the whole file). With `crc`,
   * the CRC-32 of the bytes read is kept (`crc32Read`), to check a section against its own.
   */
  constructor(
    path: string,
    private readonly size: number,
    chunkRecords = 16384,
    start = 0,
    end = Infinity,
    private readonly crc = false,
  ) {
    this.fd = openSync(path, 'r');
    this.buf = Buffer.alloc(Number.isFinite(end) ? Math.max(size, Math.min(size * chunkRecords, end - start)) : size * chunkRecords);
    this.at = start;
    this.end = end;
  }

  /** Byte offset in `buffer` of the next record, or -1 at the end. */
  next(): number {
    if (this.pos + this.size > this.len) {
      if (this.eof) return -1;
      const rest = this.len - this.pos;
      this.buf.copy(this.buf, 0, this.pos, this.len);
      const want = Math.min(this.buf.length - rest, this.end - this.at);
      const n = want > 0 ? readSync(this.fd, this.buf, rest, want, this.at) : 0;
      if (n === 0) this.eof = true;
      if (this.crc && n > 0) this.sum = crc32(this.buf.subarray(rest, rest + n), this.sum);
      this.at += n;
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

  /** The CRC-32 of the bytes read so far (constructed with `crc`). */
  crc32Read(): number {
    return this.sum >>> 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A signature or shingle set read back that is not the one its shard's signer wrote (its record CRC-32 differs). */
export class RecordDamage extends Error {
  /** What is wrong, without the path (for `WorkDamage`). */
  readonly what: string;
  constructor(
    readonly path: string,
    readonly shard: number,
    readonly record: number,
    kind: 'signature' | 'shingle set',
  ) {
    const what = `the ${kind} of its record ${record} is not the one written (its CRC-32 differs)`;
    super(`${path} is damaged: ${what}`);
    this.what = what;
  }
}

/** A band's section of a shard's bucket file that is not the one its signer wrote (its CRC-32 differs from the meta's). */
export class BucketDamage extends Error {
  /** What is wrong, without the path (for `WorkDamage`). */
  readonly what: string;
  constructor(
    readonly path: string,
    readonly shard: number,
    band: number,
  ) {
    const what = `band ${band}'s section's CRC-32 is not the one written`;
    super(`${path} is damaged: ${what}`);
    this.what = what;
  }
}

/**
 * The record CRC-32s of the shards (`sigs/<shard>.crc`), loaded per shard on first use: a
 * signature or set read at a candidate is checked against them, so the check costs what is
 * read, not the whole file. A shard signed before these files existed has none and is not
 * checked (its seal, which would list the file, does not).
 */
export class RecordChecks {
  private readonly crcs = new Map<number, Uint32Array | null>();

  constructor(private readonly workDir: string) {}

  private of(shard: number): Uint32Array | null {
    let c = this.crcs.get(shard);
    if (c === undefined) {
      const p = recordCrcPath(this.workDir, shard);
      if (existsSync(p)) {
        const b = readFileSync(p);
        c = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length - (b.length % 4)));
      } else c = null;
      this.crcs.set(shard, c);
    }
    return c;
  }

  /** Check the signature bytes of record `rec` of `shard`; throws `RecordDamage`. */
  signature(shard: number, rec: number, bytes: Uint8Array): void {
    const c = this.of(shard);
    if (c !== null && (2 * rec >= c.length || crc32(bytes) !== c[2 * rec])) throw new RecordDamage(sigPath(this.workDir, shard), shard, rec, 'signature');
  }

  /** Check the shingle-set bytes of record `rec` of `shard`; throws `RecordDamage`. */
  set(shard: number, rec: number, bytes: Uint8Array): void {
    const c = this.of(shard);
    if (c !== null && (2 * rec + 1 >= c.length || crc32(bytes) !== c[2 * rec + 1])) throw new RecordDamage(setPath(this.workDir, shard), shard, rec, 'shingle set');
  }
}
