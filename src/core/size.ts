import { UsageError } from './errors.js';

/**
 * Parse `256MB`, `1.5GiB`, `4096` into bytes. Here, not in core/recipe.ts (which re-exports it),
 * so that a stage command's `--shard-size` does not load the recipe reader, its data-juicer hints
 * and the quality presets with it (issue #16, twentieth pass).
 */
export function parseSize(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 1) return Math.floor(v);
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(v.trim()) : null;
  if (!m) throw new UsageError(`bad size ${JSON.stringify(v)}: use a number of bytes or e.g. 256MB, 1GB`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[m[2].toLowerCase()]!;
  const bin = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()]!;
  const bytes = Math.floor(Number(m[1]) * (m[3].toLowerCase().startsWith('i') ? bin : mult));
  if (bytes < 1) throw new UsageError(`bad size ${JSON.stringify(v)}: must be at least 1 byte`);
  return bytes;
}
