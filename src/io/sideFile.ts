/**
 * Files read whole besides the records (a stage module, a url-filter or flagged-words list, quality
 * rules, a repair schema; the owner record beside a rejects file, io/sideOwner.ts): read only when
 * they are what they should be, and only up to a size (hostile review 23 F9a, 23b F9d). A module of
 * its own with no heavy imports: every stage that reads a file loads it.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

/**
 * The bytes left in `fd` up to its end, or undefined when there are more than `max` (a file that
 * grew since its size was taken, a pipe that does not end): never more than `max` + 1 are read.
 */
export function readUpTo(fd: number, max: number): Buffer | undefined {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
    const k = readSync(fd, buf, 0, buf.length, null);
    if (k <= 0) return Buffer.concat(parts, total);
    parts.push(k === buf.length ? buf : buf.subarray(0, k));
    total += k;
    if (total > max) return undefined;
  }
}

/** The most bytes of a stage module of one's own read (code: a few hundred kB is much). */
export const MODULE_MAX = 64 << 20;
/** The most bytes of a list or rules file a stage reads (a url-filter or flagged-words list): well under what one string holds. */
export const LIST_MAX = 256 << 20;

/** Whether a file a stage module imports is code (JavaScript or TypeScript, by its name), searched for the files it imports in turn. */
export const isCode = (path: string): boolean => /\.(?:[cm]?jsx?|[cm]?tsx?)$/.test(path);

/**
 * The most bytes of a file a stage module imports: code as much as a module, data (a JSON file
 * imported with `{ type: 'json' }`, a .wasm) as much as a list.
 */
export const importMax = (path: string): number => (isCode(path) ? MODULE_MAX : LIST_MAX);

const mb = (n: number): string => `${Math.round(n / (1 << 20))} MiB`;

/** What a file that is not a regular one is, in words. */
function kindOf(st: { isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device (such as /dev/zero)';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of a file a stage reads besides the records (its module, a url-filter list): only a
 * regular file of at most `max` bytes (links followed), or with `pipes` a FIFO or pipe (bash's
 * `<(...)`) that ends within `max` bytes. Anything else throws, saying what it is, before a byte
 * is read: a list or module that was /dev/zero (or a link to it) was read whole, 4.8 GB and 16.8
 * GB, past SIGTERM (hostile review 23b F9d, the sibling of the owner record's F9a above).
 * File system errors (ENOENT) are thrown as they are.
 */
export function readSideFile(path: string, max: number, o: { pipes?: boolean } = {}): Buffer {
  const fd = openSideFile(path, max, o);
  try {
    const bytes = readUpTo(fd, max);
    if (bytes === undefined) throw tooLarge(max);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/**
 * A side file opened for reading (the caller closes it), once it is known to be what `readSideFile`
 * reads: a regular file of at most `max` bytes (or with `pipes` a FIFO or pipe). Throws as it does.
 */
export function openSideFile(path: string | Buffer, max: number, o: { pipes?: boolean } = {}): number {
  const pipe = o.pipes === true && statSync(path).isFIFO();
  // A regular file is opened without waiting (a FIFO put in its place meanwhile is refused, not waited on).
  const fd = openSync(path, constants.O_RDONLY | (pipe ? 0 : constants.O_NONBLOCK));
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !(pipe && st.isFIFO())) throw new Error(`it is ${kindOf(st)}, not a file`);
    if (st.isFile() && st.size > max) throw new Error(`it holds ${mb(st.size)}, more than the ${mb(max)} such a file may hold`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** More bytes than a side file may hold, read from one that grew since it was opened. */
export function tooLarge(max: number): Error {
  return new Error(`it holds more than the ${mb(max)} such a file may hold`);
}
