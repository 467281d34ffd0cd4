/**
 * On-disk step 1: one shard → its signatures and, per band, its bucket keys sorted by key.
 * Shards are independent: run this for every shard, in any order, on any number of workers.
 */
import { createWriteStream, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { getText, textProblem, type TextField } from '../../../core/doc.js';
import type { ReadEvents } from '../../../core/pipeline.js';
import { readJsonl } from '../../../io/readers/jsonl.js';
import { readSettings } from '../../../io/readers/options.js';
import type { MinHashConfig } from '../options.js';
import { Shingler } from '../shingle.js';
import { makePermutations, signatureInto } from '../signature.js';
import { WARM_AFTER, warmMinHash } from '../warm.js';
import { bandKeys } from '../buckets.js';
import { qualityScore } from '../policy.js';
import type { ShardMeta } from './files.js';
import { BUCKET_ENTRY, bucketPath, linesPath, recordCrcPath, scoresPath, setOffsetsPath, setPath, sigMetaPath, sigPath, sourcesPath } from './files.js';
import { crc32 } from '../../../io/crc32.js';
import { makeDirSync } from '../../../io/dirs.js';
import { WorkStream, writeWorkFile, writeWorkFileAtomic, writeWorkFileParts } from '../../../io/writers/workFile.js';

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

/** Signatures a shard's first buffer holds (`SignatureWriter.sigBuf`). */
const FIRST_RECORDS = 256;

/**
 * The signature files of one shard, written record by record: `add` each record with text in
 * the run's order, then `finish`. `computeSignatures` feeds it from a JSONL file; an executor
 * feeds it from the records flowing through a task, so nothing is read twice. Memory: the
 * signatures are streamed to disk; the band keys (8 bytes × bands per record) are held until
 * the shard ends, for sorting.
 */
export class SignatureWriter {
  private readonly k: number;
  private readonly perm;
  private readonly shingler: Shingler;
  /** Characters left to read before the warm-up (warm.ts). */
  private unwarmed = WARM_AFTER;
  private readonly sigOut: WorkStream;
  private readonly setOut: WorkStream | undefined;
  private readonly setOffsets: number[] = [0];
  private setValues = 0;
  private readonly chunkRecords = 4096;
  /**
   * The signatures not written yet (`inChunk` of them): made at the first record, small (a task
   * of few records zeroed two chunks of 1.8 MB for nothing: one made here, one by its last flush;
   * #16, seventeenth pass) and doubled as it fills, up to a chunk; a chunk after each flush.
   */
  private sigBuf: Int32Array | undefined;
  /** Records `sigBuf` holds. */
  private sigCap = 0;
  private flushed = false;
  private inChunk = 0;
  private readonly keys: Growable;
  private readonly lines: number[] = [];
  private readonly scores: number[] = [];
  /** Per record, the CRC-32 of its signature bytes and of its set bytes (files.ts `.crc`). */
  private readonly crcs: number[] = [];
  private readonly sources: string[] | undefined;
  private readonly keyScratch: Int32Array;
  /** Lines (or records) seen, records without shingles, and lines that were not usable records. */
  lineCount = 0;
  noShingles = 0;
  skipped = 0;
  private firstScored: boolean | undefined;

  constructor(
    private readonly workDir: string,
    private readonly job: SignatureJob & { sourcePath: string; keepSources?: boolean },
  ) {
    const { config, shardIndex } = job;
    this.k = config.bands * config.rows;
    this.perm = makePermutations(this.k, config.seed);
    this.shingler = new Shingler(config);
    makeDirSync(dirname(sigPath(workDir, shardIndex)));
    this.sigOut = new WorkStream(createWriteStream(sigPath(workDir, shardIndex)), sigPath(workDir, shardIndex));
    this.setOut = config.verify === 'exact' ? new WorkStream(createWriteStream(setPath(workDir, shardIndex)), setPath(workDir, shardIndex)) : undefined;
    this.keys = new Growable(2 * config.bands * 1024);
    this.keyScratch = new Int32Array(2 * config.bands);
    if (job.keepSources) this.sources = [];
  }

  private async flush(): Promise<void> {
    if (this.inChunk === 0) return;
    const bytes = Buffer.from(this.sigBuf!.buffer, 0, this.inChunk * this.k * 4);
    this.sigBuf = undefined; // the stream keeps this buffer until written: the next record makes a new one
    this.flushed = true;
    this.inChunk = 0;
    await this.sigOut.put(bytes);
  }

  /** Room in `sigBuf` for one more signature (see `sigBuf`). */
  private room(): Int32Array {
    const old = this.sigBuf;
    if (old !== undefined && this.inChunk < this.sigCap) return old;
    const cap = old !== undefined ? Math.min(2 * this.sigCap, this.chunkRecords) : this.flushed ? this.chunkRecords : Math.min(FIRST_RECORDS, this.chunkRecords);
    const g = new Int32Array(this.k * cap);
    if (old !== undefined) g.set(old.subarray(0, this.inChunk * this.k));
    this.sigCap = cap;
    return (this.sigBuf = g);
  }

  /**
   * Sign one record: its 1-based line (or record number), text, quality score (NaN when none)
   * and, with `keepSources`, the source that survivors are named by.
   */
  async add(line: number, text: string, score: number, source?: string): Promise<void> {
    // warm.ts: once the input is long enough for V8 to optimise the loops at all
    if (this.unwarmed > 0 && (this.unwarmed -= text.length) <= 0) warmMinHash(this.shingler, this.perm);
    this.lineCount = line;
    this.firstScored ??= !Number.isNaN(score);
    const sh = this.shingler.shingle(text);
    if (sh.length === 0) {
      this.noShingles++;
      return;
    }
    const k = this.k;
    const sig = this.room().subarray(this.inChunk * k, (this.inChunk + 1) * k);
    signatureInto(sh, this.perm, sig);
    this.crcs.push(crc32(new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength)));
    if (this.setOut === undefined) this.crcs.push(0);
    else {
      // The shingles as they come (a copy): step 3 makes the sets of the few records it checks.
      const raw = sh.slice();
      this.crcs.push(crc32(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)));
      this.setValues += raw.length;
      this.setOffsets.push(this.setValues);
      await this.setOut.put(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    }
    const { bands, rows } = this.job.config;
    bandKeys(sig, 0, bands, rows, this.keyScratch);
    this.keys.reserve(2 * bands);
    this.keys.buf.set(this.keyScratch, this.keys.n);
    this.keys.n += 2 * bands;
    this.lines.push(line);
    this.scores.push(score);
    this.sources?.push(source ?? `${this.job.sourcePath}:${line}`);
    if (++this.inChunk === this.chunkRecords) await this.flush();
  }

  /**
   * Give up an unfinished shard (its task failed: a full disk, a damaged input; or was stopped):
   * its streams are closed and every file of the shard removed, the partial ones with the whole
   * ones, so a failed task leaves nothing in the work folder (a task failed by a full disk left
   * its partial `.set` and an empty `.sig`, and the disk full: hostile review 12 H3). The rerun
   * writes them again, as it would have.
   */
  abort(): void {
    this.sigOut.destroy();
    this.setOut?.destroy();
    const { workDir } = this;
    const { shardIndex } = this.job;
    const files = [sigMetaPath, sigPath, linesPath, scoresPath, sourcesPath, setPath, setOffsetsPath, recordCrcPath, bucketPath].map((f) => f(workDir, shardIndex));
    for (const f of files) {
      try {
        rmSync(f, { force: true });
      } catch {
        // the task's own error is the one reported
      }
    }
  }

  /** Write the rest: line numbers, scores, per-band sorted bucket files, and the meta last. */
  async finish(): Promise<ShardMeta> {
    const { workDir } = this;
    const { config, shardIndex } = this.job;
    const { bands, rows } = config;
    await this.flush();
    await this.sigOut.end();
    if (this.setOut !== undefined) {
      await this.setOut.end();
      writeWorkFile(setOffsetsPath(workDir, shardIndex), new Float64Array(this.setOffsets));
    }
    const m = this.lines.length;
    writeWorkFile(linesPath(workDir, shardIndex), new Uint32Array(this.lines));
    writeWorkFile(recordCrcPath(workDir, shardIndex), new Uint32Array(this.crcs));
    // The scores go into the bucket entries only: nothing read the `.scores` file versions before wrote (files.ts).
    const scoreArr = new Float64Array(this.scores);
    if (this.sources !== undefined) writeWorkFile(sourcesPath(workDir, shardIndex), this.sources.map((s) => JSON.stringify(s)).join('\n') + (m > 0 ? '\n' : ''));

    // Per band: entries sorted by (key hi, key lo, record) — signed int32 order, as everywhere —
    // written as that band's section of the shard's one bucket file (files.ts), with its CRC-32.
    const order = new Uint32Array(m);
    const kb = this.keys.buf;
    const entry = Buffer.alloc(m * BUCKET_ENTRY);
    const bucketCrcs: number[] = [];
    const stride = 2 * bands;
    function* sections(): Generator<Buffer> {
      for (let band = 0; band < bands; band++) {
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
        bucketCrcs.push(crc32(entry));
        yield entry;
      }
    }
    const p = bucketPath(workDir, shardIndex);
    makeDirSync(dirname(p));
    writeWorkFileParts(p, sections());

    const meta: ShardMeta = {
      path: this.job.sourcePath,
      shardIndex,
      records: m,
      lines: this.lineCount,
      noShingles: this.noShingles,
      skipped: this.skipped,
      firstScored: this.firstScored ?? false,
      bands,
      rows,
      seed: config.seed,
      verify: config.verify,
      ngram: config.ngram,
      charNgram: config.charNgram,
      bucketCrcs,
    };
    // The meta is the shard's completion mark: written last, atomically.
    const metaPath = sigMetaPath(workDir, shardIndex);
    writeWorkFileAtomic(metaPath, JSON.stringify(meta, null, 1) + '\n');
    return meta;
  }
}

