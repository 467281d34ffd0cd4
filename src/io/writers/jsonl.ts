import { stat } from 'node:fs/promises';
import type { Doc } from '../../core/doc.js';
import { attrsText, hasAttrs, recordJsonOf } from '../../core/doc.js';
import type { DocSink } from '../../core/pipeline.js';
import type { ShardOptions } from './sharded.js';
import { ShardedWriter } from './sharded.js';
import { exactLine } from '../json.js';
import { stringifiedInto } from './stringified.js';

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
  private buf: Buffer = Buffer.allocUnsafe(LINE_BYTES);
  /** Blocks `out` released (written out), for the next lines: no fresh memory touched per block. */
  private readonly free: Buffer[] = [];

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

  /** Records of each completed shard, in the order of `shards`. */
  get shardRecords(): readonly number[] {
    return this.out.writtenLines;
  }

  /** Room for `need` more bytes after `pos` in the scratch (grown, keeping `[0, pos)`). */
  private room(pos: number, need: number): Buffer {
    if (pos + need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(pos + need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, pos);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** The line of `doc` at `pos` from its input bytes (see the class), or -1 when it must be serialised. */
  private asRead(doc: Doc, pos: number): number {
    const json = recordJsonOf(doc);
    // A record with an `attrs` member of its own (null too) has the signals put inside it.
    if (json === undefined || 'attrs' in doc.data) return -1;
    // Signals spilled as text and not asked for since are JSON.stringify's already.
    const signals = this.strip || !hasAttrs(doc) ? undefined : (attrsText(doc) ?? JSON.stringify(doc.attrs));
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    const buf = this.room(pos, json.length + 1 + (signals === undefined ? 0 : 10 + signals.length * 3));
    let end = stringifiedInto(json, buf, pos);
    if (end < 0 || signals === undefined) return end;
    // JSON.stringify writes `attrs` last: the record's own keys come first, in the order read.
    end--;
    if (buf[end - 1] !== 0x7b) buf[end++] = 0x2c;
    end += buf.write('"attrs":', end, 'latin1');
    end += buf.write(signals, end);
    buf[end++] = 0x7d;
    return end;
  }

  async write(batch: Doc[]): Promise<void> {
    const out = this.out;
    let n = 0;
    let pos = 0;
    for (const doc of batch) {
      const at = pos;
      const bytes = this.asRead(doc, pos);
      if (bytes >= 0) pos = bytes;
      else {
        // A record whose numbers JavaScript cannot hold keeps its input bytes while unchanged.
        const rec = outputRecord(doc, this.strip);
        const line = exactLine(doc.data, JSON.stringify(rec), rec);
        // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
        pos += this.room(pos, line.length * 3 + 1).write(line, pos);
      }
      const buf = this.buf;
      buf[pos++] = 10;
      // Cut shards record by record, so their boundaries depend only on the data.
      if (!out.fits(n + 1, pos)) {
        if (n > 0) {
          // The record that did not fit starts the next block.
          const next = this.block(pos - at);
          buf.copy(next, 0, at, pos);
          await this.send(buf, at, n);
          this.buf = next;
        } else buf.copyWithin(0, at, pos);
        if (!out.fits(1, pos - at)) await out.rollover();
        pos -= at;
        n = 0;
      }
      n++;
      // A large batch goes out in pieces: the block stays about LINE_BYTES.
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
    // One huge record does not keep its block for the rest of the run.
    if (this.buf.length > 4 * LINE_BYTES) this.buf = this.block(0);
  }

  /** A block for the next lines, with room for `need` bytes: one `out` released, or a new one. */
  private block(need: number): Buffer {
    if (need <= LINE_BYTES) {
      const b = this.free.pop();
      if (b !== undefined) return b;
    }
    return Buffer.allocUnsafe(Math.max(need, LINE_BYTES));
  }

  /** Write `buf[0, end)` (`n` lines); `buf` is `out`'s from now on, until it releases it. */
  private send(buf: Buffer, end: number, n: number): Promise<void> {
    const free = this.free;
    const release = buf.length === LINE_BYTES ? (): void => void (free.length < FREE_KEPT && free.push(buf)) : undefined;
    return this.out.write(buf.subarray(0, end), n, end, release);
  }

  close(): Promise<void> {
    return this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** Initial scratch of a JSONL writer's batch (grown for a larger batch). */
const LINE_BYTES = 1 << 20;

/** Released blocks a JSONL writer keeps for its next lines. */
const FREE_KEPT = 3;
