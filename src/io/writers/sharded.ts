import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { UsageError } from '../../core/errors.js';

/** Output compression, chosen by the file name's ending. */
export type OutputCompression = 'none' | 'gzip' | 'zstd';

/** Compression told by a name ending in `.gz` or `.zst`. */
export function compressionOf(name: string): OutputCompression {
  return name.endsWith('.gz') ? 'gzip' : name.endsWith('.zst') ? 'zstd' : 'none';
}

/** Where and how to write line-oriented output. */
export interface ShardOptions {
  /**
   * `-` for stdout; a path ending in `/` (or an existing directory) for a folder of shards
   * `part-00000.jsonl` ...; otherwise a file, sharded as `name-00000.jsonl` when a limit is set.
   */
  output: string;
  /** Start a new shard after this many lines; default no limit. */
  shardRecords?: number;
  /** Start a new shard once this many uncompressed bytes were written; default no limit. */
  shardBytes?: number;
  /** Folder mode: compression of the shards (`none`, `gzip`, `zstd`); default none. File mode uses the name. */
  compression?: OutputCompression;
  /** Folder mode: base name of the shards; default `part`. */
  prefix?: string;
}

interface ZstdSimple {
  compress(data: Uint8Array, level: number): Uint8Array;
}

let zstd: ZstdSimple | null = null;
/** zstd-codec is an Emscripten build: load it once, on first use. */
async function zstdCodec(): Promise<ZstdSimple> {
  if (zstd) return zstd;
  const require = createRequire(import.meta.url);
  const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => ZstdSimple }) => void): void } };
  zstd = await new Promise<ZstdSimple>((resolve) => ZstdCodec.run((z) => resolve(new z.Simple())));
  return zstd;
}

/** Makes temporary names unique within the process (two writers may aim at one folder). */
let tempSerial = 0;

/** One shard being written under a temporary name. */
interface OpenShard {
  final: string;
  tmp: string;
  file: WriteStream;
  gzip: Gzip | null;
  lines: number;
  bytes: number;
}

function waitDrain(s: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      s.off('error', fail);
      resolve();
    };
    const fail = (e: Error): void => {
      s.off('drain', done);
      reject(e);
    };
    s.once('drain', done);
    s.once('error', fail);
  });
}

function finished(s: NodeJS.WritableStream & { end(): void }, file: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    file.once('close', resolve);
    file.once('error', reject);
    s.end();
  });
}

/**
 * Writes text lines into one or more shards. Each shard is written under a temporary name
 * (`.name.tmp-PID`) and renamed when complete, so a killed run leaves no shard that looks
 * complete. Shard names are a pure function of the options and the line count, so they are
 * the same on every run.
 */
export class ShardedWriter {
  private shard: OpenShard | null = null;
  private index = 0;
  private readonly folder: boolean;
  private readonly compression: OutputCompression;
  /** Paths of the completed shards, in order. */
  readonly written: string[] = [];
  /** Lines written in all. */
  lines = 0;

  constructor(private readonly o: ShardOptions, folder: boolean) {
    this.folder = folder;
    if (o.output === '-' && (o.shardRecords || o.shardBytes)) throw new UsageError('sharding (--shard-size, --shard-records) needs --output, not stdout');
    this.compression = folder ? (o.compression ?? 'none') : compressionOf(o.output);
  }

  private nameOf(i: number): string {
    const n = String(i).padStart(5, '0');
    if (this.folder) {
      const ext = this.compression === 'gzip' ? '.jsonl.gz' : this.compression === 'zstd' ? '.jsonl.zst' : '.jsonl';
      return join(this.o.output, `${this.o.prefix ?? 'part'}-${n}${ext}`);
    }
    if (!this.o.shardRecords && !this.o.shardBytes) return this.o.output;
    const m = /^(.*?)((?:\.[A-Za-z0-9]+)*)$/.exec(basename(this.o.output))!;
    return join(dirname(this.o.output), `${m[1]}-${n}${m[2]}`);
  }

  private async open(): Promise<OpenShard> {
    const final = this.nameOf(this.index++);
    await mkdir(dirname(final), { recursive: true });
    const tmp = join(dirname(final), `.${basename(final)}.tmp-${process.pid}-${tempSerial++}`);
    const file = createWriteStream(tmp);
    let gzip: Gzip | null = null;
    if (this.compression === 'gzip') {
      gzip = createGzip();
      gzip.pipe(file);
      gzip.on('error', (e) => file.destroy(e));
    }
    return { final, tmp, file, gzip, lines: 0, bytes: 0 };
  }

  /**
   * Write a block of complete lines (each ending in `\n`) holding `count` lines and `bytes`
   * UTF-8 bytes (needed only with `shardBytes`). Call `fits` first: this never rolls over.
   */
  async write(block: string, count: number, bytes = 0): Promise<void> {
    if (count === 0) return;
    if (this.o.output === '-') {
      this.lines += count;
      if (!process.stdout.write(block)) await waitDrain(process.stdout);
      return;
    }
    this.shard ??= await this.open();
    const s = this.shard;
    if (this.compression === 'zstd') {
      // Independent frames, concatenated: a valid zstd stream that any zstd reader decodes.
      const z = await zstdCodec();
      if (!s.file.write(z.compress(Buffer.from(block), 3))) await waitDrain(s.file);
    } else {
      const target = s.gzip ?? s.file;
      if (!target.write(block)) await waitDrain(target);
    }
    s.lines += count;
    s.bytes += bytes;
    this.lines += count;
  }

  /**
   * True when `count` more lines of `bytes` bytes fit in the current shard. An empty shard takes
   * anything (a record larger than the limit gets a shard of its own), so shard boundaries
   * depend only on the records, never on how the input arrived.
   */
  fits(count: number, bytes: number): boolean {
    const lines = (this.shard?.lines ?? 0) + count;
    if (lines <= 1) return true;
    if (this.o.shardRecords && lines > this.o.shardRecords) return false;
    if (this.o.shardBytes && (this.shard?.bytes ?? 0) + bytes > this.o.shardBytes) return false;
    return true;
  }

  /** True when shards are cut by size, so callers must count bytes. */
  get bySize(): boolean {
    return (this.o.shardBytes ?? 0) > 0;
  }

  /** Publish the current shard; the next write opens a new one. */
  rollover(): Promise<void> {
    return this.closeShard();
  }

  private async closeShard(): Promise<void> {
    const s = this.shard;
    if (!s) return;
    this.shard = null;
    await finished(s.gzip ?? s.file, s.file);
    await rename(s.tmp, s.final);
    this.written.push(s.final);
  }

  /** Finish: publish the last shard. A file output with no lines at all is still created (empty). */
  async close(): Promise<void> {
    if (this.o.output === '-') return;
    if (!this.folder && this.written.length === 0 && this.shard === null) this.shard = await this.open();
    await this.closeShard();
  }

  /** Give up: remove the shard being written; completed shards stay (they are whole). */
  async abort(): Promise<void> {
    const s = this.shard;
    this.shard = null;
    if (!s) return;
    s.gzip?.destroy();
    s.file.destroy();
    await unlink(s.tmp).catch(() => {});
  }
}
