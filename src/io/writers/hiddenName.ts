import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/**
 * The hidden files a writer keeps beside a file `NAME` (its lock `.NAME.lock`, its temporaries
 * `.NAME.tmp-PID-N`) add bytes to its name: for a long output name they pass NAME_MAX, the 255
 * bytes a file name may hold on Linux and macOS, and the command failed with ENAMETOOLONG
 * (hostile review 10 F37). Such a name is shortened: the first SHORT_HEAD bytes of `NAME`, `~`
 * and a hash of the whole name, so that it stays recognisable and one name per output.
 */

/** The longest file name, in bytes (NAME_MAX on Linux, macOS and the usual file systems). */
export const NAME_MAX = 255;
/** Bytes of the output's name kept at the head of a shortened hidden name. */
const SHORT_HEAD = 100;

/** The first `max` bytes of `s`, cut at a character boundary. */
function headBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** `.HEAD~HASH`: the start of every shortened hidden name of the file named `base`. */
export function shortPrefix(base: string): string {
  // node:crypto loaded here, for the rare long name, not with every command (issue #16, twentieth pass)
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return `.${headBytes(base, SHORT_HEAD)}~${createHash('sha256').update(base).digest('hex').slice(0, 16)}`;
}

/** `.HEAD~`: what the shortened hidden names of every file whose name starts with `start` begin with (start of SHORT_HEAD bytes or more). */
export function shortHead(start: string): string | undefined {
  return Buffer.byteLength(start) >= SHORT_HEAD ? `.${headBytes(start, SHORT_HEAD)}~` : undefined;
}

/** The hidden file `.NAME<suffix>` beside `file`, shortened when that name would pass NAME_MAX bytes. */
export function hiddenPath(file: string, suffix: string): string {
  const base = basename(file);
  const plain = `.${base}${suffix}`;
  return join(dirname(file), Buffer.byteLength(plain) <= NAME_MAX ? plain : `${shortPrefix(base)}${suffix}`);
}

/** The lock of a file output (or of `--rejects`/`--stats`): `.NAME.lock` beside it, shortened when too long. */
export function lockPathFor(file: string): string {
  return hiddenPath(file, '.lock');
}
