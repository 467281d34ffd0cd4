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
 * shard. Records are serialised with `JSON.stringify`, one batch per write.
 */
export class JsonlWriter implements DocSink {
  private readonly out: ShardedWriter;
  private readonly strip: boolean;

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

  async write(batch: Doc[]): Promise<void> {
    const out = this.out;
    const sized = out.bySize;
    let block = '';
    let n = 0;
    let bytes = 0;
    for (const doc of batch) {
      // A record whose numbers JavaScript cannot hold keeps its input bytes while unchanged.
      const rec = outputRecord(doc, this.strip);
      const line = exactLine(doc.data, JSON.stringify(rec), rec) + '\n';
      const b = sized ? Buffer.byteLength(line) : 0;
      // Cut shards record by record, so their boundaries depend only on the data.
      if (!out.fits(n + 1, bytes + b)) {
        if (n > 0) await out.write(block, n, bytes);
        if (!out.fits(1, b)) await out.rollover();
        block = '';
        n = 0;
        bytes = 0;
      }
      block += line;
      n++;
      bytes += b;
    }
    if (n > 0) await out.write(block, n, bytes);
  }

  close(): Promise<void> {
    return this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}
