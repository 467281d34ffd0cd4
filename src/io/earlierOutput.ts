import { existsSync, renameSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { hiddenPath } from './writers/hiddenName.js';

/** One file (or folder: a run's `_done/`) set aside: where it was, where it is, and whether it is still aside. */
interface Held {
  path: string;
  aside: string;
  /** 'aside' until it is put back or removed ('done'); 'moving' while a rename or unlink of it is under way. */
  state: 'aside' | 'moving' | 'done';
}

/** Every EarlierOutput of this process holding files, for the exit of a stopped process (settleEarlierOutputs). */
const live = new Set<EarlierOutput>();
/** Renames and unlinks of set-aside files under way, which the exit waits for before it settles. */
const inFlight = new Set<Promise<unknown>>();
/** Set once a signal is ending the process: nothing more is set aside. */
let halted = false;

/** `op`, tracked until it ends (so that `quiesceEarlierOutputs` can wait for it). */
function track<T>(op: Promise<T>): Promise<T> {
  inFlight.add(op);
  const forget = (): void => void inFlight.delete(op);
  op.then(forget, forget);
  return op;
}

/**
 * The earlier output that `--overwrite` is to replace, set aside until the new one is complete.
 *
 * A command that fails (exit 1, a signal, a write failure) must not remove or damage the output
 * it was to replace (hostile review 15 F9: a nothing-written exit 1 deleted the earlier file and
 * left the user with neither). So the earlier files are not removed up front: each is renamed to
 * a hidden name beside it (`.NAME.earlier-PID`, same folder, so one rename each way), the new
 * output is written, and then either `drop` removes them (the new output is finished and
 * published) or `restore` renames them back over whatever the failed command left.
 *
 * A signal may come while files are being set aside, put back or removed, before or after the
 * command's own clean-up knows of them (hostile review 16 F5, F8: files left hidden, `_SUCCESS`
 * gone). So each file's state is its own, and the exit of a stopped process settles what is left
 * (`settleEarlierOutputs`): put back, or removed once the new output was published.
 */
export class EarlierOutput {
  private readonly held: Held[] = [];
  private published = false;

  /** Rename the file or folder at `path` aside (it must exist). */
  async setAside(path: string): Promise<void> {
    if (halted) throw new Error('interrupted before the earlier output was set aside');
    const h: Held = { path, aside: hiddenPath(path, `.earlier-${process.pid}`), state: 'moving' };
    this.held.push(h);
    live.add(this);
    try {
      await track(rename(path, h.aside));
      if (h.state === 'moving') h.state = 'aside';
    } catch (e) {
      h.state = 'done';
      throw e;
    }
  }

  /** The files set aside, by their own names. */
  get names(): readonly string[] {
    return this.held.filter((h) => h.state !== 'done').map((h) => basename(h.path));
  }

  /** How many files are set aside. */
  get size(): number {
    return this.held.filter((h) => h.state !== 'done').length;
  }

  /** The new output is finished and in place: what is left aside is to be removed, never put back. */
  markPublished(): void {
    this.published = true;
  }

  /** Put every file back under its own name (over a file of the failed command there). Returns how many were put back. */
  async restore(): Promise<number> {
    let n = 0;
    for (const h of this.held) {
      if (h.state !== 'aside') continue;
      h.state = 'moving';
      try {
        await track(rename(h.aside, h.path));
        n++;
      } catch {
        // already put back, or its folder gone: nothing more can be done
      }
      h.state = 'done';
    }
    this.forgetIfDone();
    return n;
  }

  /** The new output is finished: remove the earlier files. */
  async drop(): Promise<void> {
    this.published = true;
    for (const h of this.held) {
      if (h.state !== 'aside') continue;
      h.state = 'moving';
      await track(rm(h.aside, { recursive: true, force: true })).catch(() => {});
      h.state = 'done';
    }
    this.forgetIfDone();
  }

  /** At the exit of a stopped process: put back (or, once published, remove) every file still aside, synchronously. */
  settle(): void {
    for (const h of this.held) {
      if (h.state === 'done') continue;
      // A rename or unlink in flight may have happened or not: the aside name tells.
      if (existsSync(h.aside)) {
        try {
          if (this.published) rmSync(h.aside, { recursive: true, force: true });
          else renameSync(h.aside, h.path);
        } catch {
          // its folder gone: nothing more can be done
        }
      }
      h.state = 'done';
    }
    live.delete(this);
  }

  private forgetIfDone(): void {
    if (this.held.every((h) => h.state === 'done')) live.delete(this);
  }
}

/** Wait until no file is being set aside, put back or removed, and set none aside from now on (a signal is ending the process). */
export async function quiesceEarlierOutputs(): Promise<void> {
  halted = true;
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/** Settle every earlier output of this process still set aside (a signal is ending it): see `EarlierOutput.settle`. */
export function settleEarlierOutputs(): number {
  let n = 0;
  for (const e of [...live]) {
    n += e.size;
    e.settle();
  }
  return n;
}
