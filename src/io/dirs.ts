import { existsSync, lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { lstat, mkdir, readlink, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { showPath } from '../core/fsname.js';

/**
 * Creating folders with their parents (`mkdir -p`), without Node's `mkdir(p, {recursive: true})`.
 *
 * Node's recursive mkdir takes ENOENT as "the parent is missing", creates the parent (EEXIST:
 * fine) and tries the child again, for ever, when the parent exists but cannot hold a new
 * folder: anything under /proc or /sys, or a symbolic link to nothing. `run --output /proc/x`
 * hung for good (the async form never settles, the sync form spins a core). Here each missing
 * folder is made once, from the nearest existing one down; an ENOENT after its parent exists is
 * final and says why.
 */

/** A folder that could not be made; `code` is the system error's (ENOENT, EACCES, ...). */
export class FolderError extends Error {
  override name = 'FolderError';
  constructor(what: string, path: string, why: string, cause: NodeJS.ErrnoException) {
    super(`cannot create ${what} '${showPath(path)}': ${why}`, { cause });
    (this as { code?: string }).code = cause.code;
  }
}

/** The system error's code and text without the path Node appends (`ENOENT: no such file or directory`). */
function errnoText(e: NodeJS.ErrnoException): string {
  return e.message.replace(/, \w+ '.*'$/s, '');
}

interface Probe {
  /** stat of the path, or null when it (or a link's target) does not exist. */
  stat(p: string): { isDirectory(): boolean } | null;
  /** The target of a symbolic link, or null when `p` is not one. */
  link(p: string): string | null;
}

/** Why making `p` failed with `e`, in words. `parentExists`: its parent was there (or just made). */
function explain(p: string, e: NodeJS.ErrnoException, probe: Probe, parentExists: boolean): string {
  if (e.code === 'EEXIST') {
    const to = probe.link(p);
    if (to !== null && probe.stat(p) === null) return `'${showPath(p)}' is a symbolic link to '${showPath(to)}', which does not exist`;
    return `'${showPath(p)}' exists and is not a folder`;
  }
  if (e.code === 'ENOTDIR') return `${errnoText(e)}: a file stands where a folder is needed on the way`;
  if (e.code === 'ENOENT' && parentExists) return `${errnoText(e)}: '${showPath(dirname(p))}' exists but takes no new folders (as /proc and /sys)`;
  return errnoText(e);
}

/**
 * Make `path` and its missing parents; `what` names it in the error (`output folder`). Returns
 * the folders it made, parents first (a command that leaves no output removes them again).
 */
export async function makeDir(path: string, what = 'folder'): Promise<string[]> {
  const list: string[] = [];
  // The folder is there nearly always (a work file's, a marker's): one stat, not a mkdir that
  // fails with EEXIST (an error made, with its message and stack, then a stat all the same).
  if ((await stat(path).catch(() => null))?.isDirectory()) return list;
  const made = async (p: string, parentExists: boolean): Promise<void> => {
    try {
      await mkdir(p);
      list.push(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const st = await stat(p).catch(() => null);
      if (err.code === 'EEXIST' && st?.isDirectory()) return;
      if (err.code === 'ENOENT' && !parentExists && dirname(p) !== p) {
        await made(dirname(p), false);
        return made(p, true);
      }
      const link = (await lstat(p).catch(() => null))?.isSymbolicLink() ? await readlink(p).catch(() => '?') : null;
      throw new FolderError(what, path, explain(p, err, { stat: () => st, link: () => link }, parentExists), err);
    }
  };
  try {
    await made(resolve(path), false);
  } catch (e) {
    // One folder made and the next refused (a full disk: no inode left for it): the ones made
    // here go again, deepest first, so that a command that stops for it leaves none of them
    // (new-user review 19 F1: 'a/' and 'a/b/' were left by `-o a/b/c/out.jsonl`). Only these:
    // a folder that was there before is never removed, nor one something was put in meanwhile.
    for (const d of list.reverse()) await rmdir(d).catch(() => {});
    throw e;
  }
  return list;
}

/**
 * The folders makeDir(path) would make: `path` and its parents that do not exist, parents first
 * (a command lists them before making them, so that a failure half way removes what was made).
 */
export function missingFolders(path: string): string[] {
  const list: string[] = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) {
    list.unshift(p);
    if (dirname(p) === p) break;
  }
  return list;
}

/** makeDir, synchronously (for code that runs in a worker's synchronous steps). */
export function makeDirSync(path: string, what = 'folder'): void {
  const probe: Probe = {
    stat: (p) => {
      try {
        return statSync(p);
      } catch {
        return null;
      }
    },
    link: (p) => {
      try {
        return lstatSync(p).isSymbolicLink() ? readlinkSync(p) : null;
      } catch {
        return null;
      }
    },
  };
  const made = (p: string, parentExists: boolean): void => {
    try {
      mkdirSync(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST' && probe.stat(p)?.isDirectory()) return;
      if (err.code === 'ENOENT' && !parentExists && dirname(p) !== p) {
        made(dirname(p), false);
        return made(p, true);
      }
      throw new FolderError(what, path, explain(p, err, probe, parentExists), err);
    }
  };
  // As makeDir: a folder that is there costs one stat (with no error made), not mkdir + EEXIST + stat.
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return;
  } catch {
    // made() below says why it cannot be made
  }
  made(resolve(path), false);
}
