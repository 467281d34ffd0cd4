import { rename, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { hiddenPath } from './writers/hiddenName.js';

/**
 * The earlier output that `--overwrite` is to replace, set aside until the new one is complete.
 *
 * A command that fails (exit 1, a signal, a write failure) must not remove or damage the output
 * it was to replace (hostile review 15 F9: a nothing-written exit 1 deleted the earlier file and
 * left the user with neither). So the earlier files are not removed up front: each is renamed to
 * a hidden name beside it (`.NAME.earlier-PID`, same folder, so one rename each way), the new
 * output is written, and then either `drop` removes them (the new output is finished and
 * published) or `restore` renames them back over whatever the failed command left.
 */
export class EarlierOutput {
  private readonly held: { path: string; aside: string }[] = [];

  /** Rename the file at `path` aside (it must exist). */
  async setAside(path: string): Promise<void> {
    const aside = hiddenPath(path, `.earlier-${process.pid}`);
    await rename(path, aside);
    this.held.push({ path, aside });
  }

  /** The files set aside, by their own names. */
  get names(): readonly string[] {
    return this.held.map((h) => basename(h.path));
  }

  /** How many files are set aside. */
  get size(): number {
    return this.held.length;
  }

  /** Put every file back under its own name (over a file of the failed command there). Returns how many were put back. */
  async restore(): Promise<number> {
    let n = 0;
    for (const h of this.held.splice(0)) {
      try {
        await rename(h.aside, h.path);
        n++;
      } catch {
        // already put back, or its folder gone: nothing more can be done
      }
    }
    return n;
  }

  /** The new output is finished: remove the earlier files. */
  async drop(): Promise<void> {
    for (const h of this.held.splice(0)) await unlink(h.aside).catch(() => {});
  }
}
