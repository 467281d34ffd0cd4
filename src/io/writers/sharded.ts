import { createWriteStream, open as fsOpen, write as fsWrite, writev as fsWritev, type WriteStream } from 'node:fs';
import { whileWaitingForReader } from '../fifos.js';
import { inodesHint } from '../../core/space.js';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { UsageError } from '../../core/errors.js';
import { outputTarget, splitExtensions } from '../outputs.js';
import { StdoutError, stdoutIsDirect, writeStdout } from '../stdout.js';
import { makeDir } from '../dirs.js';
import { hiddenPath } from './hiddenName.js';
import { showPath } from '../../core/fsname.js';
import { crc32 } from '../crc32.js';
import type { ZstdEncode } from '../zstdEncode.js';

/** The writers' zstd compressor, its module loaded at the first .zst block (a .jsonl or .gz output never needs it: issue #16). */
const zstdEncoder = async (): Promise<ZstdEncode> => (await import('../zstdEncode.js')).zstdEncoder();

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
  /** gzip level (1 fastest .. 9 smallest); default zlib's (6). */
  gzipLevel?: number;
  /** zstd level (negative: faster, 1 .. 19: smaller); default 3 (the zstd CLI's). */
  zstdLevel?: number;
  /**
   * Take each shard's size and CRC-32 of the bytes written to its file, as they are written
   * (`writtenSums`): a work file's seal then lists them without reading the file back. Default false.
   */
  sums?: boolean;
  /**
   * Called with each shard's path before its temporary is made (the output's lock journals it:
   * outputs.ts prepareOutput), so that the shard-named files of a command killed with SIGKILL
   * are known to be its (hostile review 21 G4).
   */
  onShard?: (name: string) => void;
}

/** The size and CRC-32 of the bytes of a file (as a work file's seal lists them). */
export interface FileSum {
  size: number;
  crc: number;
}

/** Makes temporary names unique within the process (two writers may aim at one folder). */
let tempSerial = 0;

/** One shard being written under a temporary name (or, for a device or FIFO, in place). */
interface OpenShard {
  final: string;
  /** The temporary name, or null when written in place (`direct`). */
  tmp: string | null;
  file: WriteStream;
  gzip: Gzip | null;
  lines: number;
  bytes: number;
  /** The first error of the file or gzip stream; every later write or close throws it. */
  failure: Error | null;
  /** Size and CRC-32 of the bytes handed to the file so far (`ShardOptions.sums`), or null: not taken, or not known (a string written as it is). */
  sum: FileSum | null;
}

/** `b` added to `sum` (null stays null). */
function addSum(sum: FileSum | null, b: Uint8Array): void {
  if (sum === null) return;
  sum.crc = crc32(b, sum.crc);
  sum.size += b.length;
}

/** An I/O failure of an output, with the path in its message; the CLI prints it without a stack. */
export class OutputError extends Error {
  override name = 'OutputError';
  constructor(path: string, cause: Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    super(`cannot write '${showPath(path)}': ${cause.message}${code === 'ENOSPC' ? inodesHint(path) : ''}`, { cause });
    (this as { code?: string }).code = code;
  }
}

/**
 * A failure of the file system while writing (it carries a `syscall`: ENOSPC, EIO, EACCES) as one
 * `OutputError` naming the output the user gave; any other error (a bug, a usage error, one
 * already named) is passed on as it is. For writers that do their own file I/O (Parquet, InternEvo).
 */
export function namedOutputError(path: string, e: unknown): unknown {
  if (e instanceof OutputError || e === null || typeof e !== 'object' || typeof (e as { syscall?: unknown }).syscall !== 'string') return e;
  return new OutputError(path, e as Error);
}

function waitDrain(s: NodeJS.WritableStream, shard?: OpenShard): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      s.off('error', fail);
      shard?.file.off('error', fail);
      resolve();
    };
    const fail = (e: Error): void => {
      s.off('drain', done);
      reject(e);
    };
    s.once('drain', done);
    s.once('error', fail);
    // gzip feeds the file: a failure of the file must end the wait too.
    if (shard !== undefined && shard.file !== s) shard.file.once('error', fail);
  });
}

function finished(shard: OpenShard): Promise<void> {
  return new Promise((resolve, reject) => {
    if (shard.failure) return reject(shard.failure);
    const s = shard.gzip ?? shard.file;
    shard.file.once('close', () => (shard.failure ? reject(shard.failure) : resolve()));
    shard.file.once('error', reject);
    shard.gzip?.once('error', reject);
    s.end();
  });
}

