import { closeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { whileWaitingForReader } from '../fifos.js';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Doc } from '../../core/doc.js';
import type { DocSink } from '../../core/pipeline.js';
import { UsageError } from '../../core/errors.js';
import { outputRecord } from './jsonl.js';
import { exactLine } from '../json.js';
import { outputTarget } from '../outputs.js';
import { OutputError } from './sharded.js';
import { openTemporary, temporaryDone, writeAll } from './atomic.js';
import { FolderError, makeDir } from '../dirs.js';
import { showPath } from '../../core/fsname.js';

/** Options of the JSON-array writer. */
export interface JsonArrayOptions {
  /** The `.json` file to write. Written under a temporary name and renamed on `close`. */
  output: string;
  /** Leave the `attrs` signals out of the output records; default false (keep them). */
  stripAttrs?: boolean;
}

/**
 * Writes one file holding a single JSON array, one record per line:
 * `[\n{...},\n{...}\n]\n` (`[]\n` when empty). This is the `.json` form XTuner's docs show and
 * `json.load`-based loaders need. Streaming: records are written as batches arrive, never held.
 * Atomic: the file is written as `.<name>.tmp-<pid>-a<n>` beside the target and renamed on
 * `close`; `abort` deletes it, so a failed run leaves nothing that looks complete.
 */
export class JsonArrayWriter implements DocSink {
  private handle: FileHandle | null = null;
  private tmp: string | null = null;
  private target: string;
  private first = true;
  private done = false;
  /** The file was renamed into place by `close`. */
  private published = false;
  private readonly strip: boolean;
  /** Records written into the array so far. */
  private records = 0;
  /**
   * Records that reached the output where a reader finds them: all of them once the array is
   * closed (`]`), none before (what a failed command says it wrote).
   */
  reached = 0;

  constructor(private readonly o: JsonArrayOptions) {
    if (o.output === '-' || o.output.endsWith('/')) throw new UsageError(`JSON array output must be a file path, got '${showPath(o.output)}'`);
    this.target = o.output;
    this.strip = o.stripAttrs ?? false;
  }

  /** The final path, valid once `close` has resolved. */
  get path(): string {
    return this.o.output;
  }

  private async file(): Promise<FileHandle> {
    if (this.done && this.handle === null) throw new Error('JsonArrayWriter: write after close or abort');
    if (this.handle === null) {
      try {
        await makeDir(dirname(this.o.output));
        const t = await outputTarget(this.o.output);
        this.target = t.path;
        // A device or FIFO is written in place (its open may wait for a reader); a file under a
        // temporary name, made synchronously (writers/atomic.ts openTemporary: one opened in the
        // thread pool was made after a signal's abort and exit had looked for it, and was left,
        // writerTemps24), then opened again as a handle, which makes nothing: a handle's close
        // waits for the writes under way, where an abort may close it.
        if (t.direct) this.handle = await whileWaitingForReader(t.path, open(t.path, 'w'));
        else {
          const made = openTemporary(t.path);
          this.tmp = made.path;
          try {
            this.handle = await open(made.path, 'r+');
          } finally {
            closeSync(made.fd);
          }
        }
        await writeAll(this.handle, '[');
      } catch (e) {
        await this.abort();
        throw e instanceof FolderError ? e : new OutputError(this.o.output, e as Error);
      }
    }
    return this.handle;
  }

  async write(batch: Doc[]): Promise<void> {
    if (this.done) throw new Error('JsonArrayWriter: write after close');
    if (batch.length === 0) return;
    let block = '';
    for (const doc of batch) {
      const rec = outputRecord(doc, this.strip);
      block += (this.first ? '\n' : ',\n') + exactLine(doc.data, JSON.stringify(rec), rec);
      this.first = false;
    }
    const h = await this.file();
    try {
      await writeAll(h, block);
    } catch (e) {
      await this.abort();
      throw new OutputError(this.o.output, e as Error);
    }
    this.records += batch.length;
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** The `close` under way: an abort waits for it, else a rename it ends after the abort looked leaves the file (F13). */
  private closing: Promise<void> | null = null;

  private async finish(): Promise<void> {
    if (this.done) return;
    const h = await this.file();
    this.done = true;
    try {
      await writeAll(h, this.first ? ']\n' : '\n]\n');
      this.reached = this.records;
      if (this.tmp !== null) await h.sync();
      this.handle = null;
      await h.close();
      if (this.tmp !== null) {
        await rename(this.tmp, this.target);
        temporaryDone(this.tmp);
        this.published = true;
      }
    } catch (e) {
      this.handle = h;
      await this.removeAll();
      throw new OutputError(this.o.output, e as Error);
    }
  }

  /** Give up: remove the temporary, or the file when it was published already (the run was cut short after it). */
  abort(): Promise<void> {
    // One abort for all callers: a second one waits for the removal (see ShardedWriter.abort).
    this.aborting ??= (async () => {
      await this.closing?.catch(() => {});
      await this.removeAll();
    })();
    return this.aborting;
  }

  private aborting: Promise<void> | null = null;

  private async removeAll(): Promise<void> {
    this.done = true;
    if (this.published) {
      this.published = false;
      await unlink(this.target).catch(() => {});
    }
    if (this.handle !== null) {
      await this.handle.close().catch(() => {});
      this.handle = null;
    }
    if (this.tmp !== null) {
      await unlink(this.tmp).catch(() => {});
      temporaryDone(this.tmp);
    }
  }
}
