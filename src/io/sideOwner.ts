import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readUpTo } from './sideFile.js';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { showPath } from '../core/fsname.js';
import { hiddenPath } from './writers/hiddenName.js';
import { writeAtomicSync } from './writers/atomic.js';

/**
 * Whose a `--rejects` or `--stats` file is: the output it was written for (hostile review 20 F9).
 * Two commands with other outputs naming the same rejects file both exited 0, and the first
 * one's rejects were gone without a word, while `-o` in the same case is refused. A rejects file
 * corpus-clean wrote is now replaced without --overwrite only when it was written for the same
 * output (the rerun of a command that failed, whose rejects stay to say why), as `-o` replaces only
 * a failed output of its own name.
 *
 * - A stats file names its output itself (`output`, `-` for stdout).
 * - A rejects file stays JSONL with one reject per line (every reader, `wc -l` = rejected): its
 *   output is recorded beside it, in the hidden `.NAME.owner` (JSON), which holds the output of
 *   each of the last few rejects files written under that name, each told by the file's inode,
 *   size and modification time. An earlier rejects file that an --overwrite set aside and a
 *   failing command put back (a rename: the same inode and times) is known again by its entry; a
 *   file copied or edited over it matches no entry.
 * - Records sent to stdout have no name: every command writing to stdout is one output, so the
 *   rejects of one are replaced by the next one's, as `> file` replaces a file.
 * - A rejects file no entry matches (written before the owner was recorded, copied, or its
 *   `.owner` removed) is judged as before: replaced when corpus-clean wrote it.
 */

/** Entries kept in a `.owner` file: the newest rejects file, and the earlier ones an --overwrite may put back. */
const ENTRIES_KEPT = 4;

export interface Fingerprint {
  ino: number;
  size: number;
  mtime_ms: number;
}

interface OwnerEntry {
  /** The output, as an absolute path, or `-` for stdout. */
  output: string;
  command: string;
  file: Fingerprint;
}

/** `.NAME.owner` beside the rejects file `target` (where its links lead). */
export const ownerPathOf = (target: string): string => hiddenPath(target, '.owner');

