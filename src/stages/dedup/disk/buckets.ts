/**
 * On-disk step 2: for one band, merge every shard's sorted bucket file and turn each bucket
 * into candidate edges "record → the best record of its bucket" (the record the in-memory mode
 * finds first under that key). Bands are independent: run this for every band, in any order,
 * on any number of workers. Candidates are checked in step 3, against their cluster's survivor.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { writeWorkFile } from '../../../io/writers/workFile.js';
import { dirname, join } from 'node:path';
import type { KeepPolicy } from '../policy.js';
import { compareSurvival } from '../policy.js';
import type { ShardMeta } from './files.js';
import { BUCKET_ENTRY, BucketDamage, EDGE, bandFilePath, RecordChecks, RecordReader, bucketPath, edgePath, sigPath } from './files.js';
import { makeDirSync } from '../../../io/dirs.js';

/** The metadata of every shard signed in `workDir`, by shard index. */
export function loadMetas(workDir: string): ShardMeta[] {
  const dir = join(workDir, 'sigs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ShardMeta)
    .sort((a, b) => a.shardIndex - b.shardIndex);
}

/** Whether survival is by quality: `auto` looks at the run's first record with text. */
export function resolveByQuality(keep: KeepPolicy, metas: readonly ShardMeta[]): boolean {
  if (keep !== 'auto') return keep === 'best-quality';
  const first = metas.find((m) => m.records + m.noShingles > 0);
  return first?.firstScored ?? false;
}

/** Random access to signatures by (shard, record), with one open file per shard. */
export class SignatureStore {
  private readonly fds = new Map<number, number>();
  private readonly bytes: Buffer;

  constructor(
    private readonly workDir: string,
    readonly k: number,
    /** Record CRC-32s to check each signature read against (none: not checked). */
    private readonly checks?: RecordChecks,
  ) {
    this.bytes = Buffer.alloc(k * 4);
  }

  /** Read the signature of record `rec` of `shard` into `out`. */
  read(shard: number, rec: number, out: Int32Array): Int32Array {
    let fd = this.fds.get(shard);
    if (fd === undefined) {
      fd = openSync(sigPath(this.workDir, shard), 'r');
      this.fds.set(shard, fd);
    }
    readSync(fd, this.bytes, 0, this.bytes.length, rec * this.k * 4);
    this.checks?.signature(shard, rec, this.bytes);
    for (let i = 0; i < this.k; i++) out[i] = this.bytes.readInt32LE(i * 4);
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Options of `buildBuckets`. */
export interface BucketJob {
  /** Survival policy: it decides the best record of a bucket (the same as step 3's). */
  keep: KeepPolicy;
  /** The shards' metas by shard index, when the caller read (and checked) them already; default every meta in `sigs/` (`loadMetas`). */
  metas?: readonly ShardMeta[];
}

/** What `buildBuckets` found in one band. */
export interface BandResult {
  band: number;
  entries: number;
  /** Records that shared a bucket with a better record (one edge each). */
  candidates: number;
}

/**
 * Merge the band's bucket files of all shards (a k-way merge: memory is one read buffer per
 * shard plus the largest bucket) and write `edges/<band>.edg`.
 */
export function buildBuckets(workDir: string, band: number, job: BucketJob): BandResult {
  const all = job.metas ?? loadMetas(workDir);
  const metas = all.filter((m) => m.records > 0);
  const result: BandResult = { band, entries: 0, candidates: 0 };
  const out = edgePath(workDir, band);
  makeDirSync(dirname(out));
  if (metas.length === 0) {
    writeWorkFile(out, Buffer.alloc(0));
    return result;
  }
  const byQuality = resolveByQuality(job.keep, all);
  // Each shard's section of this band (files.ts), its CRC-32 taken as it is read; a shard signed
  // by a version before the sections (no CRC-32s in its meta) has a file per band.
  const readers = metas.map((m) =>
    m.bucketCrcs === undefined
      ? new RecordReader(bandFilePath(workDir, band, m.shardIndex), BUCKET_ENTRY, 8192)
      : new RecordReader(bucketPath(workDir, m.shardIndex), BUCKET_ENTRY, 8192, band * m.records * BUCKET_ENTRY, (band + 1) * m.records * BUCKET_ENTRY, true));
  const n = readers.length;
  // Current entry of each reader, unpacked.
  const hi = new Int32Array(n);
  const lo = new Int32Array(n);
  const shard = new Uint32Array(n);
  const rec = new Uint32Array(n);
  const score = new Float64Array(n);
  const heap: number[] = [];
  const less = (a: number, b: number): boolean =>
    hi[a] !== hi[b] ? hi[a] < hi[b] : lo[a] !== lo[b] ? lo[a] < lo[b] : shard[a] !== shard[b] ? shard[a] < shard[b] : rec[a] < rec[b];
  const load = (r: number): boolean => {
    const at = readers[r].next();
    if (at < 0) return false;
    const b = readers[r].buffer;
    hi[r] = b.readInt32LE(at);
    lo[r] = b.readInt32LE(at + 4);
    shard[r] = b.readUInt32LE(at + 8);
    rec[r] = b.readUInt32LE(at + 12);
    score[r] = b.readDoubleLE(at + 16);
    return true;
  };
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const c = l + 1 < heap.length && less(heap[l + 1], heap[l]) ? l + 1 : l;
      if (!less(heap[c], heap[i])) return;
      [heap[c], heap[i]] = [heap[i], heap[c]];
      i = c;
    }
  };
  for (let r = 0; r < n; r++) if (load(r)) heap.push(r);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);

  const edges: Buffer[] = [];
  let edgeBuf = Buffer.alloc(EDGE * 4096);
  let edgeN = 0;
  // The current bucket's members.
  let gHi = 0;
  let gLo = 0;
  const gShard: number[] = [];
  const gRec: number[] = [];
  const gScore: number[] = [];

  const closeGroup = (): void => {
    const m = gShard.length;
    if (m >= 2) {
      let best = 0;
      for (let j = 1; j < m; j++) {
        const order = (x: number): number => gShard[x] * 2 ** 32 + gRec[x];
        if (compareSurvival(byQuality, gScore[j], order(j), gScore[best], order(best)) < 0) best = j;
      }
      for (let j = 0; j < m; j++) {
        if (j === best) continue;
        result.candidates++;
        if (edgeN === 4096) {
          edges.push(edgeBuf);
          edgeBuf = Buffer.alloc(EDGE * 4096);
          edgeN = 0;
        }
        const at = edgeN++ * EDGE;
        edgeBuf.writeUInt32LE(gShard[j], at);
        edgeBuf.writeUInt32LE(gRec[j], at + 4);
        edgeBuf.writeUInt32LE(gShard[best], at + 8);
        edgeBuf.writeUInt32LE(gRec[best], at + 12);
        edgeBuf.writeDoubleLE(gScore[j], at + 16);
      }
    }
    gShard.length = 0;
    gRec.length = 0;
    gScore.length = 0;
  };

  while (heap.length > 0) {
    const r = heap[0];
    result.entries++;
    if (gShard.length > 0 && (hi[r] !== gHi || lo[r] !== gLo)) closeGroup();
    gHi = hi[r];
    gLo = lo[r];
    gShard.push(shard[r]);
    gRec.push(rec[r]);
    gScore.push(score[r]);
    if (load(r)) siftDown(0);
    else {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(0);
      }
    }
  }
  closeGroup();
  for (const r of readers) r.close();
  // A section cut short or changed: nothing is written from it.
  for (const [i, m] of metas.entries()) if (m.bucketCrcs !== undefined && readers[i].crc32Read() !== m.bucketCrcs[band]) throw new BucketDamage(bucketPath(workDir, m.shardIndex), m.shardIndex, band);
  edges.push(edgeBuf.subarray(0, edgeN * EDGE));
  writeWorkFile(out, Buffer.concat(edges));
  return result;
}