/**
 * Read a JSONL shard (plain, gzip or zstd, through the same reader as every command: a BOM, a
 * damaged gzip and invalid UTF-8 are handled as everywhere), compute the MinHash signature of
 * every record with text, and write the files of `files.ts` under `workDir`. Lines that do not
 * parse or have no usable text are skipped (the pipeline's reader rejects them); records
 * without any word or CJK character get no signature and are never removed. With
 * `verify: 'exact'` each record's shingle hashes are written too (4 bytes per shingle), for
 * the exact check of step 3. A damaged file keeps the records before the damage, as the
 * pipeline's reader does.
 */
export async function computeSignatures(shardPath: string, workDir: string, job: SignatureJob): Promise<ShardMeta> {
  const w = new SignatureWriter(workDir, { ...job, sourcePath: job.sourcePath ?? shardPath });
  let lines = 0;
  const events: ReadEvents = {
    read(records) {
      lines += records;
    },
    reject() {
      w.skipped++;
    },
    file() {},
    fileError() {},
  };
  try {
    for await (const batch of readJsonl(shardPath, events, readSettings())) {
      for (const doc of batch) {
        if (textProblem(doc.data, job.textField) !== null) {
          w.skipped++;
          continue;
        }
        const src = doc.source;
        const line = Number(src.slice(src.lastIndexOf(':') + 1));
        await w.add(line, getText(doc, job.textField), qualityScore(doc.data.attrs));
      }
    }
    w.lineCount = Math.max(w.lineCount, lines);
    return await w.finish();
  } catch (e) {
    w.abort();
    throw e;
  }
}
