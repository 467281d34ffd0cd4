/**
 * On-disk step 3: all bands' edges → clusters (union-find) → per shard, the records to remove
 * with their survivor and estimated similarity. One task; its memory is proportional to the
 * number of duplicates, not of records.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UnionFind } from '../cluster.js';
import { similarity } from '../signature.js';
import { EDGE, edgePath, linesPath, removedPath } from './files.js';
import { SignatureStore, loadMetas } from './buckets.js';

/** One record to remove, as written to `removed/<shard>.jsonl`. */
export interface Removal {
  /** 1-based line of the record in its shard. */
  line: number;
  /** `path:line` of the kept record of its cluster. */
  survivor: string;
  /** Estimated Jaccard similarity with the survivor, rounded to 3 decimals. */
  similarity: number;
}

/** What `clusterBuckets` decided. */
export interface ClusterResult {
  shards: number;
  records: number;
  removed: number;
  /** Removals per shard index. */
  perShard: number[];
}

const SHARD = 2 ** 32;

/**
 * Read `edges/<band>.edg` for bands `0 .. bands-1`; each record keeps its edge of the lowest
 * band (as the in-memory mode does), is linked under that better record, and is removed in
 * favour of the root of its tree. Writes `removed/<shard>.jsonl` for every shard (empty when
 * nothing is removed), sorted by line.
 */
export function clusterBuckets(workDir: string, bands: number): ClusterResult {
  const metas = loadMetas(workDir);
  const forest = new UnionFind();
  for (let band = 0; band < bands; band++) {
    const p = edgePath(workDir, band);
    if (!existsSync(p)) throw new Error(`clusterBuckets: ${p} is missing; run buildBuckets for band ${band} first`);
    const buf = readFileSync(p);
    for (let at = 0; at + EDGE <= buf.length; at += EDGE) {
      const child = buf.readUInt32LE(at) * SHARD + buf.readUInt32LE(at + 4);
      const parent = buf.readUInt32LE(at + 8) * SHARD + buf.readUInt32LE(at + 12);
      forest.link(child, parent);
    }
  }
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
  const k = metas.length > 0 ? metas[0].bands * metas[0].rows : 0;
  const store = new SignatureStore(workDir, k);
  const a = new Int32Array(k);
  const b = new Int32Array(k);
  const out = new Map<number, string[]>();
  for (const id of unique) {
    const shard = Math.floor(id / SHARD);
    const rec = id % SHARD;
    const root = forest.find(id);
    const rShard = Math.floor(root / SHARD);
    const rRec = root % SHARD;
    const s = similarity(store.read(shard, rec, a), 0, store.read(rShard, rRec, b), 0, k);
    const removal: Removal = {
      line: linesOf(shard)[rec],
      survivor: `${metaOf.get(rShard)!.path}:${linesOf(rShard)[rRec]}`,
      similarity: Math.round(s * 1000) / 1000,
    };
    let list = out.get(shard);
    if (list === undefined) out.set(shard, (list = []));
    list.push(JSON.stringify(removal));
  }
  store.close();
  const perShard: number[] = [];
  for (const m of metas) {
    const list = out.get(m.shardIndex) ?? [];
    perShard[m.shardIndex] = list.length;
    const p = removedPath(workDir, m.shardIndex);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, list.length > 0 ? list.join('\n') + '\n' : '');
  }
  return { shards: metas.length, records: metas.reduce((s, m) => s + m.records, 0), removed: unique.length, perShard };
}
