/**
 * All on-disk steps in one process, in order: a reference for executors (which run step 1 per
 * shard and step 2 per band on many workers) and what tests and benchmarks call.
 */
import { resolveOptions } from '../../../core/options.js';
import { dedupOptions, minHashConfig } from '../options.js';
import type { KeepPolicy } from '../policy.js';
import type { BandResult } from './buckets.js';
import { buildBuckets } from './buckets.js';
import type { ClusterResult } from './cluster.js';
import { clusterBuckets } from './cluster.js';
import type { ShardMeta } from './files.js';
import { computeSignatures } from './signatures.js';

/** Options of `dedupOnDisk`: the `dedup` stage's options (`method` must be minhash) and the text field. */
export interface DiskRunOptions {
  options?: Record<string, unknown>;
  textField?: import('../../../core/doc.js').TextField;
  /**
   * The order in which shards are signed (indices into the sorted list); a test hook showing
   * that processing order does not matter. Default: sorted order.
   */
  processingOrder?: number[];
}

/** What `dedupOnDisk` did. */
export interface DiskRunResult {
  /** Shard paths in the run's order (sorted): shard `i` is `shards[i]`. */
  shards: string[];
  metas: ShardMeta[];
  bands: BandResult[];
  cluster: ClusterResult;
}

/**
 * Sort `shardPaths` (code-unit order: the run's order, which defines "first"), sign every shard,
 * build every band's edges, cluster, and leave `removed/<shard>.jsonl` in `workDir`.
 */
export async function dedupOnDisk(shardPaths: readonly string[], workDir: string, run: DiskRunOptions = {}): Promise<DiskRunResult> {
  const o = resolveOptions('dedup', dedupOptions, run.options ?? {});
  if (o.method !== 'minhash') throw new Error('dedupOnDisk: only method minhash has an on-disk mode');
  const config = minHashConfig(o);
  const shards = [...shardPaths].sort();
  const order = run.processingOrder ?? shards.map((_, i) => i);
  const metas: ShardMeta[] = [];
  for (const i of order) metas[i] = await computeSignatures(shards[i], workDir, { shardIndex: i, config, textField: run.textField });
  const bands: BandResult[] = [];
  for (let band = 0; band < config.bands; band++) {
    bands.push(buildBuckets(workDir, band, { keep: o.keep as KeepPolicy }));
  }
  const cluster = clusterBuckets(workDir, config.bands, { keep: o.keep as KeepPolicy, threshold: config.threshold, verify: config.verify });
  return { shards, metas, bands, cluster };
}
