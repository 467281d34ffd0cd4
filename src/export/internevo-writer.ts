import { open, readdir, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import type { DocSink } from '../core/pipeline.js';
import type { SentencePieceTokenizer } from '../tokenize/tokenizer.js';
import type { NpyIntDtype } from './npy.js';
import { encodeNpy } from './npy.js';
import type { SampleOptions } from './sample.js';
import { encodeSample, SampleError, tokensLine } from './sample.js';
import { removeDeadTemporaries } from '../io/outputs.js';
import { makeDir } from '../io/dirs.js';
import { namedOutputError } from '../io/writers/sharded.js';
import { writeAll } from '../io/writers/atomic.js';
import { UsageError } from '../core/errors.js';

/** Options of `InternEvoWriter`. */
export interface InternEvoWriterOptions {
  /** Output root; shards go to `<outDir>/<split>/<type>/`. */
  outDir: string;
  /** Dataset type folder (`cn`, `en`, `code`, ...): InternEvo's type keys are these folder names. Default `en`. */
  type?: string;
  /** Split folder. Default `train`. */
  split?: string;
  /** Shard file name prefix: `<prefix>-00000.bin`. Default `part`. */
  prefix?: string;
  /** Start a new shard before a line would take the current one past this many bytes. Default 512 MiB; at most 2 GiB with `metaDtype: '<i4'`. */
  maxShardBytes?: number;
  /** dtype of `.bin.meta`: `<i8` (np.save of a Python list on Linux; XTuner's tools) or `<i4` (InternEvo tools/tokenizer.py). Default `<i8`. */
  metaDtype?: NpyIntDtype;
  /**
   * Used for records that arrive without `attrs.tokens` (no `tokenize` stage before the sink).
   * Without it such a record is a bug and throws.
   */
  tokenizer?: SentencePieceTokenizer;
  /** Sample options used with `tokenizer`. */
  sample?: SampleOptions;
  /**
   * Replace shards `<prefix>-*.bin` already in the directory (stale ones beyond this run's count
   * are deleted on close, so InternEvo never loads a mix of runs). Default false: existing
   * shards make the first write throw.
   */
  overwrite?: boolean;
  /**
   * Called with each file's final path (a shard's `.bin.meta`, then its `.bin`) just before its
   * temporary is renamed to it, at `close`: the type folder's lock journals it (io/outputs.ts
   * journalShards), so that after a kill -9 the next export knows which shard-named files the
   * killed one put in place, and leaves any other (a user's) alone (hostile review 24 G4b). Not
   * when a shard is begun: until `close` a shard is only its temporary, so a name begun is none of
   * the killed export's files (new-user review 25 E-a: a user's part-00042.bin, copied in after the
   * kill, was deleted because the dead lock listed the name as begun).
   */
  onShard?: (name: string) => void;
}

/** A finished shard. */
export interface InternEvoShard {
  /** Path of the `.bin` file (the `.bin.meta` is beside it). */
  path: string;
  samples: number;
  tokens: number;
  bytes: number;
}

/** A shard being written: its final name, its two temporaries, and how many of them `close` renamed into place (its .meta first, then its .bin). */
interface Pending {
  bin: string;
  tmpBin: string;
  tmpMeta: string;
  shard: InternEvoShard;
  placed: 0 | 1 | 2;
}

const FLUSH_BYTES = 1 << 20;
/** The largest shard whose line offsets all fit an `<i4` meta (each starts below 2^31). */
const I4_SHARD_MAX = 2 ** 31;

/**
 * A `DocSink` writing InternEvo tokenized shards: `<outDir>/train/<type>/<prefix>-NNNNN.bin`, one
 * `{"tokens": [...]}` line per sample, and `<name>.bin.meta`, the `.npy` (N, 2) array of
 * (byte offset, token count). Token ids come from `doc.attrs.tokens` (set by the `tokenize`
 * stage) or from `tokenizer`. Shards roll over by size and are never empty. Every file is
 * written under a temporary name and renamed on `close()` (meta first, so a visible `.bin`
 * always has its meta); `abort()` deletes them, so an interrupted run leaves no shard that looks
 * complete.
 */
export class InternEvoWriter implements DocSink {
  /** Shards written, filled in by `close()`. */
  readonly shards: InternEvoShard[] = [];
  private readonly dir: string;
  private readonly prefix: string;
  private readonly maxShardBytes: number;
  private readonly metaDtype: NpyIntDtype;
  private readonly tokenizer: SentencePieceTokenizer | undefined;
  private readonly sampleOptions: SampleOptions;
  private readonly pending: Pending[] = [];
  private fh: FileHandle | null = null;
  private current: Pending | null = null;
  private meta: number[] = [];
  private buffer: string[] = [];
  private bufferBytes = 0;
  private done = false;
  private readonly overwrite: boolean;
  private readonly onShard: ((name: string) => void) | undefined;
  private existing: string[] = [];

  constructor(options: InternEvoWriterOptions) {
    const type = options.type ?? 'en';
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) throw new Error(`bad InternEvo type folder name '${type}'`);
    this.dir = path.join(options.outDir, options.split ?? 'train', type);
    this.prefix = options.prefix ?? 'part';
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(this.prefix)) throw new Error(`bad shard prefix '${this.prefix}'`);
    this.maxShardBytes = options.maxShardBytes ?? 512 * 1024 * 1024;
    this.metaDtype = options.metaDtype ?? '<i8';
    // Options checked once, here: NaN never rolled a shard over (and passed the check below), a
    // dtype other than these two wrote a header that does not describe its cells.
    if (!Number.isSafeInteger(this.maxShardBytes) || this.maxShardBytes < 1) throw new UsageError(`InternEvoWriter: maxShardBytes must be a whole number of bytes, 1 or more; got ${String(options.maxShardBytes)}`);
    if (this.metaDtype !== '<i8' && this.metaDtype !== '<i4') throw new UsageError(`InternEvoWriter: metaDtype must be '<i8' or '<i4'; got ${JSON.stringify(this.metaDtype)}`);
    // A `<i4` meta holds line offsets up to 2^31 - 1 (F55): a shard cut at 2 GiB or less has no line
    // starting past that (a line over the size starts a shard of its own, at offset 0). Past it the
    // offsets would not fit, found only after gigabytes were written: refused now, before any.
    if (this.metaDtype === '<i4' && this.maxShardBytes > I4_SHARD_MAX) {
      throw new UsageError(`InternEvoWriter: metaDtype '<i4' (--meta-dtype) holds byte offsets up to 2^31 - 1, so a shard may be at most 2 GiB (2147483648 bytes); maxShardBytes (--max-shard-size) is ${this.maxShardBytes}: give 2GiB or less, or metaDtype '<i8'`);
    }
    this.tokenizer = options.tokenizer;
    this.sampleOptions = options.sample ?? {};
    this.overwrite = options.overwrite ?? false;
    this.onShard = options.onShard;
  }

  /** Directory the shards go to. */
  get directory(): string {
    return this.dir;
  }

  /** The size a shard is kept under (`maxShardBytes`): passed only by a shard of one sample whose line alone is larger. */
  get shardLimit(): number {
    return this.maxShardBytes;
  }

  async write(batch: Doc[]): Promise<void> {
    try {
      await this.take(batch);
    } catch (e) {
      // ENOSPC while a shard is written: "cannot write 'DIR/train/TYPE/part-00000.bin': ENOSPC ..."
      // (hostile review 5 F9; the file, not its folder: hostile review 7 F10).
      throw namedOutputError(this.current?.bin ?? this.dir, e);
    }
  }

  private async take(batch: Doc[]): Promise<void> {
    if (this.done) throw new Error('InternEvoWriter: write after close/abort');
    for (const doc of batch) {
      const ids = this.idsOf(doc);
      const line = tokensLine(ids);
      // Lines are ASCII, so string length is byte length.
      if (this.current !== null && this.current.shard.bytes > 0 && this.current.shard.bytes + line.length > this.maxShardBytes) await this.finishShard();
      if (this.current === null) await this.startShard();
      const cur = this.current!;
      this.meta.push(cur.shard.bytes, ids.length);
      cur.shard.bytes += line.length;
      cur.shard.samples++;
      cur.shard.tokens += ids.length;
      this.buffer.push(line);
      this.bufferBytes += line.length;
      if (this.bufferBytes >= FLUSH_BYTES) await this.flush();
    }
  }

  private idsOf(doc: Doc): ArrayLike<number> {
    const t = doc.attrs.tokens;
    if (Array.isArray(t) || t instanceof Int32Array) return t as ArrayLike<number>;
    if (this.tokenizer === undefined) throw new Error(`InternEvoWriter: record ${doc.source} has no attrs.tokens and the writer has no tokenizer; put a 'tokenize' stage before it`);
    let ids: number[];
    try {
      ids = encodeSample(doc.data, this.tokenizer, this.sampleOptions);
    } catch (e) {
      // The writer sees neither the pipeline's textField nor its rejects (new-user review 10 #3):
      // say what reads both.
      if (!(e instanceof SampleError)) throw e;
      throw new Error(`InternEvoWriter: record ${doc.source} cannot be a sample (${e.reason}: ${e.message}); the writer's tokenizer reads only sample.textField (${this.sampleOptions.textField === undefined ? 'not given: text, then content' : String(this.sampleOptions.textField)}) and cannot reject: put a 'tokenize' stage before the writer (registry.create('tokenize', {tokenizer: MODEL})), which reads the pipeline's textField and rejects such records with their reason`);
    }
    if (ids.length === 0) throw new Error(`InternEvoWriter: record ${doc.source} has no tokens`);
    return ids;
  }

  private async startShard(): Promise<void> {
    await makeDir(this.dir, 'output folder');
    const n = this.pending.length;
    if (n === 0) {
      this.existing = await this.shardsHere();
      if (this.existing.length > 0 && !this.overwrite) {
        throw new Error(`InternEvoWriter: ${this.dir} already holds shards (${this.existing[0]}, ...); remove them or set overwrite`);
      }
      // Temporaries of a killed run (kill -9 leaves `.part-00007.PID.tmp.bin`): removed when
      // their process is gone, with or without overwrite; a live one belongs to a run still writing here.
      const esc = this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await removeDeadTemporaries(this.dir, new RegExp(`^\\.${esc}-\\d{5,}\\.(\\d+)\\.tmp\\.(?:bin|meta)$`));
    }
    // An abort that came during the awaits above (a signal early in the export) found no pending
    // shard: a temporary opened now would outlive it (hostile review 14 H1).
    if (this.done) throw new Error('InternEvoWriter: write after close/abort');
    const bin = path.join(this.dir, `${this.prefix}-${String(n).padStart(5, '0')}.bin`);
    const tmp = path.join(this.dir, `.${this.prefix}-${String(n).padStart(5, '0')}.${process.pid}.tmp`);
    this.current = { bin, tmpBin: tmp + '.bin', tmpMeta: tmp + '.meta', shard: { path: bin, samples: 0, tokens: 0, bytes: 0 }, placed: 0 };
    this.pending.push(this.current);
    // Held until opened: an abort waits for it, then closes and removes it.
    const opened = (this.opening = open(this.current.tmpBin, 'w'));
    this.fh = await opened;
    this.meta = [];
  }

  /** The shards (`<prefix>-NNNNN.bin` and their `.meta`) in the folder now. */
  private async shardsHere(): Promise<string[]> {
    const shardName = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5,}\\.bin(\\.meta)?$`);
    return (await readdir(this.dir)).filter((f) => shardName.test(f));
  }

  private async flush(): Promise<void> {
    if (this.fh === null || this.buffer.length === 0) return;
    await writeAll(this.fh, this.buffer.join(''), 'latin1');
    this.buffer = [];
    this.bufferBytes = 0;
  }

  private async finishShard(): Promise<void> {
    const cur = this.current;
    if (cur === null) return;
    await this.flush();
    await this.fh!.sync();
    await this.fh!.close();
    this.fh = null;
    if (this.done) throw new Error('InternEvoWriter: write after close/abort');
    const mh = await (this.opening = open(cur.tmpMeta, 'w'));
    try {
      await writeAll(mh, encodeNpy(this.meta, 2, this.metaDtype));
      await mh.sync();
    } finally {
      await mh.close();
    }
    this.meta = [];
    this.current = null;
  }

  /** Finish the last shard and publish every shard under its final name. */
  async close(): Promise<void> {
    try {
      await (this.publishing ??= this.publish());
    } catch (e) {
      throw namedOutputError(this.current?.bin ?? this.dir, e);
    }
  }

  /**
   * Finish the last shard (written and synced under its temporary name), without publishing:
   * `close` then only renames. A sink over several writers (LangSplitSink) finishes them all
   * before it publishes any, so that a kill between leaves no folder published beside another's
   * temporaries (hostile review 13 H3).
   */
  async finish(): Promise<void> {
    try {
      await this.finishShard();
    } catch (e) {
      throw namedOutputError(this.current?.bin ?? this.dir, e);
    }
  }

  private async publish(): Promise<void> {
    if (this.done) return;
    await this.finishShard();
    // With overwrite and no record written here, the shards already in the folder are an earlier
    // export's: removed as when records replace them (hostile review 13 H4: by-lang --overwrite
    // over an input with no English kept the earlier train/en/ beside the new train/cn/).
    if (this.pending.length === 0 && this.overwrite) this.existing = await this.shardsHere().catch(() => []);
    // Each name journaled (onShard) before its rename: a file of that name is this export's only
    // once listed, and a listed one whose rename did not happen is its temporary still.
    for (const p of this.pending) {
      this.onShard?.(p.bin + '.meta');
      await rename(p.tmpMeta, p.bin + '.meta');
      p.placed = 1;
      this.onShard?.(p.bin);
      await rename(p.tmpBin, p.bin);
      p.placed = 2;
      this.shards.push(p.shard);
    }
    const kept = new Set(this.pending.flatMap((p) => [path.basename(p.bin), path.basename(p.bin) + '.meta']));
    for (const f of this.existing) if (!kept.has(f)) await rm(path.join(this.dir, f), { force: true });
    this.done = true;
  }

  /** The publication under way (`close`): an abort waits for it, then removes what it renamed (F13). */
  private publishing: Promise<void> | null = null;
  /** The last temporary being opened (a shard's .bin or .meta). */
  private opening: Promise<FileHandle> | null = null;
  private aborting: Promise<void> | null = null;

  /**
   * Delete everything written so far, the shards `close` published too (a command cut short after
   * its shards were renamed into place, before it finished, leaves nothing that looks complete).
   */
  abort(): Promise<void> {
    this.aborting ??= (async () => {
      this.done = true;
      await this.publishing?.catch(() => {});
      // A temporary being opened: let it open, then it is closed and removed with the rest.
      const fh = await this.opening?.catch(() => null);
      if (fh !== undefined && fh !== null && fh !== this.fh) await fh.close().catch(() => {});
      if (this.fh !== null) await this.fh.close().catch(() => {});
      this.fh = null;
      // The final names only of the files it renamed there: another file of that name is not its own.
      for (const p of this.pending) {
        for (const f of [p.tmpBin, p.tmpMeta, ...(p.placed > 0 ? [p.bin + '.meta'] : []), ...(p.placed > 1 ? [p.bin] : [])]) await rm(f, { force: true });
      }
      this.shards.length = 0;
    })();
    return this.aborting;
  }
}
