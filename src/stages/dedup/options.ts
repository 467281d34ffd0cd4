import type { OptionsSpec } from '../../core/options.js';
import { UsageError } from '../../core/errors.js';
import type { VerifyMode } from './verify.js';

/** Rows per band when neither `bands` nor `rows` is given (datatrove: 8 hashes per bucket). */
export const DEFAULT_ROWS = 8;

/**
 * Options of the `dedup` stage, with their defaults. The MinHash defaults reproduce
 * datatrove's `MinhashConfig`: 5-word shingles, 14 bands × 8 rows (112 hashes), a threshold of
 * about 0.72.
 */
export const dedupOptions: OptionsSpec = {
  method: {
    type: 'string',
    default: 'minhash',
    values: ['minhash', 'exact'],
    shortcuts: true,
    doc: "'minhash' removes near duplicates; 'exact' removes records whose normalised text is identical (default minhash)",
  },
  threshold: {
    type: 'number',
    default: 0.72,
    min: 0.05,
    max: 1,
    doc: 'Jaccard similarity at which two records are duplicates; sets the bands (rows 8, fewer when that would pass 256 hashes: 0.5 gives 32 x 5) when bands is not given, said in a note and the stats, and the signature agreement a bucket match must reach (default 0.72, datatrove 14 x 8)',
  },
  bands: {
    type: 'integer',
    default: null,
    nullable: true,
    min: 1,
    max: 1024,
    doc: 'LSH bands; null derives it from threshold and rows: round(threshold^-rows) (default null -> 14)',
  },
  rows: {
    type: 'integer',
    default: null,
    nullable: true,
    min: 1,
    max: 256,
    doc: 'signature values per band; null means 8 (fewer when bands x 8 from threshold would pass 256), or derived from threshold when only bands is given (default null -> 8)',
  },
  ngram: {
    type: 'integer',
    default: 5,
    min: 1,
    max: 64,
    doc: 'shingle width in words for space-separated scripts (default 5, as datatrove and Data-Juicer)',
  },
  charNgram: {
    type: 'integer',
    default: 3,
    min: 1,
    max: 64,
    doc: 'shingle width in characters for Chinese/Japanese text (default 3: on web/zh the smallest width with no spurious matches, and the best recall of edited copies; bench/results/dedup.md)',
  },
  normNumbers: {
    type: 'boolean',
    default: true,
    doc: "minhash: every digit counts as 0 (as datatrove's norm_numbers; Data-Juicer keeps them), so texts that differ only in their numbers are duplicates at similarity 1 ('8 x 8 = 64' and '3 x 6 = 18'); off (norm_numbers: false) keeps the digits, for math and SFT data. Punctuation is dropped either way (default true)",
  },
  seed: {
    type: 'integer',
    default: 1,
    doc: 'seed of the MinHash permutations; signatures are comparable only with the same seed (default 1)',
  },
  keep: {
    type: 'string',
    default: 'auto',
    values: ['auto', 'first', 'best-quality'],
    doc: "which record of a cluster survives: 'first' in the run's input order, 'best-quality' by attrs.quality.score (then first), 'auto' = best-quality when the first record has a quality score, else first (default auto)",
  },
  verify: {
    type: 'string',
    default: 'exact',
    values: ['exact', 'signature', 'none'],
    doc: "how a bucket match is checked against the record that would be kept in its place: 'exact' = exact Jaccard of the two shingle-hash sets >= threshold (keeps 4 bytes per shingle of each kept record); 'signature' = the signatures agree on >= threshold of their values (standard error about 0.04, less memory); 'none' = any bucket match removes (default exact)",
  },
};

/** Resolved MinHash settings. */
export interface MinHashConfig {
  threshold: number;
  bands: number;
  rows: number;
  ngram: number;
  charNgram: number;
  /** Digits hash as `0` (datatrove's `norm_numbers`). */
  normNumbers: boolean;
  seed: number;
  verify: VerifyMode;
}

