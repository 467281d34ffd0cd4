import { UsageError } from './errors.js';

/** How a size is written, said by every message that refuses one. */
export const SIZE_FORM = 'a number of bytes or a size such as 64MiB, 256MB, 1GB';

/**
 * A size written by a user, in bytes: `4096`, `256MB` (10^6), `1.5GiB` (2^30), `64 MiB`, `8k`;
 * a number as it is. NaN when it is not one. The one reading of a size for every size option
 * (flags, recipe keys, stage options, CORPUS_CLEAN_HOLD_UNCHECKED): new-user review 22 A7, where
 * `paragraphs --hold-bytes 1MB` was refused as not "a whole number in plain digits" while
 * --task-size 2MiB and --shard-size 256MB were taken.
 */
export function sizeBytes(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : NaN;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(v.trim()) : null;
  if (m === null) return NaN;
  const unit = m[2].toLowerCase();
  const step = m[3].toLowerCase().startsWith('i') ? 1024 : 1000;
  const bytes = Math.floor(Number(m[1]) * step ** ' kmgt'.indexOf(unit || ' '));
  return Number.isSafeInteger(bytes) ? bytes : NaN;
}

/**
 * Parse `256MB`, `1.5GiB`, `4096` into bytes (`sizeBytes`), at least `min`. Here, not in
 * core/recipe.ts (which re-exports it), so that a stage command's `--shard-size` does not load
 * the recipe reader, its data-juicer hints and the quality presets with it (issue #16, twentieth pass).
 */
export function parseSize(v: unknown, min = 1): number {
  const bytes = sizeBytes(v);
  if (Number.isNaN(bytes)) throw new UsageError(`bad size ${JSON.stringify(v)}: use ${SIZE_FORM}`);
  if (bytes < min) throw new UsageError(`bad size ${JSON.stringify(v)}: must be at least ${min} byte${min === 1 ? '' : 's'}`);
  return bytes;
}
