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
  // A number (a recipe's `shard_size: 4096`) is whole bytes: 1.5 is no size (hostile review 23 S1).
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : NaN;
  // A unit letter, then `i` (2^10 steps) and `B` as wished: 64MiB, 64Mi, 64MB, 64M; without a
  // unit letter only a `B` (`64i`, `64ib` were taken as 64 bytes: S1).
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)b?|b?)$/i.exec(v.trim()) : null;
  if (m === null) return NaN;
  const unit = (m[2] ?? '').toLowerCase();
  // A bare number is bytes, and a byte is whole: `--shard-size 1.9` made one shard per record (S1).
  if (unit === '' && m[1].includes('.')) return NaN;
  const step = m[3] ? 1024 : 1000;
  const bytes = Math.floor(Number(m[1]) * step ** ' kmgt'.indexOf(unit || ' '));
  return Number.isSafeInteger(bytes) ? bytes : NaN;
}

/** How a value was given, for a message: `"1e3"` or `1.5`. */
const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * Parse `256MB`, `1.5GiB`, `4096` into bytes (`sizeBytes`), at least `min`. `where` names the
 * command and the option (`cat: --shard-size`, `r.yaml: output: shard_size`): every size refusal
 * says it in one voice, as the stage options' (core/options.ts) do (new-user review 23 B7).
 * Here, not in core/recipe.ts (which re-exports it), so that a stage command's `--shard-size`
 * does not load the recipe reader, its data-juicer hints and the quality presets with it (issue
 * #16, twentieth pass).
 */
export function parseSize(v: unknown, min = 1, where = 'a size'): number {
  const bytes = sizeBytes(v);
  if (Number.isNaN(bytes)) {
    const fraction = /^\s*\d*\.\d+\s*b?\s*$/i.test(String(v)) || (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v));
    throw new UsageError(`${where} must be ${SIZE_FORM}, got ${shown(v)}${fraction ? ' (a number alone is bytes, and a byte is not cut: give a whole number or a unit, as 1.5MB)' : ''}`);
  }
  if (bytes < min) throw new UsageError(`${where} must be at least ${min} byte${min === 1 ? '' : 's'}, got ${shown(v)}${String(bytes) !== String(v).trim() ? ` (${bytes} bytes)` : ''}`);
  return bytes;
}

/** Below this a shard size written without a unit is taken for a slip (`256` meant as 256MB). */
export const BARE_SHARD_FLOOR = 64 * 1024;

/**
 * A shard size (`--shard-size`, a recipe's `output: shard_size`): `parseSize`, and a number
 * without a unit below 64 KiB is refused. `--shard-size 256` was 256 bytes, one shard per
 * record, without a word (new-user review 23 B7); a small size written with its unit (`1KB`)
 * is taken, as it was meant.
 */
export function parseShardSize(v: unknown, where: string): number {
  const bytes = parseSize(v, 1, where);
  const bare = typeof v === 'number' || /^\s*\d+\s*$/.test(String(v));
  if (bare && bytes < BARE_SHARD_FLOOR) {
    throw new UsageError(`${where} ${String(v).trim()} is ${bytes} byte${bytes === 1 ? '' : 's'}: about one shard per record; did you mean ${String(v).trim()}MB? A number alone is bytes: below 64KiB give the unit (${bytes}B, 1KB)`);
  }
  return bytes;
}
