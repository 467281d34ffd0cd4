import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readMarker } from '../exec/markers.js';
import { FAILED } from '../exec/layout.js';
import { fileWarnings, REPORT_FILE_WARNINGS } from '../cli/report.js';
import { collectRun } from './collect.js';
import { renderReport } from './html.js';
import { exitOneReasons } from './exitReason.js';
import { writeAtomic } from '../io/writers/atomic.js';
import { showPath } from '../core/fsname.js';
import { writeStdoutSync } from '../io/stdout.js';

/** The report's name in a run folder. */
export const REPORT_FILE = '_report.html';

/**
 * Make the report of a run folder and write it (atomically, writeAtomic) to `output`, default
 * `<dir>/_report.html`, or stdout for `-`; `sampleLines`: the sample candidates the run's merge kept (see collectRun).
 */
export async function writeReport(dir: string, output = join(dir, REPORT_FILE), sampleLines?: readonly string[], problems?: string[], exitCode?: number): Promise<string> {
  const data = await collectRun(dir, sampleLines);
  // Input names the run did not read (dangling links, FIFOs, second names of a file) head the list.
  const skipped = Array.isArray(data.stats.skipped) ? data.stats.skipped : [];
  const notRead = skipped.map((s) => `input '${showPath(String(s.name))}' skipped: ${String(s.reason)}`);
  // Inputs read as they were with --allow-unfinished: the result is of an incomplete input.
  const unfinished = Array.isArray(data.stats.unfinished_inputs) ? data.stats.unfinished_inputs : [];
  const incomplete = unfinished.map((u) => `input '${showPath(String(u.input))}' read as it is (--allow-unfinished), an unfinished output: ${String(u.problem)}`);
  problems?.push(...(data.problems ?? []));
  // A run that exited 1 (its folder marked _FAILED) says so first (new-user review 21 N9: its
  // report read like a finished run's). The merge knows the code before the marker is written.
  const code = exitCode ?? failedCode(dir);
  // Why, in the words status gives ('it exited 1 because ...'), from the stats (new-user review 23b
  // C3: a fixed list of causes here blamed a MISMATCH run on bad input and an input not read).
  const why = code !== 0 ? exitOneReasons(data.stats as unknown as Record<string, unknown>) : [];
  const failed = code !== 0 ? `it exited ${code}${why.length > 0 ? ` because ${why.join('; ')}` : ''}, and its folder is marked ${FAILED}, not _SUCCESS: its shards are no finished result (the counts below are what it did)${why.length > 0 ? '' : '; the error line of its log says why'}` : undefined;
  const html = renderReport(data, [...(data.problems ?? []), ...incomplete, ...notRead, ...fileWarnings(data.stats, undefined, 'run', undefined, REPORT_FILE_WARNINGS)], undefined, failed);
  // The writers' small-file path: a symlink followed, a device or FIFO written as a stream, a
  // temporary renamed into place and removed on failure, one error naming the file (ENOSPC).
  // `report -o` checks the path first (checkFileOutput in cli/commands/report.ts).
  // '-': stdout (`report -o -`), through the one stdout writer (a pipe, a socket, a file).
  if (output === '-') writeStdoutSync(html);
  else await writeAtomic(output, html);
  return output;
}

/** The exit code in a run folder's `_FAILED` (1 when it is not a manifest); 0 when there is none. */
function failedCode(dir: string): number {
  const path = join(dir, FAILED);
  if (!existsSync(path)) return 0;
  const r = readMarker(path);
  return r.kind === 'manifest' && r.m.exit_code !== 0 ? r.m.exit_code : 1;
}
