import { stat } from 'node:fs/promises';
import type { Doc } from '../../core/doc.js';
import { attrsText, hasAttrs, recordJsonOf } from '../../core/doc.js';
import type { DocSink } from '../../core/pipeline.js';
import type { ShardOptions } from './sharded.js';
import { ShardedWriter } from './sharded.js';
import { exactLine } from '../json.js';
import { stringifiedInto, warmStringified } from './stringified.js';

/** Bytes of input lines written from their bytes past which the writer warms `stringifiedInto` (~0.05 ms): a small output never pays it. */
const WARM_STRINGIFIED_AFTER = 1 << 16;

/** Options of the JSONL writer. */
export interface JsonlOptions extends ShardOptions {
  /** Leave the `attrs` signals out of the output records; default false (keep them). */
  stripAttrs?: boolean;
}

/** The output form of a record: its data, with the stage signals under `attrs` unless stripped. */
export function outputRecord(doc: Doc, stripAttrs: boolean): Record<string, unknown> {
  const data = doc.data;
  if (stripAttrs) {
    if (!('attrs' in data)) return data;
    const { attrs: _drop, ...rest } = data;
    return rest;
  }
  if (hasAttrs(doc) && data.attrs !== doc.attrs) data.attrs = doc.attrs;
  return data;
}

/** Decide folder or file mode: an output ending in `/` or naming an existing directory is a folder. */
export async function isFolderOutput(output: string): Promise<boolean> {
  if (output === '-') return false;
  if (output.endsWith('/')) return true;
  const st = await stat(output).catch(() => null);
  return st?.isDirectory() ?? false;
}

/**
 * JSON Lines writer (stdout, a file, or a folder of shards; gzip/zstd by name), atomic per
 * shard. Records are serialised with `JSON.stringify`, one batch per write: each line is encoded
 * into a byte buffer as it comes (no batch string to build, flatten and encode again; the exact
 * byte count of each line, needed to cut shards by size, comes from the encoding). A record no
 * stage changed that still has its input line (`recordJsonOf`) is written from the line's bytes
 * when they are what `JSON.stringify` writes, less the spaces between tokens (`stringifiedInto`),
 * its signals appended: the same bytes, without making its text again and encoding it.
 */
export class JsonlWriter implements DocSink {
  /** Records no stage changed keep their input line for `write` (the pipeline and readers see this). */
  readonly takesRecordJson = true;
  private readonly out: ShardedWriter;
  private readonly strip: boolean;
  /** The lines not yet written; handed to `out` whole, and filled again once `out` releases it. */
  private buf: Buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  /** Blocks `out` released (written out), for the next lines: no fresh memory touched per block. */
  private readonly free: Buffer[] = [];
  /** Set by `unchanged`: the JSON of the signals to append to the record's line, if any. */
  private signals: string | undefined;
  /** Bytes of input lines still to come before `stringifiedInto` is warmed (`warm`). */
  private unwarmed = WARM_STRINGIFIED_AFTER;

  private constructor(o: JsonlOptions, folder: boolean) {
    this.out = new ShardedWriter(o, folder);
    this.strip = o.stripAttrs ?? false;
  }

  /** Open a writer; decides folder or file mode from the output path. */
  static async create(o: JsonlOptions): Promise<JsonlWriter> {
    return new JsonlWriter(o, await isFolderOutput(o.output));
  }

  /** Paths of completed shards. */
  get shards(): readonly string[] {
    return this.out.written;
  }

  /** Records that reached the output (`ShardedWriter.reached`): what a failed command says it wrote. */
  get reached(): number {
    return this.out.reached;
  }

  /** Records of each completed shard, in the order of `shards`. */
  get shardRecords(): readonly number[] {
    return this.out.writtenLines;
  }

  /**
   * The input line of `doc` when it may be written from it (see the class), its signals' JSON in
   * `signals` (undefined: none to append); undefined when the record must be serialised.
   */
  private unchanged(doc: Doc): Uint8Array | undefined {
    const json = recordJsonOf(doc);
    // A record with an `attrs` member of its own (null too) has the signals put inside it.
    if (json === undefined || 'attrs' in doc.data) return undefined;
    // Signals spilled as text and not asked for since are JSON.stringify's already.
    this.signals = this.strip || !hasAttrs(doc) ? undefined : (attrsText(doc) ?? JSON.stringify(doc.attrs));
    return json;
  }