/** The whole lines (each ending in `\n`) among the first `bytes` bytes of `block`. */
function linesIn(block: string | Buffer, bytes: number): number {
  const b = typeof block === 'string' ? Buffer.from(block) : block;
  let n = 0;
  for (let i = b.indexOf(10); i !== -1 && i < bytes; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** The most bytes written at once to stdout when it is a pipe or terminal: a pipe's buffer on Linux (16 pages). */
export const STDOUT_PIECE = 65536;

/**
 * `block` (whole lines, its UTF-8 bytes) cut at line ends into pieces of at most STDOUT_PIECE
 * bytes (a line longer than that is a piece of its own), in order; `block` itself when it is no
 * longer. Pieces of a Buffer are views of it.
 */
export function* stdoutPieces(block: Buffer): Generator<Buffer> {
  let start = 0;
  while (block.length - start > STDOUT_PIECE) {
    // The last line end within the piece's room; for a longer line, its own end.
    let end = block.lastIndexOf(10, start + STDOUT_PIECE - 1);
    if (end < start) end = block.indexOf(10, start + STDOUT_PIECE);
    if (end === -1) end = block.length - 1;
    yield block.subarray(start, end + 1);
    start = end + 1;
  }
  if (start < block.length) yield start === 0 ? block : block.subarray(start);
}

/**
 * The whole lines of `unsent` (blocks handed to stdout, a pipe or terminal, not yet called back
 * whole) that the system has taken, so that its reader gets them even if the process ends now:
 * those of their pieces called back (`acked`), and of the bytes handed over (`sent`) all but
 * those Node still buffers (`writableBuffer`) and those libuv was given and the pipe did not take
 * yet (`writeQueueSize` of its handle). Only `acked` when either is not known.
 */
function stdoutTaken(unsent: readonly StdoutBlock[]): number {
  const out = process.stdout as NodeJS.WriteStream & { _handle?: { writeQueueSize?: unknown }; writableBuffer?: readonly { chunk?: unknown }[] };
  const queued = out._handle?.writeQueueSize;
  const buffered = out.writableBuffer;
  let taken = 0;
  if (typeof queued === 'number' && Array.isArray(buffered)) {
    const size = (b: unknown): number => (typeof b === 'string' ? Buffer.byteLength(b) : b instanceof Uint8Array ? b.length : 0);
    let held = queued;
    for (const c of buffered) held += size(c.chunk);
    taken = unsent.reduce((a, u) => a + u.sent, 0) - held;
  }
  let n = 0;
  for (const u of unsent) {
    // Pieces go out in order: the bytes taken are the first ones handed over, block by block.
    const t = Math.max(u.acked, Math.min(taken, u.sent));
    n += t >= u.size ? u.count : t > 0 ? linesIn(u.block, t) : 0;
    taken -= u.sent;
  }
  return n;
}

/** A block handed to stdout (a pipe or terminal): its lines, bytes, and the bytes of it handed over and called back. */
interface StdoutBlock {
  block: string | Buffer;
  count: number;
  size: number;
  sent: number;
  acked: number;
}

/** The file functions of a stream over a descriptor it does not own: its close leaves the descriptor open. */
const keepOpen = { open: fsOpen, write: fsWrite, writev: fsWritev, close: (_fd: number, cb: (e: Error | null) => void): void => cb(null) };

/** Wait until a stream's file descriptor is closed (so the file can be removed). */
function closed(file: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    // Not `fd === null`: a stream destroyed while its open is still pending has no fd yet, and
    // its file appears when the open completes; 'close' comes after that (then it can be removed).
    if (file.closed) return resolve();
    file.once('close', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
}

/**
 * Writes text lines into one or more shards. Each shard is written under a temporary name
 * (`.name.tmp-PID`) and renamed when complete, so a killed run leaves no shard that looks
 * complete. Shard names are a pure function of the options and the line count, so they are
 * the same on every run. An output that is a symlink is followed (its target is replaced); a
 * device, FIFO or socket is written in place as a stream. Every I/O failure surfaces as one
 * `OutputError` from `write` or `close`; after `abort` nothing is written or left behind.
 */
export class ShardedWriter {
  private shard: OpenShard | null = null;
  private index = 0;
  private readonly folder: boolean;
  private readonly compression: OutputCompression;
  private aborted = false;
  /** Every shard close in flight (a rollover does not wait for the one before): an abort waits for all. */
  private readonly closing = new Set<Promise<void>>();
  /** The shard being opened, if any: an abort waits for it (it may create its file after the abort began). */
  private opening: Promise<unknown> | null = null;
  /** Every shard whose file exists and is not yet published or removed (an abort may come mid-open). */
  private readonly live = new Set<OpenShard>();
  /** Paths of the completed shards, in order. */
  readonly written: string[] = [];
  /** The lines of each completed shard, in the same order (for the completion manifest). */
  readonly writtenLines: number[] = [];
  /** With `ShardOptions.sums`: the size and CRC-32 of each completed shard's bytes, in the same order (undefined where not known). */
  readonly writtenSums: (FileSum | undefined)[] = [];
  /** The completed shards this writer renamed into place (not devices or FIFOs written in place): what `abort` removes. */
  private readonly published: string[] = [];
  /** Lines written in all. */
  lines = 0;
  /**
   * Lines that reached the output: their bytes taken by the system in writes that succeeded (of a
   * gzip shard, once it is finished: its compressor holds what it took until then). Below `lines`
   * while writes are under way, and after a failure (the lines of the write that failed, and of
   * those queued behind it, did not reach it): what a failed command says it wrote.
   */
  get reached(): number {
    const d = this.direct;
    if (d !== null && d.pending.length > 0) {
      // A write to a FIFO or device in place, not called back (failed, or still under way): the
      // whole lines among the bytes the system took of it (the stream counts those of a write cut
      // short: a FIFO whose reader closed took part of it; new-user review 20 F11, 'written 0').
      let taken = d.file.bytesWritten - d.acked;
      let n = 0;
      for (let i = 0; i < d.pending.length && taken > 0; i++) {
        n += taken >= d.pending[i].size ? d.pending[i].count : linesIn(d.pending[i].block, taken);
        taken -= d.pending[i].size;
      }
      return this.whole + n;
    }
    return this.unsent.length === 0 ? this.whole : this.whole + stdoutTaken(this.unsent);
  }

  /** A plain output written in place (a FIFO, a device): its writes not yet called back, oldest first. */
  private direct: { file: WriteStream; acked: number; pending: { block: string | Buffer; count: number; size: number }[] } | null = null;

  /** The lines of `reached` whose writes were called back (or gzip shards finished). */
  private whole = 0;
  /** Blocks handed to stdout (a pipe or terminal) and not yet called back, oldest first, with their lines. */
  private readonly unsent: StdoutBlock[] = [];

  constructor(private readonly o: ShardOptions, folder: boolean) {
    this.folder = folder;
    if (o.output === '-' && (o.shardRecords || o.shardBytes)) throw new UsageError('sharding (--shard-size, --shard-records) needs --output, not stdout');
    this.compression = folder ? (o.compression ?? 'none') : compressionOf(o.output);
  }

  /**
   * True when `write` is done with the block it was given once its promise resolves (zstd: the
   * block is compressed in the call, into bytes of its own; not to stdout), so the caller may fill
   * it again. Otherwise a stream may still hold it.
   */
  get releasesBlocks(): boolean {
    return this.compression === 'zstd' && this.o.output !== '-';
  }

  private nameOf(i: number): string {
    const n = String(i).padStart(5, '0');
    if (this.folder) {
      const ext = this.compression === 'gzip' ? '.jsonl.gz' : this.compression === 'zstd' ? '.jsonl.zst' : '.jsonl';
      return join(this.o.output, `${this.o.prefix ?? 'part'}-${n}${ext}`);
    }
    if (!this.o.shardRecords && !this.o.shardBytes) return this.o.output;
    const [stem, ext] = splitExtensions(basename(this.o.output));
    return join(dirname(this.o.output), `${stem}-${n}${ext}`);
  }

  private open(): Promise<OpenShard> {
    const p = this.openShard();
    this.opening = p.catch(() => {});
    return p;
  }

  private async openShard(): Promise<OpenShard> {
    if (this.aborted) throw new Error('ShardedWriter: write after abort');
    const name = this.nameOf(this.index++);
    await makeDir(dirname(name));
    const target = await outputTarget(name);
    const final = target.path;
    const tmp = target.direct ? null : hiddenPath(final, `.tmp-${process.pid}-${tempSerial++}`);
    // Journaled before its temporary is made: once it can be renamed into place, it is listed.
    this.o.onShard?.(name);
    // A descriptor of this process (`--rejects /dev/stderr 2> log`): written through it, left open.
    const file = target.fd !== undefined ? createWriteStream(final, { fd: target.fd, fs: keepOpen }) : createWriteStream(tmp ?? final);
    let gzip: Gzip | null = null;
    const shard: OpenShard = { final, tmp, file, gzip, lines: 0, bytes: 0, failure: null, sum: this.o.sums === true ? { size: 0, crc: 0 } : null };
    this.live.add(shard);
    // Listeners from the start: an error with none would crash the process (ERR_STREAM_DESTROYED on abort).
    file.on('error', (e) => {
      shard.failure ??= new OutputError(final, e);
    });
    if (this.compression === 'gzip') {
      gzip = createGzip(this.o.gzipLevel === undefined ? undefined : { level: this.o.gzipLevel });
      shard.gzip = gzip;
      gzip.on('error', (e) => {
        shard.failure ??= new OutputError(final, e);
        file.destroy();
      });
      gzip.pipe(file);
      // What gzip hands the file, as it goes (the pipe writes every piece it reads).
      if (shard.sum !== null) gzip.on('data', (b: Buffer) => addSum(shard.sum, b));
    }
    // The open itself may fail (ENOENT, EACCES): surface it on the first write. A FIFO's open waits
    // for a reader: said after a second, as for --stats (hostile review 20 F12: -o or --rejects on a
    // FIFO nobody reads waited in silence).
    await whileWaitingForReader(
      final,
      new Promise<void>((resolve) => {
        if ((file as { fd?: number | null }).fd != null) return resolve();
        file.once('open', () => resolve());
        file.once('error', () => resolve());
        file.once('close', () => resolve());
      }),
    );
    if (this.aborted) {
      await this.discard(shard);
      throw new Error('ShardedWriter: write after abort');
    }
    if (shard.failure) {
      await this.discard(shard);
      throw shard.failure;
    }
    return shard;
  }

  /**
   * Write a block of complete lines (each ending in `\n`; a string, or its UTF-8 bytes) holding `count` lines and `bytes`
   * UTF-8 bytes (needed only with `shardBytes`). Call `fits` first: this never rolls over.
   * `release` is called once the block's bytes were taken (encoded, compressed or written out),
   * when that is known: the caller may fill it again then, instead of fresh memory (a page fault
   * per 4 KB). Not called for stdout, or when the block was not written.
   */
  async write(block: string | Buffer, count: number, bytes = 0, release?: () => void): Promise<void> {
    if (count === 0) return;
    if (this.aborted) throw new Error('ShardedWriter: write after abort');
    if (this.o.output === '-') {
      this.lines += count;
      if (stdoutIsDirect()) {
        try {
          await writeStdout(block);
          this.whole += count;
        } catch (e) {
          // The whole lines of a write cut short (a full disk under `> file`) reached stdout.
          if (e instanceof StdoutError && e.written > 0) this.whole += linesIn(block, e.written);
          throw e;
        }
        return;
      }
      // A pipe or terminal: written in pieces of whole lines of at most a pipe's buffer (64 KiB).
      // A pipe takes such a write whole or, when its reader closes (`| head`), cuts at most that
      // one, whose lines alone are not counted of those the reader may have got. A 1 MiB write cut
      // by EPIPE counted none of its lines (hostile review 21 G2, new-user review 21 N3: 'written
      // 0' after `| head -n 3000`, with 3000 lines read).
      const bytes = typeof block === 'string' ? Buffer.from(block) : block;
      const entry: StdoutBlock = { block: bytes, count, size: bytes.length, sent: 0, acked: 0 };
      this.unsent.push(entry);
      try {
        for (const piece of stdoutPieces(bytes)) {
          entry.sent += piece.length;
          await writeStdout(piece, () => {
            // Called back in order: this piece was taken whole, and with the last the block.
            entry.acked += piece.length;
            if (entry.acked === entry.size) {
              this.unsent.shift();
              this.whole += count;
            }
          });
        }
      } catch (e) {
        // The lines of the pieces taken whole reached stdout.
        const at = this.unsent.indexOf(entry);
        if (at !== -1) this.unsent.splice(at, 1);
        if (entry.acked < entry.size) this.whole += linesIn(bytes, entry.acked);
        throw e;
      }
      return;
    }
    this.shard ??= await this.open();
    const s = this.shard;
    if (s.failure) throw s.failure;
    try {
      if (this.compression === 'zstd') {
        // Independent frames, concatenated: a valid zstd stream that any zstd reader decodes.
        const encode = await zstdEncoder();
        const frames = encode(typeof block === 'string' ? Buffer.from(block) : block, this.o.zstdLevel);
        release?.();
        addSum(s.sum, frames);
        // Independent frames: the lines of a block are readable once its frames are written.
        if (!s.file.write(frames, (e) => e == null && void (this.whole += count))) await waitDrain(s.file, s);
      } else {
        const target = s.gzip ?? s.file;
        if (s.gzip === null) {
          if (typeof block === 'string') s.sum = null;
          else addSum(s.sum, block);
        }
        // The stream calls back once the block was written to the file (or taken by gzip: its
        // lines reach the file when the shard is finished, counted then).
        const plain = s.gzip === null;
        let d = this.direct;
        if (plain && s.tmp === null && d?.file !== s.file) d = this.direct = { file: s.file, acked: 0, pending: [] };
        const entry = plain && d !== null && d.file === s.file ? { block, count, size: typeof block === 'string' ? Buffer.byteLength(block) : block.length } : null;
        if (entry !== null) d!.pending.push(entry);
        const done = (e: Error | null | undefined): void => {
          if (e != null) return;
          if (plain) this.whole += count;
          if (entry !== null) {
            d!.pending.shift();
            d!.acked += entry.size;
          }
          release?.();
        };
        if (!target.write(block, plain || release !== undefined ? done : undefined)) await waitDrain(target, s);
      }
    } catch (e) {
      throw s.failure ?? new OutputError(s.final, e as Error);
    }
    if (s.failure) throw s.failure;
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

  private closeShard(): Promise<void> {
    const s = this.shard;
    if (!s) return Promise.resolve();
    this.shard = null;
    const p = (async () => {
      try {
        await finished(s);
        if (this.aborted) throw new Error('ShardedWriter: closed after abort');
        if (s.tmp !== null) {
          await rename(s.tmp, s.final);
          this.published.push(s.final);
        }
        this.live.delete(s);
      } catch (e) {
        await this.discard(s);
        throw s.failure ?? (e instanceof OutputError || this.aborted ? e : new OutputError(s.final, e as Error));
      }
      if (s.gzip !== null) this.whole += s.lines;
      this.written.push(s.final);
      this.writtenLines.push(s.lines);
      this.writtenSums.push(s.sum ?? undefined);
    })();
    const settled = p.catch(() => {});
    this.closing.add(settled);
    void settled.then(() => this.closing.delete(settled));
    return p;
  }

  /** Finish: publish the last shard. A file output with no lines at all is still created (empty). */
  async close(): Promise<void> {
    if (this.o.output === '-') return;
    if (this.aborted) throw new Error('ShardedWriter: close after abort');
    if (!this.folder && this.written.length === 0 && this.shard === null) this.shard = await this.open();
    // An empty file is no zstd stream (`zstd -t` rejects 0 bytes): an empty output gets the one
    // empty frame zstd itself writes for empty input (an empty gzip output is a valid member already).
    const s = this.shard;
    if (this.compression === 'zstd' && s !== null && s.lines === 0) {
      const encode = await zstdEncoder();
      try {
        const empty = encode(new Uint8Array(0));
        addSum(s.sum, empty);
        if (!s.file.write(empty)) await waitDrain(s.file, s);
      } catch (e) {
        throw s.failure ?? new OutputError(s.final, e as Error);
      }
    }
    await this.closeShard();
  }

  /** Remove a shard's temporary, once its file is closed. */
  private async discard(s: OpenShard): Promise<void> {
    this.live.delete(s);
    if (s.gzip !== null) {
      s.gzip.unpipe(s.file);
      s.gzip.destroy();
    }
    s.file.destroy();
    await closed(s.file);
    if (s.tmp !== null) await unlink(s.tmp).catch(() => {});
  }

  /**
   * Give up: remove the shard being written and the shards this writer completed before (an
   * output cut short is not a result: a set of whole shards would look complete, M5). Also after
   * `close`, until the caller marked the output finished. Devices and FIFOs are left alone.
   */
  abort(): Promise<void> {
    // One abort for all callers: a second caller (the signal's clean-up while the job aborts on
    // its own) must wait for the removal to end, not find the list already taken and let the
    // process exit with shards still there (seen in CI: SIGINT left two shards).
    this.aborting ??= this.removeAll();
    return this.aborting;
  }

  private aborting: Promise<void> | null = null;

  private async removeAll(): Promise<void> {
    this.aborted = true;
    this.shard = null;
    await Promise.all([...this.live].map((s) => this.discard(s)));
    // A shard in the middle of being opened discards itself once its open ends (see openShard).
    if (this.opening) await this.opening;
    // Shards in the middle of being closed (one per rollover still renaming): each removes its
    // temporary, or is published and then removed below. Waiting only for the latest one let an
    // earlier shard be renamed into place after the removal (seen in CI: SIGINT left two shards).
    await Promise.all([...this.closing]);
    for (const f of this.published.splice(0)) await unlink(f).catch(() => {});
  }
}
