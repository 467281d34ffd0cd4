/**
 * A unit's progress in the plan's unit: input bytes as they lie on disk. Apart from progress.ts,
 * which `status` loads: this needs the decoders' counts (io/decode.ts).
 */
import type { RunStats } from '../core/stats.js';
import { compressionRatio } from '../io/decode.js';

/**
 * The input a unit has read, as bytes on disk: what the plan weighs its task by. The stats count
 * a record by its decoded bytes; those of a .gz/.zst input count at its compression ratio, so a
 * task of compressed files reaches 100 % with its last record, not at 60 % of them (new-user
 * review 13 #8: "0.8 of 0.8 MB (100 %), ETA 0 s" at 199 of 356 records). O(files read): call it
 * when a line is due, not per batch.
 */
export function inputBytesOnDisk(s: Readonly<RunStats>): number {
  let n = 0;
  let counted = 0;
  for (const [f, v] of Object.entries(s.perFile ?? {})) {
    const r = compressionRatio(f);
    n += r === undefined ? v.bytes : v.bytes * r;
    counted += v.bytes;
  }
  return Math.round(n + Math.max(0, s.bytesRead - counted));
}

/** `inputBytesOnDisk` computed at most every `ms` (it is O(files) and called per batch); between, the last figure. */
export function inputBytesOnDiskEvery(ms: number): (s: Readonly<RunStats>) => number {
  let last = -Infinity;
  let bytes = 0;
  return (s) => {
    const t = performance.now();
    if (t - last >= ms) {
      last = t;
      bytes = inputBytesOnDisk(s);
    }
    return bytes;
  };
}
