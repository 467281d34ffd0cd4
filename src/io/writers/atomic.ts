import type { FileHandle } from 'node:fs/promises';
import { close, fsync, openSync, renameSync, unlinkSync, writeFileSync, writeSync, writeFile as writeFd } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname } from 'node:path';
import { outputTarget } from '../outputs.js';
import { OutputError } from './sharded.js';
import { makeDir } from '../dirs.js';
import { hiddenPath } from './hiddenName.js';
import { whileWaitingForReader } from '../fifos.js';

let serial = 0;
// Made at first use: this module is in the bundle's shared chunk, whose top level does no work (bundle.test).
let fdCalls: { write: (fd: number, data: string | Uint8Array) => Promise<void>; sync: (fd: number) => Promise<void>; close: (fd: number) => Promise<void> } | undefined;
const fdOps = (): NonNullable<typeof fdCalls> => (fdCalls ??= { write: promisify(writeFd), sync: promisify(fsync), close: promisify(close) });
const fdWrite = (f: number, data: string | Uint8Array): Promise<void> => fdOps().write(f, data);
const fdSync = (f: number): Promise<void> => fdOps().sync(f);
const fdClose = (f: number): Promise<void> => fdOps().close(f);
/** The temporary of an atomic write of `target`: hidden beside it, named by this process and a serial number. */
const tempPathFor = (target: string): string => hiddenPath(target, `.tmp-${process.pid}-a${serial++}`);
/** Temporaries of writes under way: removed when the process exits (a signal's `process.exit` cuts a write short). */
const underWay = new Set<string>();
/** Set once a signal is stopping the process: no write is completed (renamed) from then on. */
let halted = false;
process.once('exit', () => {
  for (const t of underWay) {
    try {
      unlinkSync(t);
    } catch {
      // not made yet, or already gone
    }
  }
});

/**
 * A signal is stopping the process (cli/interrupt.ts): a small file being written is not
 * completed (its temporary is removed instead of renamed), and any temporary still there when the
 * process exits is removed. A marker or stats file must not appear while the output it describes
 * is being removed (F25).
 */
export function haltAtomicWrites(): void {
  halted = true;
  for (const wake of paused.splice(0)) wake();
}

/** Writes held by the test seam below, let go at once by a halt (the write then stops before its rename). */
const paused: (() => void)[] = [];

/**
 * A test seam only (fault-injection tests, as CORPUS_CLEAN_FAIL_UNIT): with
 * CORPUS_CLEAN_PAUSE_ATOMIC=NAME, the write of a file named NAME stops for a minute between its
 * temporary and the rename, so a test can send a signal at that point (a signal's halt ends the pause).
 */
async function pauseForTest(path: string): Promise<void> {
  const name = process.env.CORPUS_CLEAN_PAUSE_ATOMIC;
  if (name !== undefined && name === basename(path) && !halted) {
    await new Promise<void>((r) => {
      const t = setTimeout(r, 60_000);
      paused.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }
}

/**
 * Write a small file atomically: a temporary beside it, then a rename. A symlink is followed; a
 * device or FIFO is written in place. On any failure the temporary is removed and one
 * `OutputError` naming the path is thrown. `own`: a file of the run's own bookkeeping (`_done/`,
 * `_work/`, `_stats/`), which no user names as an output: written where it is named, without
 * looking for a link, device or descriptor there (two lstats and an ENOENT error made and thrown
 * per new file, ~8 such files per task: #16, seventeenth pass).
 */
export async function writeAtomic(path: string, text: string | Buffer, own = false): Promise<void> {
  await makeDir(dirname(path));
  const target: { path: string; direct: boolean; fd?: number } = own ? { path, direct: false } : await outputTarget(path);
  if (target.direct) {
    try {
      // A descriptor of this process that is a file: written at its offset, not truncated.
      if (target.fd !== undefined) {
        const buf = Buffer.from(text);
        for (let off = 0; off < buf.length; ) {
          const n = writeSync(target.fd, buf, off, buf.length - off);
          if (n <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
          off += n;
        }
        return;
      }
      await whileWaitingForReader(target.path, writeFile(target.path, text));
    } catch (e) {
      throw new OutputError(path, e as Error);
    }
    return;
  }
  // Nothing new is begun once a signal is stopping the process (the run's temporaries are being swept).
  if (halted) throw new OutputError(path, new Error('interrupted before it was begun'));
  let tmp: string | undefined;
  try {
    const made = openTemporary(target.path);
    tmp = made.path;
    const fd = made.fd;
    try {
      await fdWrite(fd, text);
      await fdSync(fd);
      await pauseForTest(target.path);
    } finally {
      await fdClose(fd);
    }
    if (halted) throw new Error('interrupted before it was complete');
    await rename(tmp, target.path);
  } catch (e) {
    if (tmp !== undefined) await unlink(tmp).catch(() => {});
    throw new OutputError(path, e as Error);
  } finally {
    if (tmp !== undefined) temporaryDone(tmp);
  }
}

/**
 * Make the temporary of a write of `target` (`.NAME.tmp-PID-aN` beside it) and open it for
 * writing, synchronously, and list it among the temporaries under way (removed when the process
 * exits): the one way a writer of this process makes a temporary that a signal may interrupt. An
 * open in the thread pool ends even after a signal's abort looked for the file and after the
 * process's 'exit' listeners removed the temporaries under way (the exit waits for the pool's
 * work), so a signal landing while it was under way left the empty temporary (interrupt23: the
 * small files here; writerTemps24: the JSON-array writer's file). A signal's handler runs between
 * turns of the event loop: it finds the temporary made and listed, or not begun. Call
 * `temporaryDone` once it is renamed or removed.
 */
export function openTemporary(target: string): { path: string; fd: number } {
  const path = tempPathFor(target);
  const fd = openSync(path, 'w');
  underWay.add(path);
  return { path, fd };
}

/** The temporary `path` (of `openTemporary`) was renamed into place or removed: not removed at exit. */
export function temporaryDone(path: string): void {
  underWay.delete(path);
}

/**
 * Write a small file of the run's own bookkeeping atomically and synchronously: a temporary beside
 * it (`tmp`, by default named as writeAtomic's), then a rename, written where it is named. A signal
 * cannot cut it: its handler runs between event-loop turns, so the file is found either written or
 * not begun, and no temporary is left whose open was still in the thread pool when the exit
 * removed the temporaries under way. For a record written after a command's outputs are in place
 * (the rejects file's owner, sideOwner.ts), which is written even when a signal is stopping the
 * process (it describes a file that is there), and for the work files a run keeps between its
 * units (workFile.ts writeWorkFileAtomic: a failure record, a seal, a signature shard's meta). On
 * failure the temporary is removed and one `OutputError` naming `path` is thrown.
 */
export function writeAtomicSync(path: string, text: string | NodeJS.ArrayBufferView, tmp = tempPathFor(path)): void {
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // not made
    }
    throw new OutputError(path, e as Error);
  }
}

/**
 * Write all of `data` at the handle's position. `FileHandle.write` makes one write(2), which
 * may take only part of the bytes (the file size limit or a disk filling up mid-write) and says
 * so only in `bytesWritten`; the rest is written here, so that the next write fails (EFBIG,
 * ENOSPC) instead of a shard being cut silently (hostile review 7 F10's sibling).
 */
export async function writeAll(h: FileHandle, data: string | Uint8Array, encoding: BufferEncoding = 'utf8'): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, encoding) : data;
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await h.write(buf, off, buf.length - off);
    if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO', syscall: 'write' });
    off += bytesWritten;
  }
}
