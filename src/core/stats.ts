import type { Sketch } from './sketch.js';
import { mergeSketch } from './sketch.js';
import { addCount } from './own.js';

/**
 * Statistics as plain values that merge: a run's stats are the merge of its tasks' stats,
 * whether they ran in one process, on many cores or as Slurm array tasks.
 */

/** Count, sum, min, max, mean and variance of a numeric signal (Welford, mergeable). */
export interface Summary {
  n: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  /** Sum of squared differences from the mean (Welford's M2). */
  m2: number;
}

/** An empty summary. */
export function emptySummary(): Summary {
  return { n: 0, sum: 0, min: Infinity, max: -Infinity, mean: 0, m2: 0 };
}

/** Add one value to a summary in place. */
export function observe(s: Summary, x: number): void {
  // -0 counts as 0: min/max would otherwise depend on the order of 0 and -0 (Math.min(0, -0) is -0).
  if (x === 0) x = 0;
  s.n++;
  s.sum += x;
  if (x < s.min) s.min = x;
  if (x > s.max) s.max = x;
  const d = x - s.mean;
  s.mean += d / s.n;
  s.m2 += d * (x - s.mean);
}

/** Merge two summaries (Chan et al.), returning a new one. */
export function mergeSummary(a: Summary, b: Summary): Summary {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  return {
    n,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    mean: a.mean + (d * b.n) / n,
    m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n,
  };
}

/** Per-stage statistics. */
export interface StageStats {
  /** Stage name as in the recipe. */
  stage: string;
  /** Records that entered the stage. */
  in: number;
  /** Records that left it. */
  out: number;
  /** Records dropped, by stable reason code. */
  dropped: Record<string, number>;
  /** Named event counts (e.g. `nfc_changed`, `lines_removed`). */
  counters: Record<string, number>;
  /** Summaries of numeric signals. */
  summaries: Record<string, Summary>;
  /** Wall time spent inside the stage, in milliseconds (excludes upstream work). */
  ms: number;
  /**
   * Histograms of the stage's signals over the records it kept and those it dropped (when the
   * run profiles: `run` does), keyed by signal (`web-en/words`, `lang_score`, `similarity`).
   */
  signals?: Record<string, SignalSketch>;
  /** Rules of the stage as signal thresholds, so a report can draw them on the histograms. */
  thresholds?: Threshold[];
  /** Near-duplicate clusters by size (records in the cluster, survivor included): size -> clusters. */
  clusters?: Record<string, number>;
  /**
   * What else was true of the records the stage dropped, by reason (quality:
   * `<reason>|also:<rule>` per other failing rule, `<reason>|one_line`, `<reason>|no_c4_line`), so
   * the end of a run can say why a rule took most of a source and what keeps it.
   */
  why?: Record<string, number>;
  /**
   * MinHash dedup's LSH, bands x rows, the same in every task: given, or what its threshold gave
   * (new-user review 19 F5: a threshold of 0.5 took 256 x 8 without a word).
   */
  lsh?: { bands: number; rows: number };
}

/** Histograms of one signal, kept and dropped apart. */
export interface SignalSketch {
  kept: Sketch;
  dropped: Sketch;
}

/** A rule seen as a threshold on a signal: a record fails when `value < min` or `value > max`. */
export interface Threshold {
  /** Reason code of the rule (`gopher_quality:min_words`). */
  code: string;
  /** Signal key as in `StageStats.signals` (`web-en/words`). */
  signal: string;
  min?: number;
  max?: number;
}

function mergeSignals(a: Record<string, SignalSketch> | undefined, b: Record<string, SignalSketch> | undefined): Record<string, SignalSketch> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const r: Record<string, SignalSketch> = { ...a };
  for (const [k, v] of Object.entries(b)) r[k] = k in r ? { kept: mergeSketch(r[k].kept, v.kept), dropped: mergeSketch(r[k].dropped, v.dropped) } : v;
  return r;
}

/** New, empty stats for a stage. */
export function emptyStageStats(stage: string): StageStats {
  return { stage, in: 0, out: 0, dropped: {}, counters: {}, summaries: {}, ms: 0 };
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const r: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) addCount(r, k, v);
  return r;
}

/** Merge stats of the same stage from two tasks. */
export function mergeStageStats(a: StageStats, b: StageStats): StageStats {
  const summaries: Record<string, Summary> = { ...a.summaries };
  for (const [k, v] of Object.entries(b.summaries)) summaries[k] = k in summaries ? mergeSummary(summaries[k], v) : { ...v };
  const r: StageStats = {
    stage: a.stage,
    in: a.in + b.in,
    out: a.out + b.out,
    dropped: addCounts(a.dropped, b.dropped),
    counters: addCounts(a.counters, b.counters),
    summaries,
    ms: a.ms + b.ms,
  };
  const signals = mergeSignals(a.signals, b.signals);
  if (signals !== undefined) r.signals = signals;
  if (a.thresholds ?? b.thresholds) r.thresholds = a.thresholds ?? b.thresholds;
  if (a.clusters ?? b.clusters) r.clusters = addCounts(a.clusters ?? {}, b.clusters ?? {});
  if (a.why ?? b.why) r.why = addCounts(a.why ?? {}, b.why ?? {});
  if (a.lsh ?? b.lsh) r.lsh = a.lsh ?? b.lsh;
  return r;
}

