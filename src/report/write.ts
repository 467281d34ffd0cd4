import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileWarnings } from '../cli/report.js';
import { collectRun } from './collect.js';
import { renderReport } from './html.js';

/** The report's name in a run folder. */
export const REPORT_FILE = '_report.html';

/** Make the report of a run folder and write it (atomically) to `output`, default `<dir>/_report.html`. */
export async function writeReport(dir: string, output = join(dir, REPORT_FILE)): Promise<string> {
  const data = await collectRun(dir);
  const html = renderReport(data, fileWarnings(data.stats));
  await mkdir(dirname(output), { recursive: true });
  const tmp = join(dirname(output), `.${basename(output)}.tmp-${process.pid}`);
  await writeFile(tmp, html);
  await rename(tmp, output);
  return output;
}
