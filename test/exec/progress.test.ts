import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// The progress line is for a terminal; CORPUS_CLEAN_PROGRESS_MS shows it on a pipe too (at
// most every N ms; 0: at every change), so its form can be checked here. Not its timings.
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const lines = (stderr: string): string[] => stderr.split(/\r|\n/).map((l) => l.replace(/\x1b\[K/g, '')).filter((l) => l !== '');

describe('progress line', () => {
  it('run: one line per phase with tasks done/total, records, MB, percent, MB/s and ETA; units of global steps; silent with --quiet or off a terminal', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, `name: r\ninput: [${ROOT}/fixtures/sample]\nstages:\n  - normalize: {}\n  - dedup: {method: exact}\noutput: {compression: none}\n`);
    const args = ['run', recipe, '--workers', '2', '--task-size', '100KB'];
    const r = await runCli([...args, '-o', join(dir, 'a')], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' } });
    expect(r.code, r.stderr).toBe(0);
    // Off a terminal (a log file): plain lines, no carriage return or escape (was: \r\x1b[K before each).
    expect(r.stderr).not.toMatch(/\r|\x1b/);
    const ls = lines(r.stderr);
    const task = /^run: phase (1|3) of 3 \([^)]*\): (\d+)\/(\d+) tasks done(, \d+ running)?, \d+ records, \d+\.\d of (\d+\.\d) MB \((\d+) %\), \d+\.\d MB\/s, ETA (\d+ s|\d+ min|\d+\.\d h|\?)$/;
    // Numbered from 1 and said in words (was: 'run: phase 0-tasks of 0-2').
    const first = ls.filter((l) => l.startsWith('run: phase 1 of 3 (reading the inputs, normalize, hashing texts for exact dedup): '));
    expect(first.length).toBeGreaterThan(1);
    for (const l of first) expect(l).toMatch(task);
    // The phase's last line: every task done, 100 % of the input bytes.
    const end = first[first.length - 1].match(task)!;
    expect(end[2]).toBe(end[3]);
    expect(Number(end[3])).toBeGreaterThan(4);
    expect(end[6]).toBe('100');
    // The dedup step between the task phases: units done / total.
    expect(ls.some((l) => /^run: phase 2 of 3 \(exact dedup: finding the copies, one hash partition at a time\): (\d+)\/\1 units done$/.test(l))).toBe(true);
    expect(ls.some((l) => l.startsWith('run: phase 3 of 3 (exact dedup: dropping the copies, writing the shards): ') && task.test(l))).toBe(true);
    // --quiet silences it; so does a pipe without the variable.
    const q = await runCli([...args, '-o', join(dir, 'b'), '-q'], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' } });
    expect(q.code).toBe(0);
    expect(q.stderr).not.toMatch(/run: phase/);
    const pipe = await runCli([...args, '-o', join(dir, 'c')]);
    expect(pipe.code).toBe(0);
    expect(pipe.stderr).not.toMatch(/run: phase/);
  }, 300_000);

  it('a single command: files, records read/written/rejected, MB and MB/s', async () => {
    const r = await runCli(['cat', join(ROOT, 'fixtures/sample'), '-o', '-'], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\r|\x1b/);
    expect(lines(r.stderr).some((l) => /^cat: \d+ files, read \d+, written \d+, rejected \d+, \d+\.\d MB at \d+\.\d MB\/s$/.test(l))).toBe(true);
  });
});
