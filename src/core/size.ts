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
  const r = readSize(v);
  return r !== undefined && r.cut === undefined ? r.bytes : NaN;
}

/**
 * A size as `sizeBytes` reads it: its bytes, and `cut` (the bytes it names, as a decimal) when
 * that is no whole number ('1.0001KB' is 1000.1 bytes: it was floored to 1000 while '1.5' was
 * refused, hostile review 23b N3); undefined when it is no size. Worked out in exact integers
 * ('1.1KB' is 1100 bytes, where 1.1 * 1000 is 1100.0000000000002).
 */
function readSize(v: unknown): { bytes: number; cut?: string } | undefined {
  // A number (a recipe's `shard_size: 4096`) is whole bytes: 1.5 is no size (hostile review 23 S1).
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? { bytes: v } : undefined;
  // A unit letter, then `i` (2^10 steps) and `B` as wished: 64MiB, 64Mi, 64MB, 64M; without a
  // unit letter only a `B` (`64i`, `64ib` were taken as 64 bytes: S1).
  const m = typeof v === 'string' ? /^(\d+)(?:\.(\d+))?\s*(?:([kmgt])(i?)b?|b?)$/i.exec(v.trim()) : null;
  if (m === null) return undefined;
  const unit = (m[3] ?? '').toLowerCase();
  const frac = m[2] ?? '';
  // A bare number is bytes, and a byte is whole: `--shard-size 1.9` made one shard per record (S1).
  if (unit === '' && frac !== '') return undefined;
  const scale = BigInt(m[4] ? 1024 : 1000) ** BigInt(' kmgt'.indexOf(unit || ' '));
  const tenths = 10n ** BigInt(frac.length);
  const whole = BigInt(m[1] + frac) * scale;
  const bytes = Number(whole / tenths);
  if (!Number.isSafeInteger(bytes)) return undefined;
  if (whole % tenths === 0n) return { bytes };
  // The bytes as a decimal, for the message: the fraction's digits that are not trailing zeros.
  const rest = (whole % tenths).toString().padStart(frac.length, '0').replace(/0+$/, '');
  return { bytes, cut: `${bytes}.${rest}` };
}

/** How a value was given, for a message: `"1e3"`, `1.5`, or a list or mapping said as one (a YAML `shard_size: [1]` was 'got 1': N3). */
const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `a list (${JSON.stringify(v)})` : v !== null && typeof v === 'object' ? `a mapping (${JSON.stringify(v)})` : String(v));

/**
 * Parse `256MB`, `1.5GiB`, `4096` into bytes (`sizeBytes`), at least `min`. `where` names the
 * command and the option (`cat: --shard-size`, `r.yaml: output: shard_size`): every size refusal
 * says it in one voice, as the stage options' (core/options.ts) do (new-user review 23 B7).
 * Here, not in core/recipe.ts (which re-exports it), so that a stage command's `--shard-size`
 * does not load the recipe reader, its data-juicer hints and the quality presets with it (issue
 * #16, twentieth pass).
 */
export function parseSize(v: unknown, min = 1, where = 'a size'): number {
  const r = readSize(v);
  // A size naming a fraction of a byte is refused as a bare '1.5' is (N3).
  if (r?.cut !== undefined) throw new UsageError(`${where} must be a whole number of bytes, got ${shown(v)} (${r.cut} bytes: a byte is not cut; give ${r.bytes}B, or a size that is whole in its unit)`);
  const bytes = r === undefined ? NaN : r.bytes;
  if (Number.isNaN(bytes)) {
    const fraction = /^\s*\d*\.\d+\s*b?\s*$/i.test(String(v)) || (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v));
    throw new UsageError(`${where} must be ${SIZE_FORM}, got ${shown(v)}${fraction ? ' (a number alone is bytes, and a byte is not cut: give a whole number or a unit, as 1.5MB)' : ''}`);
  }
  if (bytes < min) throw new UsageError(`${where} must be at least ${min} byte${min === 1 ? '' : 's'}, got ${shown(v)}${String(bytes) !== String(v).trim() ? ` (${bytes} bytes)` : ''}`);
  return bytes;
}

/** A bare shard size below this is said to be meant in MB, likely (`256` as 256MB); above it, no guess. */
const GUESS_MB_BELOW = 1024;

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
    // 'Did you mean 256MB?' fits a small number only: 65535MB is no likely intent (new-user review 23b C8).
    const v0 = String(v).trim();
    const what = bytes < GUESS_MB_BELOW ? `about one shard per record; did you mean ${v0}MB? A number alone` : 'small shards of a few records each; a number alone';
    throw new UsageError(`${where} ${v0} is ${bytes} byte${bytes === 1 ? '' : 's'}: ${what} is bytes: below 64KiB give the unit (${bytes}B${bytes < GUESS_MB_BELOW ? ', 1KB' : ''})`);
  }
  return bytes;
}
