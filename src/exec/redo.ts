/**
 * Damage found in `_work/` is redone in the same call of `run` (new-user review 17 F7). The unit
 * (or the merge) that finds a file that does not read back as it was written removes it and
 * un-marks the unit that wrote it (unit.ts `redoWriters`, `redoTask`, `redoWorkWriter`), and fails
 * with the damaged file named here; `run` then goes through the phases again, which redoes what
 * was un-marked and skips the rest, exactly as a rerun of the same command would. A file found
 * damaged again after it was redone in this call (a failing disk or memory, or a bug) stops the
 * run as before: redoing it once more would not end.
 */

/** The file a unit's failure found damaged and had redone, or undefined when the failure is not such damage. */
export function damagedFile(e: unknown): string | undefined {
  const d = e instanceof Error ? (e as { damaged?: unknown }).damaged : undefined;
  return typeof d === 'string' ? d : undefined;
}

/** `err` marked as the failure of a unit that found `path` damaged and un-marked its writer. */
export function redoneFailure(err: Error, path: string): Error {
  return Object.assign(err, { damaged: path });
}

/**
 * The damaged files one call of `run` had redone: `take(e)` is true when `e` is damage that was
 * un-marked and not yet redone in this call (it is then counted as redone), false when the run
 * must stop with it.
 */
export class RedoneFiles {
  private readonly seen = new Set<string>();
  /** How many redo rounds this call made. */
  get rounds(): number {
    return this.seen.size;
  }
  take(e: unknown): boolean {
    const path = damagedFile(e);
    if (path === undefined || this.seen.has(path)) return false;
    this.seen.add(path);
    return true;
  }
  /** Whether `e` is damage of a file this call had redone already. */
  again(e: unknown): boolean {
    const path = damagedFile(e);
    return path !== undefined && this.seen.has(path);
  }
}
