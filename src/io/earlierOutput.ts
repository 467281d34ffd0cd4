import { existsSync, renameSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { hiddenPath } from './writers/hiddenName.js';

/** One file (or folder: a run's `_done/`) set aside: where it was, where it is, and whether it is still aside. */
interface Held {
  path: string;
  /** Its hidden name; undefined for a side file that did not exist (`holdAbsent`): putting it back removes this command's. */
  aside?: string;
  /** A `--rejects`/`--stats` file of the output, set aside with it. */
  side: boolean;
  /** 'aside' until it is put back or removed ('done'); 'moving' while a rename or unlink of it is under way. */
  state: 'aside' | 'moving' | 'done';
}

/** Where a replacing stands, as journaled for the next command (see `EarlierOutput.journal`). */
export type EarlierState = 'aside' | 'restoring' | 'published';

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
  /**
   * Told where the replacing stands ('aside': every earlier file is set aside and the new output
   * is being written; 'restoring'; 'published'), so that the next command into the output can
   * settle what a `kill -9` left aside (outputs.ts recoverEarlier; hostile review 16 F1).
   */
  journal?: (state: EarlierState) => void;

  /** Rename the file or folder at `path` aside (it must exist); `side` for a --rejects/--stats file of the output. */
  async setAside(path: string, side = false): Promise<void> {
    if (halted) throw new Error('interrupted before the earlier output was set aside');
    const h: Held = { path, aside: hiddenPath(path, `.earlier-${process.pid}`), side, state: 'moving' };
    this.held.push(h);
    live.add(this);
    try {
      await track(rename(path, h.aside!));
      if (h.state === 'moving') h.state = 'aside';
    } catch (e) {
      h.state = 'done';
      throw e;
    }
  }

  /**
   * A --rejects/--stats file of the output that does not exist: the earlier output had none, so
   * putting the earlier output back removes the one this command wrote (the three stay one set).
   */
  holdAbsent(path: string): void {
    this.held.push({ path, side: true, state: 'aside' });
    live.add(this);
  }

  /** Whether `path` is held already (a `--rejects o/_rejects.jsonl` set aside with the folder `o/`). */
  holds(path: string): boolean {
    return this.held.some((h) => h.state !== 'done' && resolve(h.path) === resolve(path));
  }

  /** The files set aside, by their own names (the output's, not its --rejects/--stats). */
  get names(): readonly string[] {
    return this.held.filter((h) => h.state !== 'done' && !h.side).map((h) => basename(h.path));
  }

  /** The --rejects/--stats files held with the output (set aside, or absent before it), by their paths. */
  get sides(): readonly string[] {
    return this.held.filter((h) => h.state !== 'done' && h.side).map((h) => h.path);
  }

  /** How many of the output's files are set aside. */
  get size(): number {
    return this.names.length;
  }

  /** The new output is finished and in place: what is left aside is to be removed, never put back. */
  markPublished(): void {
    if (!this.published && this.held.length > 0) this.journal?.('published');
    this.published = true;
  }

  /**
   * Put every file back under its own name (over a file of the failed command there), and remove
   * the --rejects/--stats files this command wrote where the earlier output had none. Returns how
   * many of the output's files were put back.
   */
  async restore(): Promise<number> {
    if (this.held.some((h) => h.state === 'aside')) this.journal?.('restoring');
    let n = 0;
    for (const h of this.held) {
      if (h.state !== 'aside') continue;
      h.state = 'moving';
      try {
        if (h.aside === undefined) await track(rm(h.path, { force: true }));
        else await track(rename(h.aside, h.path));
        if (!h.side) n++;
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
    this.markPublished();
    for (const h of this.held) {
      if (h.state !== 'aside') continue;
      h.state = 'moving';
      if (h.aside !== undefined) await track(rm(h.aside, { recursive: true, force: true })).catch(() => {});
      h.state = 'done';
    }
    this.forgetIfDone();
  }

  /** At the exit of a stopped process: put back (or, once published, remove) every file still aside, synchronously. */
  settle(): void {
    for (const h of this.held) {
      if (h.state === 'done') continue;
      try {
        // A side file the earlier output did not have: this command's, removed unless published.
        if (h.aside === undefined) {
          if (!this.published) rmSync(h.path, { force: true });
        } else if (existsSync(h.aside)) {
          // A rename or unlink in flight may have happened or not: the aside name tells.
          if (this.published) rmSync(h.aside, { recursive: true, force: true });
          else renameSync(h.aside, h.path);
        }
      } catch {
        // its folder gone: nothing more can be done
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
