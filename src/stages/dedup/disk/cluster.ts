/**
 * On-disk step 3: all bands' candidate edges → checked against their cluster's survivor, in
 * survival order → per shard, the records to remove with their survivor and similarity. One
 * task; its memory is proportional to the number of candidates, not of records.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { writeWorkFile } from '../../../io/writers/workFile.js';
import { dirname } from 'node:path';
import { UnionFind } from '../cluster.js';
import type { KeepPolicy } from '../policy.js';
import { compareSurvival } from '../policy.js';
import { similarity } from '../signature.js';
import type { VerifyMode } from '../verify.js';
import { jaccardSorted, passes, shingleSet } from '../verify.js';
import { EDGE, RecordChecks, edgePath, linesPath, removedPath, setOffsetsPath, setPath, sourcesPath } from './files.js';
import type { ShardMeta } from './files.js';
import { SignatureStore, loadMetas, resolveByQuality } from './buckets.js';
import { makeDirSync } from '../../../io/dirs.js';

/** One record to remove, as written to `removed/<shard>.jsonl`. */
export interface Removal {
  /** 1-based line of the record in its shard. */
  line: number;
  /** `path:line` of the kept record of its cluster. */
  survivor: string;
  /**
   * Jaccard similarity with the survivor, rounded to 3 decimals: exact with `verify: 'exact'`,
   * else estimated from the signatures.
   */
  similarity: number;
}

/** Options of `clusterBuckets`: the run's survival policy, threshold and verification mode. */
export interface ClusterJob {
  keep: KeepPolicy;
  threshold: number;
  verify: VerifyMode;
  /** The shards' metas by shard index, when the caller read (and checked) them already; default every meta in `sigs/` (`loadMetas`). */
  metas?: readonly ShardMeta[];
}

/** What `clusterBuckets` decided. */
export interface ClusterResult {
  shards: number;
  records: number;
  removed: number;
  /** Band matches (edges of all bands). */
  candidates: number;
  /** Survivor checks that failed. */
  unverified: number;
  /** Removals per shard index. */
  perShard: number[];
}

const SHARD = 2 ** 32;

/** Random access to the shingle sets of `verify: 'exact'`, by (shard, record). */
export class SetStore {
  private readonly fds = new Map<number, number>();
  private readonly offsets = new Map<number, Float64Array>();

  constructor(
    private readonly workDir: string,
    /** Record CRC-32s to check each set read against (none: not checked). */
    private readonly checks?: RecordChecks,
  ) {}

  /** The shingle set of record `rec` of `shard`, sorted without repeats (a new array). */
  read(shard: number, rec: number): Int32Array {
    let off = this.offsets.get(shard);
    let fd = this.fds.get(shard);
    if (off === undefined || fd === undefined) {
      const p = setOffsetsPath(this.workDir, shard);
      if (!existsSync(p)) throw new Error(`clusterBuckets: ${p} is missing; sign with verify 'exact'`);
      const b = readFileSync(p);
      off = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
      fd = openSync(setPath(this.workDir, shard), 'r');
      this.offsets.set(shard, off);
      this.fds.set(shard, fd);
    }
    const start = off[rec];
    const out = new Int32Array(off[rec + 1] - start);
    readSync(fd, new Uint8Array(out.buffer), 0, out.byteLength, start * 4);
    this.checks?.set(shard, rec, new Uint8Array(out.buffer));
    return shingleSet(out);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.offsets.clear();
  }
}

/**
 * Read `edges/<band>.edg` for bands `0 .. bands-1` and visit the records that have candidates
 * in survival order (as the in-memory mode visits them): each candidate's survivor (the root of
 * its best bucket member, already final because it is better) is checked against the record,
 * lowest band first, each survivor once; the first that passes takes the record. Writes
 * `removed/<shard>.jsonl` for every shard (empty when nothing is removed), sorted by line.
 */
