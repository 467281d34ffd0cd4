import type { Doc } from '../../core/doc.js';

/** Which record of a cluster survives. */
export type KeepPolicy = 'auto' | 'first' | 'best-quality';

/**
 * The quality score a record carries (`attrs.quality.score`, written by the quality stage), or
 * `NaN` when it has none. On disk the attributes sit on the record under `attrs`.
 */
export function qualityScore(attrs: unknown): number {
  if (typeof attrs !== 'object' || attrs === null) return NaN;
  const q = (attrs as Record<string, unknown>).quality;
  if (typeof q !== 'object' || q === null) return NaN;
  const s = (q as Record<string, unknown>).score;
  return typeof s === 'number' && Number.isFinite(s) ? s : NaN;
}

/** Quality score of a record in a pipeline. */
export function docScore(doc: Doc): number {
  return qualityScore(doc.attrs);
}

/**
 * Compare two records for survival: negative when `a` is better. Better = higher score (a
 * missing score is worse than any score) when `byQuality`, then earlier in the run's order.
 * `orderA`/`orderB` are the records' positions in the run's input order (any comparable
 * numbers: arrival index in memory, packed `(shard, line)` on disk).
 */
export function compareSurvival(byQuality: boolean, scoreA: number, orderA: number, scoreB: number, orderB: number): number {
  if (byQuality) {
    const a = Number.isNaN(scoreA) ? -Infinity : scoreA;
    const b = Number.isNaN(scoreB) ? -Infinity : scoreB;
    if (a !== b) return a > b ? -1 : 1;
  }
  return orderA - orderB;
}
