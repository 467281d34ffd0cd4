import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsPath, showPath } from '../core/fsname.js';
import type { DocSource, ReadEvents } from '../core/pipeline.js';

/**
 * Inputs replaced while a command reads them (hostile review 6 F23: `quality X` while `cat -o X/
 * --overwrite` replaced X's shards ended with a bare "ENOENT ... X/part-00006.jsonl", or read a
 * mix of old and new shards with exit 0). What each input file was when the command began
 * (device, inode, size, modification time) is compared with what the path holds before the file
 * is opened (a file gone, another file under the name, or a file changed since it was listed)
 * and after it was read (gone or another file: it may have been opened after the swap): either
 * stops the command (exit 1, its output removed) with one line naming the input. What is
 * detected is a read that may mix versions of a set of files. No lock is taken on inputs: a reader may not write into the folder it
 * reads (read-only media), and the writer's `--overwrite` is not refused while one reads.
 */

/** What one input file was when the command began. */
interface Facts {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

/** The input facts of a command: each file's, and the folders that were finished outputs (their `_SUCCESS`). */
export interface InputFacts {
  /** null: the file was already gone when the facts were taken (listed, then removed). */
  files: Map<string, Facts | null>;
  finished: Set<string>;
}

/** Error code of an input replaced while it was read (told as its one line, exit 1). */
export const INPUT_REPLACED = 'ERR_INPUT_REPLACED';

/** Take the facts of `files` (`-`, stdin, has none; a file that cannot be stat'ed is left to its reader). */
export function takeInputFacts(files: readonly string[], marker: string): InputFacts {
  const facts: InputFacts = { files: new Map(), finished: new Set() };
  const dirs = new Map<string, boolean>();
  for (const f of files) {
    if (f === '-') continue;
    let st;
    try {
      st = statSync(fsPath(f), { bigint: true, throwIfNoEntry: false });
    } catch {
      continue; // unreadable: its reader says why
    }
    if (st !== undefined && !st.isFile()) continue;
    // Gone since the inputs were listed: already a replacement under way (its reader would fail
    // with a bare ENOENT).
    facts.files.set(f, st === undefined ? null : { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs });
    if (st === undefined) continue;
    const d = dirname(f);
    if (!dirs.has(d)) dirs.set(d, existsSync(fsPath(join(d, marker))));
    if (dirs.get(d) === true) facts.finished.add(f);
  }
  return facts;
}

/**
 * Throws the one-line error when `file` is no longer the file its facts describe. `read`: the
 * file was just read: only its name is checked (gone, another file under it); a change in place
 * while it was read is the reader's to tell (a file that shrank: damage, its records before kept).
 */
function check(file: string, facts: InputFacts, read = false): void {
  const was = facts.files.get(file);
  if (was === undefined) return;
  if (was === null) throw Object.assign(new Error(`'${showPath(file)}' was replaced while it was read (another command's --overwrite?): it was gone once listed; nothing was written`), { code: INPUT_REPLACED });
  let now;
  try {
    now = statSync(fsPath(file), { bigint: true, throwIfNoEntry: false });
  } catch {
    now = undefined;
  }
  let what: string | undefined;
  if (now === undefined) what = 'is gone';
  else if (now.dev !== was.dev || now.ino !== was.ino) what = 'is another file now';
  else if (read) return;
  else if (now.size !== was.size) what = `was ${was.size} bytes, ${now.size} now`;
  else if (now.mtimeNs !== was.mtimeNs) what = 'was modified';
  if (what === undefined) return;
  // A shard of a finished output folder: that folder was replaced (another command's --overwrite).
  const whole = facts.finished.has(file) ? `${dirname(file)}/` : file;
  const part = whole === file ? `it ${what}` : `'${showPath(file)}' ${what}`;
  throw Object.assign(new Error(`'${showPath(whole)}' was replaced while it was read (another command's --overwrite?): ${part}; nothing was written`), { code: INPUT_REPLACED });
}

/** `src` (reading the files of `facts` in order), stopped when an input is replaced under it. */
export function unchangedInputs(src: DocSource, facts: InputFacts): DocSource {
  if (facts.files.size === 0) return src;
  return {
    async *read(events) {
      let current: string | undefined;
      const ev: ReadEvents = {
        read: (n, b) => events.read(n, b),
        reject: (r, n) => events.reject(r, n),
        fileError: (e) => events.fileError(e),
        file(p) {
          // The file just read (its bytes came from the file it was), then the next before it opens.
          if (current !== undefined) check(current, facts, true);
          check(p, facts);
          current = p;
          events.file(p);
        },
        ...(events.drain !== undefined ? { drain: () => events.drain!() } : {}),
        // Rejects that keep a record as read ask the reader for its line (new-user review 16 F19:
        // dropped here, a command's rejects re-serialised the records of its input files).
        ...(events.recordText === true ? { recordText: true } : {}),
      };
      yield* src.read(ev);
      if (current !== undefined) check(current, facts, true);
    },
  };
}
