import { open, rename, unlink, mkdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Doc } from '../../core/doc.js';
import type { DocSink } from '../../core/pipeline.js';
import { UsageError } from '../../core/errors.js';
import { outputRecord } from './jsonl.js';

/** Options of the JSON-array writer. */
export interface JsonArrayOptions {
  /** The `.json` file to write. Written under a temporary name and renamed on `close`. */
  output: string;
  /** Leave the `attrs` signals out of the output records; default false (keep them). */
  stripAttrs?: boolean;
}

let serial = 0;

/**
 * Writes one file holding a single JSON array, one record per line:
 * `[\n{...},\n{...}\n]\n` (`[]\n` when empty). This is the `.json` form XTuner's docs show and
 * `json.load`-based loaders need. Streaming: records are written as batches arrive, never held.
 * Atomic: the file is written as `.<name>.tmp-<pid>-<n>` beside the target and renamed on
 * `close`; `abort` deletes it, so a failed run leaves nothing that looks complete.
 */
export class JsonArrayWriter implements DocSink {
  private handle: FileHandle | null = null;
  private readonly tmp: string;
  private first = true;
  private done = false;
  private readonly strip: boolean;

  constructor(private readonly o: JsonArrayOptions) {
    if (o.output === '-' || o.output.endsWith('/')) throw new UsageError(`JSON array output must be a file path, got '${o.output}'`);
    this.tmp = join(dirname(o.output), `.${basename(o.output)}.tmp-${process.pid}-${serial++}`);
    this.strip = o.stripAttrs ?? false;
  }

  /** The final path, valid once `close` has resolved. */
  get path(): string {
    return this.o.output;
  }

  private async file(): Promise<FileHandle> {
    if (this.handle === null) {
      await mkdir(dirname(this.o.output), { recursive: true });
      this.handle = await open(this.tmp, 'w');
      await this.handle.write('[');
    }
    return this.handle;
  }

  async write(batch: Doc[]): Promise<void> {
    if (this.done) throw new Error('JsonArrayWriter: write after close');
    if (batch.length === 0) return;
    let block = '';
    for (const doc of batch) {
      block += (this.first ? '\n' : ',\n') + JSON.stringify(outputRecord(doc, this.strip));
      this.first = false;
    }
    await (await this.file()).write(block);
  }

  async close(): Promise<void> {
    if (this.done) return;
    const h = await this.file();
    this.done = true;
    await h.write(this.first ? ']\n' : '\n]\n');
    await h.sync();
    await h.close();
    this.handle = null;
    await rename(this.tmp, this.o.output);
  }

  async abort(): Promise<void> {
    this.done = true;
    if (this.handle !== null) {
      await this.handle.close().catch(() => {});
      this.handle = null;
    }
    await unlink(this.tmp).catch(() => {});
  }
}