/** The output a command names, as it is recorded and compared: absolute, or `-` for stdout. */
const outputKey = (output: string): string => (output === '-' ? '-' : resolve(output));

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function fingerprint(target: string): Fingerprint | undefined {
  try {
    const st = statSync(target);
    return st.isFile() ? { ino: st.ino, size: st.size, mtime_ms: st.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

const sameFile = (a: Fingerprint, b: Fingerprint): boolean => a.ino === b.ino && a.size === b.size && a.mtime_ms === b.mtime_ms;

/** The most bytes of a `.owner` file read: its few entries take a few hundred. */
const OWNER_MAX = 64 << 10;

/**
 * The text of the owner record at `path` when it is a regular file of at most OWNER_MAX bytes,
 * else undefined. Opened without following a link and without waiting (O_NONBLOCK): a FIFO there
 * held the command in its open for ever, a link to /dev/zero grew it by gigabytes (hostile review
 * 23 F9a); anything but a file of ours is no record, as a damaged one is.
 */
function readOwnerText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > OWNER_MAX) return undefined;
    return readUpTo(fd, OWNER_MAX)?.toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readEntries(ownerPath: string): OwnerEntry[] {
  try {
    const text = readOwnerText(ownerPath);
    if (text === undefined) return [];
    const o = JSON.parse(text) as { rejects_of?: unknown };
    if (!Array.isArray(o.rejects_of)) return [];
    return o.rejects_of.filter((e): e is OwnerEntry => {
      const x = e as Partial<OwnerEntry> | null;
      return x !== null && typeof x === 'object' && typeof x.output === 'string' && typeof x.command === 'string' && x.file !== null && typeof x.file === 'object' && typeof x.file.ino === 'number' && typeof x.file.size === 'number' && typeof x.file.mtime_ms === 'number';
    });
  } catch {
    return [];
  }
}

/** The rejects file at `rejects` as it is now (its inode, size and time), or undefined when there is none. */
export function rejectsFile(rejects: string): Fingerprint | undefined {
  return fingerprint(realOr(rejects));
}

/**
 * Record that the rejects file `rejects`, as it was when the command had written it (`written`,
 * from `rejectsFile`), was written by `command` for `output` (`-`: stdout), when it is still that
 * file: not when it was removed, or an earlier one put back (a command that failed leaves nothing
 * of its own beside what it put back). An empty file needs no owner (anyone replaces it: nothing to
 * lose). Best effort: a failure to record (a full disk) leaves the file judged as before, never
 * fails the command.
 */
export async function recordRejectsOwner(rejects: string, command: string, output: string, written: Fingerprint): Promise<void> {
  const target = realOr(rejects);
  const fp = fingerprint(target);
  if (fp === undefined || fp.size === 0 || !sameFile(fp, written)) return;
  const path = ownerPathOf(target);
  const entries = readEntries(path).filter((e) => !sameFile(e.file, fp));
  entries.push({ output: outputKey(output), command, file: fp });
  // Written and renamed synchronously: a signal landing after the command's outputs are in place
  // finds the record either written or not begun (CI: interrupt21's G0 case left
  // '..orj.jsonl.owner.tmp-PID-a2' when it was written asynchronously).
  try {
    writeAtomicSync(path, JSON.stringify({ rejects_of: entries.slice(-ENTRIES_KEPT) }) + '\n');
  } catch {
    // judged as a rejects file of no recorded output
  }
}

/** The entry of the rejects file at `rejects` as it is now, or undefined when none is recorded. */
function rejectsOwner(rejects: string): OwnerEntry | undefined {
  const target = realOr(rejects);
  const fp = fingerprint(target);
  if (fp === undefined) return undefined;
  return readEntries(ownerPathOf(target)).find((e) => sameFile(e.file, fp));
}

/** The output and command a stats file names, or undefined when it does not read as one. */
function statsOwner(path: string): { output: string; command: string } | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as { output?: unknown; command?: unknown } | null;
    if (o === null || typeof o !== 'object' || typeof o.output !== 'string') return undefined;
    return { output: o.output, command: typeof o.command === 'string' ? o.command : '?' };
  } catch {
    return undefined;
  }
}

/** Whether two outputs (as recorded, or as named) are one: both stdout, or one path (links followed). */
function sameOutput(recorded: string, named: string): boolean {
  if (recorded === '-' || named === '-') return recorded === named;
  const a = resolve(recorded);
  const b = resolve(named);
  return a === b || realOr(a) === realOr(b);
}

/** An output as the refusal shows it: relative to the working folder when it is below it. */
function shownOutput(recorded: string, command: string): string {
  if (recorded === '-') return `records sent to stdout by corpus-clean ${command}`;
  const rel = relative(process.cwd(), recorded);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : recorded;
  return `'${showPath(shown)}', written by corpus-clean ${command}`;
}

/**
 * For a `--rejects`/`--stats` file corpus-clean wrote (`notOwnSideFile` took it for one): what
 * it is when it was written for another output than `output` (`-` for stdout), for the refusal
 * ("... already exists and it holds the rejects of another output (...)"), else undefined.
 * Empty files, the files of the command's own output folder (`ownFolder`), and files whose
 * output is not recorded are not refused here.
 */
export function notThisOutputs(path: string, kind: 'rejects' | 'stats', output: string, ownFolder?: string): string | undefined {
  const target = realOr(path);
  if (fingerprint(target)?.size === 0) return undefined;
  if (ownFolder !== undefined) {
    const dir = dirname(target);
    if (dir === resolve(ownFolder) || dir === realOr(resolve(ownFolder))) return undefined;
  }
  const owner = kind === 'rejects' ? rejectsOwner(path) : statsOwner(target);
  if (owner === undefined || sameOutput(owner.output, output)) return undefined;
  return `it holds the ${kind} of another output (${shownOutput(owner.output === '-' ? '-' : resolve(owner.output), owner.command)})`;
}
