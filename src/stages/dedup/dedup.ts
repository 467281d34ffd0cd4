import type { StageFactory } from '../../core/registry.js';
import { exactStage } from './exact.js';
import { minhashStage } from './filter.js';
import { dedupOptions, minHashConfig } from './options.js';
import type { KeepPolicy } from './policy.js';
import { exactSteps, lazyGlobal, minhashSteps } from './global/lazy.js';

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
    // Global: an executor runs it in phases (collect per task, steps over all, apply per task),
    // their modules loaded at the first phase (global/lazy.ts: a one-process run never loads them).
    if (o.method === 'exact') return { ...(await exactStage(o)), scope: 'global', global: lazyGlobal(async () => (await import('./global/exact.js')).exactGlobal(), exactSteps) };
    const config = minHashConfig(o);
    const keep = o.keep as KeepPolicy;
    const global = lazyGlobal(async () => (await import('./global/minhash.js')).minhashGlobal(config, keep), () => minhashSteps(config.bands));
    return { ...minhashStage(config, keep, o), scope: 'global', global };
  },
};
