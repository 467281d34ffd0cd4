import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { localWorkers, WORKERS_PER_CORE } from '../../src/exec/local.js';
import { planTasks, type Plan } from '../../src/exec/plan.js';
import { listSchedule } from '../../src/exec/timing.js';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

/**
 * Issue #10 / review-late F9, F10: counts given on the command line. `--workers 1e9` was taken
 * as a billion (Number('1e9') is an integer) and sized an array of a billion slots (V8 aborted
 * at 3.2 GB); `--workers 1000000` ended in "RangeError: Maximum call stack size exceeded" from a
 * spread into Math.max. Counts are plain decimal digits, the workers started are capped before
 * anything is sized by them, and a capped ask says so in one line.
 */
describe('counts given by flags', () => {
  let dir: string;
  let input: string;
  let recipe: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'in.jsonl');
    await writeFile(input, ['a b c', 'd e f', 'g h i'].map((text, id) => JSON.stringify({ id, text })).join('\n') + '\n');
    recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: r\nstages:\n  - normalize: {}\n');
  });

  it('--workers takes plain digits only: 1e9, 0x10, 8.0, 1e3 and 2^53 are usage errors (exit 2, one line)', async () => {
    const bad = ['1e9', '0x10', '8.0', '1e3', '9007199254740993', '0', '-1', 'abc'];
    const calls = bad.map((w) => ['run', recipe, '--input', input, '--output', join(dir, 'o-bad'), `--workers=${w}`]);
    const [d, ...rs] = await runCliAll([['dedup-disk', input, '--work', join(dir, 'w-bad'), '-o', join(dir, 'dd.jsonl'), '--workers', '1e9'], ...calls]);
    bad.forEach((w, i) => {
      expect(rs[i].code, w).toBe(2);
      expect(rs[i].stderr, w).toBe(`corpus-clean: --workers must be a positive integer in plain digits (e.g. 8), got '${w}'\n`);
    });
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--workers must be a positive integer in plain digits \(e\.g\. 8\), got '1e9'/);
  });

  it('every count flag is read the same way: --shard-records, --rejects-sample, --row-group-size, export --min-length, integer stage options', async () => {
    const cases: [string[], RegExp][] = [
      [['cat', input, '--shard-records', '1e3', '-o', join(dir, 's.jsonl')], /--shard-records must be a positive integer in plain digits \(e\.g\. 8\), got '1e3'/],
      [['cat', input, '--rejects-sample', '1e1', '--rejects', join(dir, 'r.jsonl'), '-o', join(dir, 's2.jsonl')], /--rejects-sample must be a whole number \(0 or more\) in plain digits \(e\.g\. 8\), got '1e1'/],
      [['cat', input, '--row-group-size', '1e4', '-o', join(dir, 's.parquet')], /--row-group-size must be a positive integer in plain digits/],
      [['export', 'xtuner-v1', input, '--min-length', '1e1'], /--min-length must be a whole number \(0 or more\) in plain digits/],
      [['pii', input, '--max-spans', '1e3'], /pii: --max-spans must be a whole number in plain digits, got "1e3"/],
      [['dedup', input, '--bands', '0x10'], /dedup: --bands must be a whole number in plain digits, got "0x10"/],
    ];
    const rs = await runCliAll(cases.map(([args]) => args));
    cases.forEach(([args, msg], i) => {
      expect(rs[i].code, args.join(' ')).toBe(2);
      expect(rs[i].stderr, args.join(' ')).toMatch(msg);
    });
  });

  it('--workers 1000000: capped before anything is sized, one note, the run completes (exit 0, no stack trace)', async () => {
    const out = join(dir, 'o-million');
    const r = await runCli(['run', recipe, '--input', input, '--output', out, '--workers', '1000000']);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
    expect(r.code).toBe(0);
    const notes = r.stderr.split('\n').filter((l) => l.includes('note: --workers'));
    expect(notes).toEqual([`corpus-clean run: note: --workers 1000000 is more than the ${availableParallelism()} cores here; starting 1 worker (one per task of the 1)`]);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as { executor: { workers: number }; written: number };
    expect(stats.written).toBe(3);
    expect(stats.executor.workers).toBe(WORKERS_PER_CORE * availableParallelism());
  });

  it('a recipe executor.workers of 1e9 (a YAML number) is capped the same way', async () => {
    const big = join(dir, 'big-workers.yaml');
    await writeFile(big, 'name: r\nexecutor:\n  workers: 1e9\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', big, '--input', input, '--output', join(dir, 'o-yaml')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`corpus-clean run: note: executor: workers 1000000000 is more than the ${availableParallelism()} cores here; starting 1 worker (one per task of the 1)`);
  });

  it('--workers at or below the cores: no note', async () => {
    const r = await runCli(['run', recipe, '--input', input, '--output', join(dir, 'o-one'), '--workers', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/note: --workers/);
  });
});

describe('the workers a local run starts', () => {
  const plan = (units: number): Plan => ({ tasks: [{ file: 'x', bytes: 1 }], phases: [{ id: '0-tasks', kind: 'tasks', units }] }) as unknown as Plan;

  it('caps an ask at WORKERS_PER_CORE per core and says what is started', () => {
    expect(localWorkers(1e9, plan(100), 2)).toEqual({ workers: 8, note: 'note: --workers 1000000000 is more than the 2 cores here; starting 8 workers (at most 4 per core)' });
    expect(localWorkers(300, plan(14), 2)).toEqual({ workers: 8, note: 'note: --workers 300 is more than the 2 cores here; starting 8 workers (at most 4 per core)' });
    expect(localWorkers(5, plan(3), 2)).toEqual({ workers: 5, note: 'note: --workers 5 is more than the 2 cores here; starting 3 workers (one per task of the 3)' });
    expect(localWorkers(2, plan(1), 2)).toEqual({ workers: 2 });
    expect(localWorkers(undefined, plan(1), 2)).toEqual({ workers: 1 });
  });

  it('lays out units on a huge worker count without a slot per worker or a spread', () => {
    expect(listSchedule([3, 2, 1], 1_000_000)).toBe(3);
    expect(listSchedule([], 1_000_000)).toBe(0);
  });
});

describe('a task size that cuts a file into very many tasks', () => {
  it('plans 150,000 one-line tasks (a spread of the pieces overflowed the stack)', async () => {
    const dir = await tempDir();
    const f = join(dir, 'lines.jsonl');
    await writeFile(f, Array.from({ length: 150_000 }, (_, i) => `{"text":"${i}"}\n`).join(''));
    const tasks = await planTasks([f], 'jsonl', 1);
    expect(tasks).toHaveLength(150_000);
  });
});
