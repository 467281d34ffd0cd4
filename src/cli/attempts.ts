import { readdir, readFile, stat } from 'node:fs/promises';
import { writeWorkFile } from '../io/writers/workFile.js';
import { join } from 'node:path';
import { workDir } from '../exec/layout.js';
import { makeDir } from '../io/dirs.js';
import { clearFailure } from '../exec/failure.js';

/**
 * The time a `run` spent working, over all its invocations: a run that was stopped and resumed
 * later must not count the hours between (it showed 109.8 s for 66 s of work, and would show
 * ~0 MB/s for a run resumed the next morning). Each invocation's start goes into
 * `_work/attempts.json` (removed with `_work/` by the merge); an attempt that did not finish
 * ends, for this count, at the last unit it finished (its `_done` marker), so the time it spent
 * on units it never finished is not counted.
 */
const attemptsPath = (dir: string): string => join(workDir(dir), 'attempts.json');

/**
 * Record the start of this invocation and return every attempt's start. `planned` is the time
 * the plan was written: the first attempt's start when no attempt was recorded (a run begun by
 * an older version, or stopped before it recorded one).
 */
export async function startAttempt(dir: string, fresh: boolean, planned: number, now = Date.now()): Promise<number[]> {
  let starts: number[] = [];
  if (!fresh) {
    try {
      const v = JSON.parse(await readFile(attemptsPath(dir), 'utf8')) as unknown;
      if (Array.isArray(v)) starts = v.filter((x): x is number => typeof x === 'number');
    } catch {
      // none recorded
    }
  }
  starts = fresh ? [planned] : [...(starts.length > 0 ? starts : [planned]), now];
  await makeDir(workDir(dir), 'work folder');
  // The last attempt's failure is this attempt's no longer (exec/failure.ts).
  clearFailure(dir);
  // Named on a full disk, no partial file left (writeWorkFile).
  writeWorkFile(attemptsPath(dir), JSON.stringify(starts) + '\n');
  return starts;
}

/** The mtimes of the files below `dir`, in ms. */
async function mtimes(dir: string, out: number[] = []): Promise<number[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    // Into one array, not push(...sub): a folder of 100k+ markers would overflow a spread.
    if (e.isDirectory()) await mtimes(p, out);
    else out.push((await stat(p)).mtimeMs);
  }
  return out;
}

/** Milliseconds worked by the attempts that began at `starts`, the last one running until `now`. */
export async function workedMs(dir: string, starts: readonly number[], now = Date.now()): Promise<number> {
  if (starts.length === 0) return 0;
  const done = starts.length > 1 ? await mtimes(join(dir, '_done')) : [];
  let ms = 0;
  for (let i = 0; i < starts.length - 1; i++) {
    let end = starts[i];
    for (const t of done) if (t >= starts[i] && t < starts[i + 1] && t > end) end = t;
    ms += end - starts[i];
  }
  return ms + Math.max(0, now - starts[starts.length - 1]);
}
