import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { namedOutputError } from './sharded.js';
import { writeAtomicSync } from './atomic.js';

/**
 * The files a run keeps between its units (`_work/`: spills, a global stage's keys, signatures,
 * buckets, seals) are written by these, as the shard and rejects writers write theirs: a failure
 * of the file system (ENOSPC, EIO) is one `OutputError` naming the file, and nothing partial is
 * left behind (hostile review 6 F6: "ENOSPC: no space left on device, write", no file named, and
 * a `.tmp` left in `_work`). The unit that failed is not marked done, so a rerun writes it again.
 */

/** Remove `path` if it is there; a failure to remove is not the error worth reporting. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the write's own error is the one reported
  }
}

/** Write `data` to `path` in place; on failure the partial file is removed and the error names `path`. */
export function writeWorkFile(path: string, data: string | NodeJS.ArrayBufferView): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    removeQuietly(path);
    throw namedOutputError(path, e);
  }
}

/**
 * Write `parts` one after the other to `path` in place, each written before the next is asked
 * for (a generator may refill one buffer: a file of many sections without a buffer of its
 * size); on failure the partial file is removed and the error names `path`.
 */
export function writeWorkFileParts(path: string, parts: Iterable<Uint8Array>): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    for (const b of parts) {
      for (let off = 0; off < b.length; ) {
        const n = writeSync(fd, b, off, b.length - off);
        if (n <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO', syscall: 'write' });
        off += n;
      }
    }
    const f = fd;
    fd = undefined;
    closeSync(f);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // the write's own error is the one reported
      }
    }
    removeQuietly(path);
    throw namedOutputError(path, e);
  }
}

/**
 * Write `data` to a temporary beside `path` (`tmp`, by default `.NAME.tmp-PID-aN`), then rename
 * it to `path`; on failure the temporary is removed and the error names `path`. The one
 * synchronous temporary-and-rename of the writers: atomic.ts's writeAtomicSync.
 */
export function writeWorkFileAtomic(path: string, data: string | NodeJS.ArrayBufferView, tmp?: string): void {
  writeAtomicSync(path, data, tmp);
}

/**
 * A write stream of a work file whose failure is kept (never an unhandled 'error' event that ends
 * the process with a stack trace) and thrown, naming `name`, by the next `put` or `end`.
 */
export class WorkStream {
  private failure: unknown;

  constructor(
    readonly stream: WriteStream,
    private readonly name: string,
  ) {
    stream.on('error', (e) => {
      this.failure ??= e;
    });
  }

  private check(): void {
    if (this.failure !== undefined) throw namedOutputError(this.name, this.failure);
  }

  /** Write `parts`, waiting for the stream to drain when it asks to. */
  async put(...parts: Buffer[]): Promise<void> {
    this.check();
    let ok = true;
    for (const b of parts) ok = this.stream.write(b);
    if (!ok) await this.settle('drain');
    this.check();
  }

  /** End the stream and wait until its file is closed. */
  async end(): Promise<void> {
    this.check();
    this.stream.end();
    await this.settle('close');
    this.check();
  }

  /** Wait for `event`, or for the stream to fail or close (a failed stream emits neither 'drain' nor 'finish'). */
  private async settle(event: 'drain' | 'close'): Promise<void> {
    const s = this.stream;
    if (s.closed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        s.off(event, done);
        s.off('close', done);
        s.off('error', done);
        resolve();
      };
      s.on(event, done);
      s.on('close', done);
      s.on('error', done);
    });
  }

  /** Destroy the stream (an aborted unit). */
  destroy(): void {
    this.stream.destroy();
  }
}
