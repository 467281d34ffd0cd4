import { rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

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
    const task = /^corpus-clean run: phase (1|3) of 3 \([^)]*\): (\d+)\/(\d+) tasks done(, \d+ running)?, \d+ records, \d+\.\d+ of (\d+\.\d+) MB on disk \((\d+) %\), \d+\.\d MB\/s, ETA (\d+ s|\d+ min|\d+\.\d h|\?)$/;
    // Numbered from 1 and said in words (was: 'run: phase 0-tasks of 0-2').
    const first = ls.filter((l) => l.startsWith('corpus-clean run: phase 1 of 3 (reading the inputs, normalize, hashing texts for exact dedup): '));
    expect(first.length).toBeGreaterThan(1);
    for (const l of first) expect(l).toMatch(task);
    // The phase's last line: every task done, 100 % of the input bytes.
    const end = first[first.length - 1].match(task)!;
    expect(end[2]).toBe(end[3]);
    expect(Number(end[3])).toBeGreaterThan(4);
    expect(end[6]).toBe('100');
    // The dedup step between the task phases: units done / total.
    expect(ls.some((l) => /^corpus-clean run: phase 2 of 3 \(exact dedup: finding the copies, one hash partition at a time\): (\d+)\/\1 units done$/.test(l))).toBe(true);
    expect(ls.some((l) => l.startsWith('corpus-clean run: phase 3 of 3 (exact dedup: dropping the copies, writing the shards): ') && task.test(l))).toBe(true);
    // --quiet silences it; so does CORPUS_CLEAN_PROGRESS_MS=off off a terminal.
    const q = await runCli([...args, '-o', join(dir, 'b'), '-q'], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' } });
    expect(q.code).toBe(0);
    expect(q.stderr).not.toMatch(/run: phase/);
    const off = await runCli([...args, '-o', join(dir, 'c')], { env: { CORPUS_CLEAN_PROGRESS_MS: 'off' } });
    expect(off.code).toBe(0);
    expect(off.stderr).not.toMatch(/run: phase/);
  }, 300_000);

  // New-user review 15 F9: named files gave no total, percent or ETA ("1 files, ... 1.0 MB at 0.6 MB/s").
  it('a single command: file N of M, records read/written/rejected, MB of the total on disk, percent, MB/s and ETA', async () => {
    const r = await runCli(['cat', join(ROOT, 'fixtures/sample'), '-o', '-'], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\r|\x1b/);
    const shown = lines(r.stderr).map((l) => /^corpus-clean cat: file (\d+) of (\d+), read \d+, written \d+, rejected \d+, \d+\.\d+ of (\d+\.\d+) MB on disk \((\d+) %\), \d+\.\d MB\/s, ETA (\d+ s|\d+ min|\?)$/.exec(l)).filter((m) => m !== null);
    expect(shown.length, r.stderr).toBeGreaterThan(0);
    const files = readdirSync(join(ROOT, 'fixtures/sample')).filter((f) => /\.jsonl(\.gz|\.zst)?$/.test(f));
    for (const m of shown) {
      expect(Number(m[1])).toBeLessThanOrEqual(files.length);
      expect(Number(m[2])).toBe(files.length);
      expect(Number(m[4])).toBeLessThanOrEqual(100);
    }
    const size = files.reduce((n, f) => n + statSync(join(ROOT, 'fixtures/sample', f)).size, 0);
    expect(shown[0]![3]).toBe((size / 1e6).toFixed(shown[0]![3].split('.')[1].length));
    // Piped in: no size known, the line as before.
    const piped = await runCli(['cat', '-', '-o', '-'], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' }, input: readFileSync(join(ROOT, 'fixtures/sample', files.find((f) => f.endsWith('.jsonl'))!)) });
    expect(piped.code, piped.stderr).toBe(0);
    expect(lines(piped.stderr).some((l) => /^corpus-clean cat: 1 file, read \d+, written \d+, rejected \d+, \d+\.\d MB at \d+\.\d MB\/s$/.test(l)), piped.stderr).toBe(true);
  });

  // New-user review 6 #4: off a terminal (a log file, a Slurm job's output) a run printed no
  // progress at all unless CORPUS_CLEAN_PROGRESS_MS was set, which no --help named. Now a line
  // every 30 s, the first after 30 s. The clock of the child is stepped by hand (no waiting).
  it('off a terminal, without the variable: a line every 30 s, the first after 30 s, none for a phase shorter than that', async () => {
    const script = `
      let t = 0;
      performance.now = () => t;
      const { PhaseProgress, progressWanted, progressInterval } = await import(${JSON.stringify(join(ROOT, 'dist/exec/progress.js'))});
      const plan = { name: 'r', phases: [{ id: '0-tasks', kind: 'tasks', segment: 0, units: 4 }], stages: [], globals: [], segments: [[]] };
      process.stderr.write('wanted ' + progressWanted(false) + ', every ' + progressInterval() + ' ms\\n');
      const fig = (done) => ({ done, running: 1, units: 4, records: done * 10, bytes: done * 1e6, totalBytes: 4e6 });
      const short = new PhaseProgress(true, plan, 0);
      for (const [at, d] of [[0, 0], [10e3, 1], [29e3, 4]]) { t = at; short.update(fig(d)); }
      short.done(fig(4));
      process.stderr.write('--\\n');
      t = 0;
      const long = new PhaseProgress(true, plan, 0);
      for (const [at, d] of [[0, 0], [10e3, 1], [31e3, 1], [45e3, 2], [62e3, 3]]) { t = at; long.update(fig(d)); }
      t = 70e3;
      long.done(fig(4));
    `;
    const r = await runNode(['--input-type=module', '-e', script], { env: { CORPUS_CLEAN_PROGRESS_MS: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      'wanted true, every 30000 ms',
      '--',
      'corpus-clean run: phase 1 of 1 (reading the inputs, writing the shards): 1/4 tasks done, 1 running, 10 records, 1.00 of 4.00 MB on disk (25 %), 0.0 MB/s, ETA 2 min',
      'corpus-clean run: phase 1 of 1 (reading the inputs, writing the shards): 3/4 tasks done, 1 running, 30 records, 3.00 of 4.00 MB on disk (75 %), 0.0 MB/s, ETA 21 s',
      'corpus-clean run: phase 1 of 1 (reading the inputs, writing the shards): 4/4 tasks done, 1 running, 40 records, 4.00 of 4.00 MB on disk (100 %), 0.1 MB/s, ETA 0 s',
      '',
    ]);
  });
  // Hostile review 14 H9: "0.2 of 0.2 MB (78 %)": the MB figures rounded to 0.1, the percent not;
  // and 99.6 % showed as 100 % with bytes still to read.
  it('the MB figures agree with the percent on a small input; 100 % only once every byte is in', async () => {
    const script = `
      const { PhaseProgress } = await import(${JSON.stringify(join(ROOT, 'dist/exec/progress.js'))});
      const plan = { name: 'r', phases: [{ id: '0-tasks', kind: 'tasks', segment: 0, units: 1 }], stages: [], globals: [], segments: [[]] };
      const p = new PhaseProgress(true, plan, 0);
      for (const [bytes, total] of [[156e3, 200e3], [199.2e3, 200e3], [200e3, 200e3], [1.56e6, 2e6], [15.6e6, 20e6]]) {
        process.stderr.write(/records, (.*) MB on disk \\((\\d+) %\\)/.exec(p.line({ done: 0, running: 1, units: 1, records: 1, bytes, totalBytes: total })).slice(1).join(' | ') + '\\n');
      }
    `;
    const r = await runNode(['--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')).toEqual(['0.156 of 0.200 | 78', '0.199 of 0.200 | 99', '0.200 of 0.200 | 100', '1.56 of 2.00 | 78', '15.6 of 20.0 | 78', '']);
  });
  // Hostile review 15 F2: the done figure rounded to nearest while the percent rounds down ("2.00 of
  // 2.00 MB (99 %)"), and under 100 KB a hundredth was not resolved ("0.001 of 0.001 MB (50 %)");
  // new-user review 18 F2: at 100 % the done figure rounded down below the total ("0.741 of 0.742").
  it('the done figure is rounded down as the percent is; under 100 KB the figures are in KB', async () => {
    const script = `
      const { PhaseProgress } = await import(${JSON.stringify(join(ROOT, 'dist/exec/progress.js'))});
      const plan = { name: 'r', phases: [{ id: '0-tasks', kind: 'tasks', segment: 0, units: 1 }], stages: [], globals: [], segments: [[]] };
      const p = new PhaseProgress(true, plan, 0);
      for (const [bytes, total] of [[199.6e3, 200e3], [1.996e6, 2e6], [19.96e6, 20e6], [49.6e3, 50e3], [5e2, 1e3], [1e3, 1e3], [741.6e3, 741.6e3], [3.0259e6, 3.0259e6], [3.0259e6, 3.0260e6]]) {
        process.stderr.write(/records, (.*) on disk \\((\\d+) %\\)/.exec(p.line({ done: 0, running: 1, units: 1, records: 1, bytes, totalBytes: total })).slice(1).join(' | ') + '\\n');
      }
    `;
    const r = await runNode(['--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')).toEqual(['0.199 of 0.200 MB | 99', '1.99 of 2.00 MB | 99', '19.9 of 20.0 MB | 99', '49.6 of 50.0 KB | 99', '0.50 of 1.00 KB | 50', '1.00 of 1.00 KB | 100', '0.742 of 0.742 MB | 100', '3.03 of 3.03 MB | 100', '3.02 of 3.03 MB | 99', '']);
  });
  // New-user review 15 F13: on a terminal each update is \r, a clear to the end of the line and
  // the line; one wider than the terminal wraps, and the clear takes only its last row: 180-200
  // characters on 80 columns left two stale rows per update. Run on a real terminal (script(1)).
  it.skipIf(!existsSync('/usr/bin/script'))('on an 80-column terminal every progress line fits in 79 columns, the figures kept', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, `name: r\ninput: [${ROOT}/fixtures/sample]\nstages:\n  - normalize: {}\n  - langid: {}\n  - quality: {}\n  - dedup: {method: exact}\noutput: {compression: none}\n`);
    const cmd = `stty cols 80; CORPUS_CLEAN_PROGRESS_MS=0 ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist/bundle/main.js'))} run ${JSON.stringify(recipe)} -o ${JSON.stringify(join(dir, 'o'))} --task-size 100KB`;
    const out = execFileSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' } });
    const shown = out.split(/\r\n|\r|\n/).map((l) => l.replace(/\x1b\[K/g, '')).filter((l) => l.startsWith('corpus-clean run: phase'));
    expect(shown.length, out).toBeGreaterThan(2);
    for (const l of shown) expect([...l].length, l).toBeLessThanOrEqual(79);
    // The description in parentheses goes first, then 'on disk', then the first figures: MB, percent, MB/s and ETA stay.
    expect(shown.some((l) => /^corpus-clean run: phase 1 of 3: (… )?.*\d+ of \d[.\d]* MB \(\d+ %\), \d+\.\d MB\/s, ETA \S+( s| min| h)?$/.test(l)), shown.join('\n')).toBe(true);
  });
  it('fitWidth: a line as it is when it fits or the width is unknown; wide characters count 2 columns; a cut ends in …', async () => {
    const script = `
      const { fitWidth } = await import(${JSON.stringify(join(ROOT, 'dist/exec/progress.js'))});
      const long = 'corpus-clean run: phase 1 of 6 (reading the inputs, normalize, langid, quality): 1/3 tasks done, 849 records';
      const full = 'corpus-clean run: phase 1 of 6 (reading the inputs, normalize): 1/3 tasks done, 1 running, 849 records, 1.57 of 2.39 MB on disk (65 %), 1.0 MB/s, ETA 1 s';
      const out = [fitWidth(long, undefined), fitWidth(long, 200), fitWidth(long, 80), fitWidth(long, 30), fitWidth('corpus-clean cat: 数据数据数据数据数据数据数据数据', 30), fitWidth(full, 100), fitWidth(full, 80), fitWidth(full, 60)];
      process.stdout.write(JSON.stringify(out));
    `;
    const r = await runNode(['--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    const [unknown, wide, eighty, thirty, han, f100, f80, f60] = JSON.parse(r.stdout) as string[];
    const long = 'corpus-clean run: phase 1 of 6 (reading the inputs, normalize, langid, quality): 1/3 tasks done, 849 records';
    expect(unknown).toBe(long);
    expect(wide).toBe(long);
    expect(eighty).toBe('corpus-clean run: phase 1 of 6: 1/3 tasks done, 849 records');
    expect(thirty).toBe('corpus-clean run: phase 1 of…');
    expect(f100).toBe('corpus-clean run: phase 1 of 6: … 1 running, 849 records, 1.57 of 2.39 MB (65 %), 1.0 MB/s, ETA 1 s');
    expect(f80).toBe('corpus-clean run: phase 1 of 6: … 1.57 of 2.39 MB (65 %), 1.0 MB/s, ETA 1 s');
    expect(f60).toBe('corpus-clean run: phase 1 of 6: … 1.0 MB/s, ETA 1 s');
    // 18 columns of ASCII, then 5 Han characters (10 columns) and the ellipsis: 29.
    expect(han).toBe('corpus-clean cat: 数据数据数…');
    // A single command's line (new-user review 15 F9) loses its first figures, not its percent and ETA.
    const single = await runNode(['--input-type=module', '-e', `
      const { fitWidth } = await import(${JSON.stringify(join(ROOT, 'dist/exec/progress.js'))});
      process.stdout.write(fitWidth('corpus-clean quality: file 2 of 15, read 110, written 8, rejected 102, 0.4 of 23.3 MB on disk (1 %), 1.5 MB/s, ETA 15 s', 80));
    `]);
    expect(single.stdout).toBe('corpus-clean quality: … rejected 102, 0.4 of 23.3 MB (1 %), 1.5 MB/s, ETA 15 s');
  });
  // New-user review 15 F4: after a resume the bytes of the tasks finished before the stop were in
  // the rate: 11.8 MB divided by the first second showed 10.1 MB/s (real: 4.4) and a short ETA,
  // beside a records figure of this session only.
  it('a resume: the MB and percent count the tasks finished before it, the rate and ETA only what it read; its records are said to be since the resume', async () => {
    const script = `
      const { PhaseProgress } = await import(${JSON.stringify(join(ROOT, 'dist/exec/progress.js'))});
      const plan = { name: 'r', phases: [{ id: '0-tasks', kind: 'tasks', segment: 0, units: 4 }], stages: [], globals: [], segments: [[]] };
      const p = new PhaseProgress(true, plan, 0);
      process.stderr.write(p.line({ done: 2, running: 1, units: 4, records: 6171, bytes: 11.8e6, totalBytes: 19.8e6, bytesBefore: 11.8e6 }) + '\\n');
      process.stderr.write(p.line({ done: 0, running: 1, units: 4, records: 5, bytes: 0, totalBytes: 19.8e6 }) + '\\n');
    `;
    const r = await runNode(['--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    const [resumed, fresh] = r.stderr.split('\n');
    expect(resumed).toMatch(/: 2\/4 tasks done, 1 running, 6171 records since the resume, 11\.8 of 19\.8 MB on disk \(59 %\), 0\.0 MB\/s, ETA \?$/);
    expect(fresh).toMatch(/: 0\/4 tasks done, 1 running, 5 records, 0\.0 of 19\.8 MB on disk \(0 %\), 0\.0 MB\/s, ETA \?$/);
  });
  it('--help names CORPUS_CLEAN_PROGRESS_MS', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toContain('CORPUS_CLEAN_PROGRESS_MS=MS');
    const c = await runCli(['cat', '--help']);
    expect(c.stdout).toContain('CORPUS_CLEAN_PROGRESS_MS');
  });
});
