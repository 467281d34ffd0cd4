/**
 * Shared by bench/recipe.ts, bench/quality-mix.ts, bench/startup.ts and bench/datatrove-slice.ts:
 * run the built CLI as a child process under GNU time and return its CPU seconds (user +
 * system), wall seconds and peak RSS; build the en+zh web mix from the data folder.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';

export const ROOT = resolve(import.meta.dirname, '..');
/** The CLI measured: dist/bundle/main.js (the bundled CLI users run), or `CORPUS_CLEAN_CLI` (another build, for a before/after in one run). */
export const CLI = process.env.CORPUS_CLEAN_CLI ? resolve(process.env.CORPUS_CLEAN_CLI) : join(ROOT, 'dist/bundle/main.js');
const TIME = '/usr/bin/time';

/** What one child process cost. */
export interface Cost {
  cpu: number;
  wall: number;
  rssMb: number;
  code: number;
}

/** Run `node <args>` (or `node dist/bundle/main.js <args>` when `cli` is true) and measure it. */
export function measure(args: readonly string[], cli = true): Cost {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed: apt-get install time`);
  if (cli && !existsSync(CLI)) throw new Error('run `npm run build` first');
  const r = spawnSync(TIME, ['-f', '@@ %U %S %e %M', process.execPath, ...(cli ? [CLI] : []), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'ignore', 'pipe'] });
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no timing from ${args.join(' ')}: ${r.stderr.slice(-500)}`);
  return { cpu: Number(m[1]) + Number(m[2]), wall: Number(m[3]), rssMb: Number(m[4]) / 1024, code: r.status ?? -1 };
}

/** Best (lowest CPU) of `n` runs, alternating with the other commands given by the caller. */
export function best(costs: readonly Cost[]): Cost {
  return costs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
}

export const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** The JSONL files of a data folder, sorted. */
export function jsonlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Concatenate files into `out` (a newline added after a file that lacks a final one), `copies`
 * times. Returns the bytes written.
 */
export async function concat(files: readonly string[], out: string, copies = 1): Promise<number> {
  const w = createWriteStream(out);
  let bytes = 0;
  for (let c = 0; c < copies; c++) {
    for (const f of files) {
      const b = readFileSync(f);
      w.write(b);
      bytes += b.length;
      if (b.length > 0 && b[b.length - 1] !== 10) {
        w.write('\n');
        bytes++;
      }
    }
  }
  w.end();
  await finished(w);
  return bytes;
}

export const mb = (path: string): number => statSync(path).size / 1e6;
