import type { StageFactory } from '../../core/registry.js';
import { exactStage } from './exact.js';
import { minhashStage } from './filter.js';
import { dedupOptions, minHashConfig } from './options.js';
import type { KeepPolicy } from './policy.js';

/**
 * The `dedup` stage: `--minhash` (default) removes near duplicates with MinHash LSH
 * (datatrove's 5-word shingles, 14 bands × 8 rows), `--exact` removes records whose normalised
 * text is identical. Dropped records go to rejects as `dedup:minhash` with
 * `{survivor, similarity}` or `dedup:exact` with `{survivor}`. Options and defaults: see
 * `dedupOptions`.
 */
export const dedup: StageFactory = {
  name: 'dedup',
  summary: 'remove exact (--exact) or near (--minhash, default) duplicate records',
  options: dedupOptions,
  create(o) {
    if (o.method === 'exact') return exactStage(o);
    return minhashStage(minHashConfig(o), o.keep as KeepPolicy, o);
  },
};
