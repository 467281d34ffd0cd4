import { fstatSync, writeSync } from 'node:fs';
import { isatty } from '../core/lazyBuiltins.js';

/**
 * Writing to stdout so that a write either completes or fails.
 *
 * When stdout is a file (`> out.jsonl`) or a device, Node's `process.stdout` is a synchronous
 * stream that calls `fs.writeSync` once per chunk and ignores how many bytes were written: on a
 * disk that fills up, one large chunk is written in part, the kernel reports ENOSPC only on the
 * next write, and if no write follows the output is cut short with exit 0. Here a file or device
 * is written by a loop that goes on until every byte is written, so the failure surfaces. Pipes
 * and terminals keep `process.stdout` (libuv writes them whole; a closed pipe is EPIPE).
 */

/** A failed write to stdout (full disk, file too large, a device that refuses it). */
export class StdoutError extends Error {
  override name = 'StdoutError';
  /**
   * `written`: the bytes of the failed write that were written before it failed (the lines among
   * them reached stdout whole: a failed run says how many records did).
   */
  constructor(cause: Error, readonly written = 0) {
    super(`cannot write to stdout: ${cause.message}`, { cause });
    (this as { code?: string }).code = (cause as NodeJS.ErrnoException).code;
  }
}

let direct: boolean | undefined;

/** True when fd 1 is a file or a device other than a terminal: written by our own loop. */
export function stdoutIsDirect(): boolean {
  if (direct === undefined) {
    try {
      const s = fstatSync(1);
      direct = s.isFile() || s.isBlockDevice() || (s.isCharacterDevice() && !isatty(1));
    } catch {
      direct = false;
    }
  }
  return direct;
}

/** Write all of `data` to fd 1, looping over short writes; throws the error that stops it. */
function writeAll(data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      // A non-blocking descriptor that is full for the moment: try again.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw new StdoutError(e as Error, off);
    }
    // A write of nothing would loop forever; say so instead.
    if (n === 0) throw new StdoutError(Object.assign(new Error('wrote 0 bytes'), { code: 'EIO' }), off);
    off += n;
  }
}

/**
 * Write `data` to stdout; resolves once it is written (a file) or accepted with room to spare
 * (a pipe or terminal, waiting for 'drain' when the stream is full). Rejects with a
 * StdoutError, or with the stream's own error (EPIPE when the reader went away). `written` is
 * called once all of `data` was handed to the system (for a pipe that may be after the promise
 * resolved; never when it failed).
 */
export function writeStdout(data: string | Uint8Array, written?: () => void): Promise<void> {
  if (stdoutIsDirect()) {
    try {
      writeAll(data);
      written?.();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise((resolve, reject) => {
    const out = process.stdout;
    const fail = (e: Error): void => {
      out.off('drain', done);
      reject(e);
    };
    const done = (): void => {
      out.off('error', fail);
      resolve();
    };
    out.once('error', fail);
    if (out.write(data, written === undefined ? undefined : (e) => e == null && written())) done();
    else out.once('drain', done);
  });
}

/**
 * Write a short text (help, a report) to stdout at once; a file or device gets the whole text
 * or a StdoutError. A pipe or terminal takes it through `process.stdout` (its errors go to the
 * stream's 'error' listeners).
 */
export function writeStdoutSync(text: string): void {
  if (stdoutIsDirect()) writeAll(text);
  else process.stdout.write(text);
}