/** Increment a named counter. */
export function count(map: Record<string, number>, key: string, by = 1): void {
  addCount(map, key, by);
}

/**
 * `a + sep + b`, made once per pair and then the same string: a counter key built anew for every
 * record (`quality/zh_quality:min_chars` for each reject) is a new string that has to be hashed
 * and looked up in V8's string table before it can find the count.
 */
export function pairKeys(sep: string): (a: string, b: string) => string {
  const byA = new Map<string, Map<string, string>>();
  let size = 0;
  return (a, b) => {
    let m = byA.get(a);
    if (m === undefined) {
      if (size >= PAIR_KEYS_LIMIT) return a + sep + b;
      byA.set(a, (m = new Map()));
    }
    let k = m.get(b);
    if (k === undefined) {
      k = a + sep + b;
      if (size < PAIR_KEYS_LIMIT) {
        m.set(b, k);
        size++;
      }
    }
    return k;
  };
}

/** Pairs a `pairKeys` remembers (reasons and rule codes are few; a stage making up reasons per record is not). */
const PAIR_KEYS_LIMIT = 10_000;

/** A problem with a whole input file (damaged compression, unreadable file). */
export interface FileError {
  file: string;
  message: string;
  /** Records read from the file before the problem. */
  recordsBefore: number;
  /** What was kept, when not only the records before the damage (a Parquet file's other row groups). */
  kept?: string;
  /** Byte of the file (compressed, for a `.gz`/`.zst`) where the damage showed, when known. */
  offset?: number;
  /** Decoded bytes dropped because the check covering them failed (held back, never read). */
  heldBack?: number;
  /** Where reading went on after the damage (the next zstd frame whose checksum verifies), when it did. */
  resumedAt?: number;
  /** The reader already rejected the stretch this error stands for (`warc_damaged`, a whole-file `truncated_input`, the partial line of a file cut short): no `damaged_input` is added. */
  rejected?: boolean;
}

/**
 * Accounting of one input file: what was read from it, written from it, and rejected from it by
 * `stage/reason`. Plain counts, so the stats of tasks that read different files (or parts of one
 * file) merge by adding.
 */
export interface FileStats {
  /** Records read from the file, including those that did not parse. */
  read: number;
  /** Bytes read from the file (after decompression). */
  bytes: number;
  /** Records of the file written to the output. */
  written: number;
  /** Records of the file rejected. */
  rejected: number;
  /** Rejected records by `stage/reason` (`read/text_missing`, `quality/gopher_quality:min_words`). */
  reasons: Record<string, number>;
  /** Keys of the records that had no text field, with how often each was seen (at most 20 keys). */
  keysSeen: Record<string, number>;
  /**
   * Of the file's `invalid_utf8` records, the first ones (up to 100) by the charset their bytes
   * read plainly in (`gb18030`, `big5`, ...; `unknown`): so the end of a run can say "this file is
   * GBK: convert it with iconv". Absent when the file had none.
   */
  encodings?: Record<string, number>;
  /**
   * Of the file's `text_empty` records, the text-like keys (`content`, `raw_content` ...) that held
   * a non-empty string instead: the text is in another field. Absent when none did.
   */
  emptyTextKeys?: Record<string, number>;
  /**
   * Records a stage made from the file's records (one split into several with `deriveDoc`: the
   * pieces after the first), written or rejected: read + made = written + rejected. Absent when none.
   */
  made?: number;
}

/** New, empty accounting for one file. */
export function emptyFileStats(): FileStats {
  return { read: 0, bytes: 0, written: 0, rejected: 0, reasons: {}, keysSeen: {} };
}

/** Keys of records without text remembered per file: enough to name the right field. */
export const MAX_KEYS_SEEN = 20;

/** Merge the accounting of one file from two tasks. */
export function mergeFileStats(a: FileStats, b: FileStats): FileStats {
  const keysSeen = addCounts(a.keysSeen, b.keysSeen);
  const keys = Object.keys(keysSeen);
  if (keys.length > MAX_KEYS_SEEN) for (const k of keys.sort((x, y) => keysSeen[y] - keysSeen[x]).slice(MAX_KEYS_SEEN)) delete keysSeen[k];
  const encodings = a.encodings || b.encodings ? addCounts(a.encodings ?? {}, b.encodings ?? {}) : undefined;
  const emptyTextKeys = a.emptyTextKeys || b.emptyTextKeys ? addCounts(a.emptyTextKeys ?? {}, b.emptyTextKeys ?? {}) : undefined;
  const made = (a.made ?? 0) + (b.made ?? 0);
  return { read: a.read + b.read, bytes: a.bytes + b.bytes, written: a.written + b.written, rejected: a.rejected + b.rejected, reasons: addCounts(a.reasons, b.reasons), keysSeen, ...(encodings ? { encodings } : {}), ...(emptyTextKeys ? { emptyTextKeys } : {}), ...(made > 0 ? { made } : {}) };
}