/**
 * Most hashes per record (bands x rows) that a threshold alone gives: Data-Juicer's default
 * `num_permutations` (datatrove has no threshold, only its 14 x 8 = 112). With rows fixed at 8, a
 * threshold of 0.5 gave 256 x 8 = 2,048 hashes (18 times the signing work of the default, and a
 * bucket entry per band) and one under 0.36 more than 4,096, refused (new-user review 19 F5).
 */
export const MAX_DERIVED_HASHES = 256;

/**
 * Bands and rows from the options: given values win; a missing `rows` is 8, or fewer when
 * `round(threshold^-8) x 8` would pass MAX_DERIVED_HASHES: the most rows (of 8 or fewer) whose
 * `round(threshold^-rows)` bands keep within it, as datasketch and Data-Juicer fit bands and rows
 * into their signature (default threshold 0.72: 14 x 8; 0.5: 32 x 5); when only `bands` is
 * given, the `rows` that puts the LSH S-curve's midpoint `(1/bands)^(1/rows)` nearest
 * `threshold`. A missing `bands` is `round(threshold^-rows)`.
 */
export function bandsAndRows(threshold: number, bands: number | null, rows: number | null): { bands: number; rows: number } {
  const bandsFor = (r: number): number => Math.max(1, Math.round(Math.pow(threshold, -r)));
  let r = rows;
  if (r === null) {
    if (bands === null || bands === 1) {
      r = DEFAULT_ROWS;
      if (bands === null) while (r > 1 && bandsFor(r) * r > MAX_DERIVED_HASHES) r--;
    } else r = Math.max(1, Math.round(Math.log(1 / bands) / Math.log(threshold)));
  }
  const b = bands ?? bandsFor(r);
  if (b * r > 4096) throw new UsageError(`dedup: bands x rows = ${b} x ${r} is more than 4096 hashes; lower threshold precision or set bands/rows`);
  return { bands: b, rows: r };
}

/** The MinHash settings of resolved `dedup` options. */
export function minHashConfig(o: Record<string, unknown>): MinHashConfig {
  const threshold = o.threshold as number;
  const { bands, rows } = bandsAndRows(threshold, o.bands as number | null, o.rows as number | null);
  return {
    threshold,
    bands,
    rows,
    ngram: o.ngram as number,
    charNgram: o.charNgram as number,
    normNumbers: o.normNumbers !== false,
    seed: o.seed as number,
    verify: o.verify as VerifyMode,
  };
}

/**
 * What `threshold` gave when it chose the bands or rows (not both given), unless that is the
 * default 14 x 8: one line for the commands to say (new-user review 19 F5: a threshold of 0.5
 * silently took 256 x 8), naming the bands x rows and how likely a pair at the threshold and
 * 0.1 above it is to be compared at all (pairs never compared are never removed).
 */
export function lshNote(o: Readonly<Record<string, unknown>>): string | undefined {
  if (o.method === 'exact' || (o.bands != null && o.rows != null)) return undefined;
  const c = minHashConfig(o);
  if (c.bands === 14 && c.rows === DEFAULT_ROWS) return undefined;
  const pct = (s: number): string => `${Math.floor(candidateProbability(Math.min(1, s), c.bands, c.rows) * 1000) / 10}%`;
  const above = Math.round((c.threshold + 0.1) * 100) / 100;
  const fewer = o.bands == null && o.rows == null && c.rows < DEFAULT_ROWS ? `; ${DEFAULT_ROWS} rows would take ${Math.round(Math.pow(c.threshold, -DEFAULT_ROWS)) * DEFAULT_ROWS}, more than the ${MAX_DERIVED_HASHES} a threshold may` : '';
  return `threshold ${c.threshold} gives an LSH of ${c.bands} bands x ${c.rows} rows (${c.bands * c.rows} hashes per record${fewer}): a pair of similarity ${c.threshold} is compared with probability ${pct(c.threshold)}${above <= 1 ? `, one of ${above} ${pct(above)}` : ''} (bands and rows set it)`;
}

/** The probability that two records of Jaccard similarity `s` share at least one bucket. */
export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}
