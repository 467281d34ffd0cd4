import { stat } from 'node:fs/promises';
import type { Doc } from '../../core/doc.js';
import { hasAttrs } from '../../core/doc.js';
import type { DocSink } from '../../core/pipeline.js';
import type { ShardOptions } from './sharded.js';
import { ShardedWriter } from './sharded.js';
import { exactLine } from '../json.js';

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
 * byte count of each line, needed to cut shards by size, comes from the encoding).
 */
export class JsonlWriter implements DocSink {
  private readonly out: ShardedWriter;
  private readonly strip: boolean;
  /** Scratch for one batch's lines (reused; each write gets a copy of its bytes). */
  private buf = Buffer.allocUnsafe(LINE_BYTES);

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

  async write(batch: Doc[]): Promise<void> {
    const out = this.out;
    let n = 0;
    let pos = 0;
    for (const doc of batch) {
      // A record whose numbers JavaScript cannot hold keeps its input bytes while unchanged.
      const rec = outputRecord(doc, this.strip);
      const line = exactLine(doc.data, JSON.stringify(rec), rec);
      // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
      const room = pos + line.length * 3 + 1;
      if (room > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(room, this.buf.length * 2));
        this.buf.copy(bigger, 0, 0, pos);
        this.buf = bigger;
      }
      const buf = this.buf;
      const at = pos;
      pos += buf.write(line, pos);
      buf[pos++] = 10;
      // Cut shards record by record, so their boundaries depend only on the data.
      if (!out.fits(n + 1, pos)) {
        if (n > 0) await out.write(bytesOf(buf, 0, at), n, at);
        if (!out.fits(1, pos - at)) await out.rollover();
        buf.copyWithin(0, at, pos);
        pos -= at;
        n = 0;
      }
      n++;
      // A large batch goes out in pieces: the scratch stays about LINE_BYTES.
      if (pos >= LINE_BYTES) {
        await out.write(bytesOf(buf, 0, pos), n, pos);
        n = 0;
        pos = 0;
      }
    }
    if (n > 0) await out.write(bytesOf(this.buf, 0, pos), n, pos);
    // One huge record does not keep its scratch for the rest of the run.
    if (this.buf.length > 4 * LINE_BYTES) this.buf = Buffer.allocUnsafe(LINE_BYTES);
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

/** A copy of `buf[start, end)`: a stream keeps what it is given until it is written out. */
function bytesOf(buf: Buffer, start: number, end: number): Buffer {
  const b = Buffer.allocUnsafe(end - start);
  buf.copy(b, 0, start, end);
  return b;
}
