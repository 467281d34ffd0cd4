/**
 * The failure that stopped a run's last attempt, kept in its folder for `corpus-clean status`
 * (new-user review 20 F3: a run stopped by a full disk read, in status, like one never started,
 * "run the same command again", which failed the same way). `_work/failure.json` holds when it
 * failed, the error line, its code and where the run stopped; each attempt removes it as it
 * starts (an attempt killed later must not show an earlier one's failure), and the merge removes
 * it with `_work/`. Written through a temporary renamed into place: a reader sees the whole
 * record or none; a failure to write it (the disk that stopped the run may be full still) is
 * said, never the run's error.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { workDir } from './layout.js';
import { writeWorkFileAtomic } from '../io/writers/workFile.js';
import { errorText } from '../core/show.js';

export interface RunFailure {
  /** When it failed, ISO 8601 (UTC). */
  at: string;
  /** The error line, as the run printed it after "error: ". */
  error: string;
  /** Its error code (ENOSPC, EIO, ERR_INPUT_CHANGED), when it had one. */
  code?: string;
  /** The line that said where the run stopped, when it said one. */
  stopped?: string;
}

const failurePath = (run: string): string => join(workDir(run), 'failure.json');

/** Keep `f` in the run folder; the reason it could not be kept, or undefined. */
export function recordFailure(run: string, f: RunFailure): string | undefined {
  try {
    writeWorkFileAtomic(failurePath(run), JSON.stringify(f, null, 1) + '\n');
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

/** The failure recorded by the run's last attempt, if any (one that does not read is none). */
export function readFailure(run: string): RunFailure | undefined {
  try {
    const v = JSON.parse(readFileSync(failurePath(run), 'utf8')) as Partial<RunFailure>;
    return typeof v.at === 'string' && typeof v.error === 'string' ? (v as RunFailure) : undefined;
  } catch {
    return undefined;
  }
}

/** Forget the last attempt's failure (a new attempt starts). */
export function clearFailure(run: string): void {
  try {
    rmSync(failurePath(run), { force: true });
  } catch {
    // status would show it until the next failure or the merge: not worth failing the run for
  }
}

/** Whether an error code says the file system is full (of bytes, or of inodes) or over a quota. */
export function noSpace(code: string | undefined): boolean {
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** `2026-12-05T19:37:43.123Z` as `2026-12-05 19:37:43 UTC`. */
export function showTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return m === null ? iso : `${m[1]} ${m[2]} UTC`;
}
