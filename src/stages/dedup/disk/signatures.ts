/**
 * On-disk step 1: one shard → its signatures and, per band, its bucket keys sorted by key.
 * Shards are independent: run this for every shard, in any order, on any number of workers.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { textFieldOf, textProblem, type TextField } from '../../../core/doc.js';
import type { MinHashConfig } from '../options.js';
import { Shingler } from '../shingle.js';
import { makePermutations, signatureInto } from '../signature.js';
import { bandKeys } from '../buckets.js';
import { qualityScore } from '../policy.js';
import type { ShardMeta } from './files.js';
import { BUCKET_ENTRY, bucketPath, linesPath, scoresPath, setOffsetsPath, setPath, sigMetaPath, sigPath } from './files.js';
import { readLines } from './lines.js';

/** Options of `computeSignatures`. */
export interface SignatureJob {
  /** The shard's index in the run's sorted shard list: it orders records across shards. */
  shardIndex: number;
  config: MinHashConfig;
  /** Text field; default automatic (`text`, then `content`). */
  textField?: TextField;
  /**
   * The path written into survivors' sources (`path:line`); default `shardPath`. Give the path
   * exactly as the pipeline's reader names the file.
   */
  sourcePath?: string;
}

class Growable {
  buf: Int32Array;
  n = 0;
  constructor(cap: number) {
    this.buf = new Int32Array(cap);
  }
  reserve(extra: number): void {
    if (this.n + extra > this.buf.length) {
      const g = new Int32Array(Math.max(this.buf.length * 2, this.n + extra));
      g.set(this.buf.subarray(0, this.n));
      this.buf = g;
    }
  }
}

/**
 * Read a JSONL shard, compute the MinHash signature of every record with text, and write the
 * files of `files.ts` under `workDir`. Lines that do not parse or have no usable text are
 * skipped (the pipeline's reader rejects them); records without any word or CJK character get
 * no signature and are never removed. With `verify: 'exact'` each record's shingle hashes are written
 * too (4 bytes per shingle), for the exact check of step 3. Memory: the signatures are streamed to disk; the band
 * keys (8 bytes × bands per record) are held until the shard ends, for sorting.
 */
export async function computeSignatures(shardPath: string, workDir: string, job: SignatureJob): Promise<ShardMeta> {
  const { config, shardIndex } = job;
  const { bands, rows } = config;
  const k = bands * rows;
  const perm = makePermutations(k, config.seed);
  const shingler = new Shingler(config);
  mkdirSync(dirname(sigPath(workDir, shardIndex)), { recursive: true });

  const sigOut = createWriteStream(sigPath(workDir, shardIndex));
  const withSets = config.verify === 'exact';
  const setOut = withSets ? createWriteStream(setPath(workDir, shardIndex)) : undefined;
  const setOffsets: number[] = [0];
  let setValues = 0;
  const chunkRecords = 4096;
  let sigBuf = new Int32Array(k * chunkRecords);
  let inChunk = 0;
  const keys = new Growable(2 * bands * 1024);
  const lines: number[] = [];
  const scores: number[] = [];
  const keyScratch = new Int32Array(2 * bands);
  let lineCount = 0;
  let noShingles = 0;
  let skipped = 0;
  let firstScored: boolean | undefined;

  const flush = async (): Promise<void> => {
    if (inChunk === 0) return;
    const bytes = Buffer.from(sigBuf.buffer, 0, inChunk * k * 4);
    sigBuf = new Int32Array(k * chunkRecords); // the stream keeps the old buffer until written
    inChunk = 0;
    if (!sigOut.write(bytes)) await once(sigOut, 'drain');
  };

  for await (const [line, raw] of readLines(shardPath)) {
    lineCount = line;
    if (raw.trim() === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      skipped++;
      continue;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      skipped++;
      continue;
    }
    const rec = data as Record<string, unknown>;
    if (textProblem(rec, job.textField) !== null) {
      skipped++;
      continue;
    }
    const text = rec[textFieldOf(rec, job.textField)!] as string;
    const score = qualityScore(rec.attrs);
    firstScored ??= !Number.isNaN(score);
    const sh = shingler.shingle(text);
    if (sh.length === 0) {
      noShingles++;
      continue;
    }
    const sig = sigBuf.subarray(inChunk * k, (inChunk + 1) * k);
    signatureInto(sh, perm, sig);
    if (setOut !== undefined) {
      // The shingles as they come (a copy): step 3 makes the sets of the few records it checks.
      const raw = sh.slice();
      setValues += raw.length;
      setOffsets.push(setValues);
      if (!setOut.write(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength))) await once(setOut, 'drain');
    }
    bandKeys(sig, 0, bands, rows, keyScratch);
    keys.reserve(2 * bands);
    keys.buf.set(keyScratch, keys.n);
    keys.n += 2 * bands;
    lines.push(line);
    scores.push(score);
    if (++inChunk === chunkRecords) await flush();
  }
  await flush();
  sigOut.end();
  await once(sigOut, 'finish');
  if (setOut !== undefined) {
    setOut.end();
    await once(setOut, 'finish');
    writeFileSync(setOffsetsPath(workDir, shardIndex), new Float64Array(setOffsets));
  }

  const m = lines.length;
  writeFileSync(linesPath(workDir, shardIndex), new Uint32Array(lines));
  const scoreArr = new Float64Array(scores);
  writeFileSync(scoresPath(workDir, shardIndex), scoreArr);

  // Per band: entries sorted by (key hi, key lo, record) — signed int32 order, as everywhere.
  const order = new Uint32Array(m);
  const kb = keys.buf;
  const entry = Buffer.alloc(m * BUCKET_ENTRY);
  for (let band = 0; band < bands; band++) {
    const stride = 2 * bands;
    const o = 2 * band;
    for (let i = 0; i < m; i++) order[i] = i;
    order.sort((a, b) => kb[a * stride + o] - kb[b * stride + o] || kb[a * stride + o + 1] - kb[b * stride + o + 1] || a - b);
    for (let j = 0; j < m; j++) {
      const i = order[j];
      const at = j * BUCKET_ENTRY;
      entry.writeInt32LE(kb[i * stride + o], at);
      entry.writeInt32LE(kb[i * stride + o + 1], at + 4);
      entry.writeUInt32LE(shardIndex, at + 8);
      entry.writeUInt32LE(i, at + 12);
      entry.writeDoubleLE(scoreArr[i], at + 16);
    }
    const p = bucketPath(workDir, band, shardIndex);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, entry);
  }

  const meta: ShardMeta = {
    path: job.sourcePath ?? shardPath,
    shardIndex,
    records: m,
    lines: lineCount,
    noShingles,
    skipped,
    firstScored: firstScored ?? false,
    bands,
    rows,
    seed: config.seed,
    verify: config.verify,
    ngram: config.ngram,
    charNgram: config.charNgram,
  };
  writeFileSync(sigMetaPath(workDir, shardIndex), JSON.stringify(meta, null, 1) + '\n');
  return meta;
}