export function clusterBuckets(workDir: string, bands: number, job: ClusterJob): ClusterResult {
  const metas = job.metas ?? loadMetas(workDir);
  const byQuality = resolveByQuality(job.keep, metas);
  // All edges, band by band (so a child's candidates stay in band order after a stable sort).
  const bufs: Buffer[] = [];
  let total = 0;
  for (let band = 0; band < bands; band++) {
    const p = edgePath(workDir, band);
    if (!existsSync(p)) throw new Error(`clusterBuckets: ${p} is missing; run buildBuckets for band ${band} first`);
    const b = readFileSync(p);
    bufs.push(b);
    total += Math.floor(b.length / EDGE);
  }
  const child = new Float64Array(total);
  const parent = new Float64Array(total);
  const score = new Float64Array(total);
  let n = 0;
  for (const buf of bufs) {
    for (let at = 0; at + EDGE <= buf.length; at += EDGE, n++) {
      child[n] = buf.readUInt32LE(at) * SHARD + buf.readUInt32LE(at + 4);
      parent[n] = buf.readUInt32LE(at + 8) * SHARD + buf.readUInt32LE(at + 12);
      score[n] = buf.readDoubleLE(at + 16);
    }
  }
  bufs.length = 0;
  const order = new Uint32Array(total);
  for (let e = 0; e < total; e++) order[e] = e;
  order.sort((a, b) => compareSurvival(byQuality, score[a], child[a], score[b], child[b]) || a - b);

  const k = metas.length > 0 ? metas[0].bands * metas[0].rows : 0;
  if (job.verify === 'exact' && metas.some((m) => m.records > 0 && m.verify !== 'exact')) {
    throw new Error("clusterBuckets: verify 'exact' needs shards signed with verify 'exact' (their shingle sets)");
  }
  // Signatures and sets are read at the candidates only: each one read is checked against its
  // record CRC-32 (a damaged one throws RecordDamage instead of changing a decision).
  const checks = new RecordChecks(workDir);
  const sigs = new SignatureStore(workDir, k, checks);
  const sets = new SetStore(workDir, checks);
  const sigA = new Int32Array(k);
  const sigB = new Int32Array(k);
  let cachedRoot = -1;
  let cachedSet: Int32Array = new Int32Array(0);
  const decisive = (x: number, root: number): number => {
    if (job.verify === 'exact') {
      if (root !== cachedRoot) {
        cachedSet = sets.read(Math.floor(root / SHARD), root % SHARD);
        cachedRoot = root;
      }
      return jaccardSorted(sets.read(Math.floor(x / SHARD), x % SHARD), cachedSet);
    }
    sigs.read(Math.floor(x / SHARD), x % SHARD, sigA);
    sigs.read(Math.floor(root / SHARD), root % SHARD, sigB);
    return similarity(sigA, 0, sigB, 0, k);
  };

  const forest = new UnionFind();
  const simOf = new Map<number, number>();
  let candidates = 0;
  let unverified = 0;
  for (let g = 0; g < total; ) {
    const x = child[order[g]];
    let decided = false;
    const tried: number[] = [];
    for (; g < total && child[order[g]] === x; g++) {
      candidates++;
      if (decided) continue;
      const root = forest.find(parent[order[g]]);
      if (tried.includes(root)) continue;
      const s = decisive(x, root);
      if (passes(job.verify, s, job.threshold)) {
        forest.link(x, root);
        simOf.set(x, s);
        decided = true;
      } else {
        unverified++;
        tried.push(root);
      }
    }
  }
  sigs.close();
  sets.close();

  const unique = [...forest.linked()].sort((x, y) => x - y);
  const metaOf = new Map(metas.map((m) => [m.shardIndex, m]));
  const lineCache = new Map<number, Uint32Array>();
  const linesOf = (shard: number): Uint32Array => {
    let l = lineCache.get(shard);
    if (l === undefined) {
      const b = readFileSync(linesPath(workDir, shard));
      l = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
      lineCache.set(shard, l);
    }
    return l;
  };
  // Survivors are named by their source: the `.src` list when the signer kept one (an
  // executor's task, whose records come from anywhere), else `path:line`.
  const srcCache = new Map<number, string[] | null>();
  const sourceOf = (shard: number, rec: number): string => {
    let s = srcCache.get(shard);
    if (s === undefined) {
      const p = sourcesPath(workDir, shard);
      s = existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string) : null;
      srcCache.set(shard, s);
    }
    return s !== null ? s[rec] : `${metaOf.get(shard)!.path}:${linesOf(shard)[rec]}`;
  };
  const out = new Map<number, string[]>();
  for (const id of unique) {
    const shard = Math.floor(id / SHARD);
    const rec = id % SHARD;
    const root = forest.find(id);
    const rShard = Math.floor(root / SHARD);
    const rRec = root % SHARD;
    const removal: Removal = {
      line: linesOf(shard)[rec],
      survivor: sourceOf(rShard, rRec),
      similarity: Math.round(simOf.get(id)! * 1000) / 1000,
    };
    let list = out.get(shard);
    if (list === undefined) out.set(shard, (list = []));
    list.push(JSON.stringify(removal));
  }
  const perShard: number[] = [];
  for (const m of metas) {
    const list = out.get(m.shardIndex) ?? [];
    perShard[m.shardIndex] = list.length;
    const p = removedPath(workDir, m.shardIndex);
    makeDirSync(dirname(p));
    writeWorkFile(p, list.length > 0 ? list.join('\n') + '\n' : '');
  }
  return { shards: metas.length, records: metas.reduce((s, m) => s + m.records, 0), removed: unique.length, candidates, unverified, perShard };
}
