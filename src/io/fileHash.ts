/**
 * The SHA-256 of the files a run keeps by content (a stage module and the files it imports, a
 * url-filter list, quality rules: the plan's side files), taken one way wherever it is taken: the
 * plan's record, the check of a worker or `task` before and after its import, the check of a
 * resume. Only a regular file is read (a device put in its place is refused by io/sideFile.ts, not
 * read), in pieces, so a large one is hashed in little memory.
 */
import { createHash } from '../core/lazyBuiltins.js';
import { closeSync, readSync } from 'node:fs';
import { openSideFile, tooLarge } from './sideFile.js';

/** The SHA-256 of `bytes`, in hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The SHA-256 of the file at `path`, in hex: a regular file (links followed) of at most `max`
 * bytes, else it throws as `readSideFile` does, saying what it is; file system errors (ENOENT)
 * are thrown as they are.
 */
export function fileSha256(path: string | Buffer, max: number = Number.MAX_SAFE_INTEGER): string {
  const fd = openSideFile(path, max);
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let total = 0;
    for (;;) {
      const k = readSync(fd, buf, 0, buf.length, null);
      if (k <= 0) return hash.digest('hex');
      total += k;
      if (total > max) throw tooLarge(max);
      hash.update(k === buf.length ? buf : buf.subarray(0, k));
    }
  } finally {
    closeSync(fd);
  }
}