/** Merge per-file accounting: files in either, counts added for files in both. */
export function mergePerFile(a: Record<string, FileStats>, b: Record<string, FileStats>): Record<string, FileStats> {
  const r: Record<string, FileStats> = { ...a };
  for (const [f, v] of Object.entries(b)) r[f] = f in r ? mergeFileStats(r[f], v) : { ...v, reasons: { ...v.reasons }, keysSeen: { ...v.keysSeen }, ...(v.encodings ? { encodings: { ...v.encodings } } : {}), ...(v.emptyTextKeys ? { emptyTextKeys: { ...v.emptyTextKeys } } : {}) };
  return r;
}

/** Statistics of one run (or one task of a run). */
export interface RunStats {
  /** Records read, including those that did not parse. */
  read: number;
  /** Records written to the output. */
  written: number;
  /** Records written to the rejects sink (or counted as rejected when there is none). */
  rejected: number;
  /** Bytes read from inputs (after decompression). */
  bytesRead: number;
  /** Input files read. */
  files: number;
  /** Damaged or unreadable inputs. */
  fileErrors: FileError[];
  /** Reader rejects (malformed input) by reason. */
  input: StageStats;
  /** One entry per stage, in pipeline order. */
  stages: StageStats[];
  /** Per input file: read, written, rejected by `stage/reason`, in the order the files were read. */
  perFile: Record<string, FileStats>;
  /** Languages (`attrs.lang`) of the records written, when the run profiles and a stage tagged them. */
  writtenLangs?: Record<string, number>;
  /**
   * Records stages made (`FileStats.made`, summed), when any: read + made = written + rejected.
   * Stats that lack it (a task's, composed from its segments) have it per file: see `madeOf`.
   */
  made?: number;
  /** Wall time of the run in milliseconds. */
  ms: number;
}

/** New, empty run stats for the given stage names. */
export function emptyRunStats(stageNames: readonly string[]): RunStats {
  return {
    read: 0,
    written: 0,
    rejected: 0,
    bytesRead: 0,
    files: 0,
    fileErrors: [],
    input: emptyStageStats('read'),
    stages: stageNames.map(emptyStageStats),
    perFile: {},
    ms: 0,
  };
}

/** Merge the stats of two tasks of the same pipeline. */
export function mergeRunStats(a: RunStats, b: RunStats): RunStats {
  if (a.stages.length !== b.stages.length) throw new Error('mergeRunStats: stats of different pipelines');
  return {
    read: a.read + b.read,
    written: a.written + b.written,
    rejected: a.rejected + b.rejected,
    bytesRead: a.bytesRead + b.bytesRead,
    files: a.files + b.files,
    fileErrors: [...a.fileErrors, ...b.fileErrors],
    input: mergeStageStats(a.input, b.input),
    stages: a.stages.map((s, i) => mergeStageStats(s, b.stages[i])),
    perFile: mergePerFile(a.perFile ?? {}, b.perFile ?? {}),
    ...(a.writtenLangs ?? b.writtenLangs ? { writtenLangs: addCounts(a.writtenLangs ?? {}, b.writtenLangs ?? {}) } : {}),
    ...(madeOf(a) + madeOf(b) > 0 ? { made: madeOf(a) + madeOf(b) } : {}),
    ms: Math.max(a.ms, b.ms),
  };
}

/** The records stages made (`RunStats.made`), or the files' made summed when the stats lack it (a task's). */
export function madeOf(s: RunStats): number {
  if (typeof s.made === 'number') return s.made;
  let n = 0;
  for (const f of Object.values(s.perFile ?? {})) n += f.made ?? 0;
  return n;
}

/**
 * The input files whose own accounting does not add up (`read != written + rejected`), as
 * `perFile` names them: a file whose records went missing or were counted under another, or a
 * name that no input was read as (records whose `source` names no file read, or no `source` at
 * all: `(no source)`). Hostile review 22 H4: a stage of one's own that made new records without
 * their `source` ended `balanced: true` and exit 0, every input's own line read N = written 0 +
 * rejected 0, and all its records under `(no source)`. Only when every record read was counted
 * under a file (a source in code that names no file, `ReadEvents.file`, has no per-file reads).
 */
export function unbalancedFiles(s: RunStats): string[] {
  const files = Object.entries(s.perFile ?? {});
  let read = 0;
  for (const [, f] of files) read += f.read;
  if (read !== s.read) return [];
  const out: string[] = [];
  for (const [name, f] of files) if (f.read + (f.made ?? 0) !== f.written + f.rejected) out.push(name);
  return out;
}

/**
 * True when every record read, and every record a stage made (`madeOf`), was either written or
 * rejected, in all and file by file (`unbalancedFiles`).
 */
export function balanced(s: RunStats): boolean {
  return s.read + madeOf(s) === s.written + s.rejected && unbalancedFiles(s).length === 0;
}