  /**
   * Warm `stringifiedInto` (`warmStringified`) before the batch that brings the input lines
   * written from their bytes past WARM_STRINGIFIED_AFTER: before V8 optimises it on them, not
   * for a small output.
   */
  private warm(batch: readonly Doc[]): void {
    for (const doc of batch) {
      const json = recordJsonOf(doc);
      if (json !== undefined && (this.unwarmed -= json.length) <= 0) {
        warmStringified();
        return;
      }
    }
  }

  /** `json`'s bytes as JSON.stringify writes them at `pos`, `signals` appended; -1 when they are not. */
  private fromLine(json: Uint8Array, pos: number): number {
    const buf = this.buf;
    let end = stringifiedInto(json, buf, pos);
    const signals = this.signals;
    if (end < 0 || signals === undefined) return end;
    // JSON.stringify writes `attrs` last: the record's own keys come first, in the order read.
    end--;
    if (buf[end - 1] !== 0x7b) buf[end++] = 0x2c;
    end += buf.write('"attrs":', end, 'latin1');
    end += buf.write(signals, end);
    buf[end++] = 0x7d;
    return end;
  }

  /**
   * Room for `need` more bytes after `pos`: a block larger than BLOCK_BYTES (a record near a
   * block's size), `[0, pos)` copied. Never a cut: where blocks end decides the zstd frames.
   */
  private grow(pos: number, need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(pos + need, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, pos);
    this.drop(this.buf);
    this.buf = bigger;
  }

  async write(batch: Doc[]): Promise<void> {
    if (this.unwarmed > 0) this.warm(batch);
    const out = this.out;
    let n = 0;
    let pos = 0;
    for (const doc of batch) {
      let end = -1;
      const json = this.unchanged(doc);
      if (json !== undefined) {
        // A UTF-16 unit takes at most 3 bytes in UTF-8.
        const need = json.length + 1 + (this.signals === undefined ? 0 : 10 + this.signals.length * 3);
        if (pos + need > this.buf.length) this.grow(pos, need);
        end = this.fromLine(json, pos);
      }
      if (end < 0) {
        // A record whose numbers JavaScript cannot hold keeps its input bytes while unchanged.
        const rec = outputRecord(doc, this.strip);
        const line = exactLine(doc.data, JSON.stringify(rec), rec);
        // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
        const need = line.length * 3 + 1;
        if (pos + need > this.buf.length) this.grow(pos, need);
        end = pos + this.buf.write(line, pos);
      }
      const at = pos;
      const buf = this.buf;
      pos = end;
      buf[pos++] = 10;
      // Cut shards record by record, so their boundaries depend only on the data.
      if (!out.fits(n + 1, pos)) {
        if (n > 0) {
          // The record that did not fit starts the next block.
          const next = this.block(pos - at);
          buf.copy(next, 0, at, pos);
          await this.send(buf, at, n);
          this.buf = next;
        }
        if (!out.fits(1, pos - at)) await out.rollover();
        pos -= at;
        n = 0;
      }
      n++;
      // A large batch goes out in blocks of about LINE_BYTES (a zstd output: its frames are cut there).
      if (pos >= LINE_BYTES) {
        await this.send(this.buf, pos, n);
        this.buf = this.block(0);
        n = 0;
        pos = 0;
      }
    }
    if (n > 0) {
      await this.send(this.buf, pos, n);
      this.buf = this.block(0);
    }
  }

  /** A block for the next lines, with room for `need` bytes: one `out` released, or a new one. */
  private block(need: number): Buffer {
    if (need <= BLOCK_BYTES) {
      const b = this.free.pop();
      if (b !== undefined) return b;
    }
    return Buffer.allocUnsafe(Math.max(need, BLOCK_BYTES));
  }

  /** Keep a block of BLOCK_BYTES nobody holds any more for the next lines. */
  private drop(buf: Buffer): void {
    if (buf.length === BLOCK_BYTES && this.free.length < FREE_KEPT) this.free.push(buf);
  }

  /** Write `buf[0, end)` (`n` lines); `buf` is `out`'s from now on, until it releases it. */
  private send(buf: Buffer, end: number, n: number): Promise<void> {
    return this.out.write(buf.subarray(0, end), n, end, buf.length === BLOCK_BYTES ? () => this.drop(buf) : undefined);
  }

  close(): Promise<void> {
    return this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** A block goes out once its lines reach this many bytes (and at the end of a batch). */
const LINE_BYTES = 1 << 20;

/**
 * The size of a block: room for the line that takes it past LINE_BYTES, up to LINE_BYTES long,
 * without growing it by a copy (a block grown is not used again).
 */
const BLOCK_BYTES = 2 * LINE_BYTES;

/** Released blocks a JSONL writer keeps for its next lines. */
const FREE_KEPT = 3;
