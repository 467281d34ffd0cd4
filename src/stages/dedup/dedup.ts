import type { StageFactory } from '../../core/registry.js';
import { exactStage } from './exact.js';
import { minhashStage } from './filter.js';
import { dedupOptions, minHashConfig } from './options.js';
import type { KeepPolicy } from './policy.js';
import { exactGlobal } from './global/exact.js';
import { minhashGlobal } from './global/minhash.js';

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
  async create(o) {
    // Global: an executor runs it in phases (collect per task, steps over all, apply per task).
    if (o.method === 'exact') return { ...(await exactStage(o)), scope: 'global', global: exactGlobal() };
    const config = minHashConfig(o);
    return { ...minhashStage(config, o.keep as KeepPolicy, o), scope: 'global', global: minhashGlobal(config, o.keep as KeepPolicy) };
  },
};
