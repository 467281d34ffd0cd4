import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';
import { runOutput } from './helpers.js';
import { describeTask } from '../../src/exec/plan.js';

// Many small files (hostile review 2, M7): one record per file, from the bundled web slices
// (fixtures/sample: web-en 170 lines, web-zh 140), packed into tasks of up to --task-size.
let dir: string;
let inputs: string;
let recipe: string;
let names: string[];
const RUN = (out: string, ...extra: string[]): string[] => ['run', recipe, '-i', inputs, '-o', out, '--task-size', '64KB', '-q', ...extra];

beforeAll(async () => {
  dir = await tempDir();
  inputs = join(dir, 'in');
  await mkdir(inputs);
  const en = gunzipSync(await readFile(join(ROOT, 'fixtures/sample/web-en.jsonl.gz'))).toString().trim().split('\n');
  const { execFileSync } = await import('node:child_process');
  const zh = execFileSync('zstd', ['-dc', join(ROOT, 'fixtures/sample/web-zh.jsonl.zst')]).toString().trim().split('\n');
  const lines = en.flatMap((l, i) => (i < zh.length ? [l, zh[i]] : [l]));
  names = [];
  for (const [i, l] of lines.entries()) {
    const name = `f${String(i).padStart(4, '0')}.jsonl`;
    await writeFile(join(inputs, name), l + '\n');
    names.push(name);
  }
  // An empty file, a damaged gzip (two records, cut short) and a record repeated, among them.
  await writeFile(join(inputs, 'f0100a.jsonl'), '');
  const gz = gzipSync(lines.slice(0, 2).join('\n') + '\n');
  await writeFile(join(inputs, 'f0200a.jsonl.gz'), gz.subarray(0, gz.length - 30));
  await writeFile(join(inputs, 'f0300a.jsonl'), lines[5] + '\n');
  names.push('f0100a.jsonl', 'f0200a.jsonl.gz', 'f0300a.jsonl');
  names.sort();
  recipe = join(dir, 'r.yaml');
  await writeFile(recipe, 'name: many\nstages:\n  - normalize: {}\n  - pii: {}\n  - dedup: {method: exact}\n  - dedup: {method: minhash}\noutput:\n  compression: gzip\n  shard_records: 50\nmax_reject_rate: 1\n');
}, 60_000);

interface PlanTask {
  file: string;
  files?: string[];
  bytes: number;
}

describe('run over many small files', () => {
  it('packs consecutive files into few tasks up to --task-size; byte-identical output for 1, 2 and 7 workers; per-file stats per file', async () => {
    const outs: string[] = [];
    for (const w of ['1', '2', '7']) {
      const out = join(dir, `w${w}`);
      const r = await runCli([...RUN(out), '--workers', w]);
      expect(r.code, r.stderr).toBe(1); // the damaged gzip
      expect(r.stderr).toMatch(/f0200a\.jsonl\.gz: unexpected end of file/);
      outs.push(out);
    }
    const plan = JSON.parse(await readFile(join(outs[0], '_plan.json'), 'utf8')) as { version: number; inputs: string[]; tasks: PlanTask[] };
    expect(plan.version).toBe(2);
    expect(plan.inputs.map((f) => f.slice(inputs.length + 1))).toEqual(names);
    // 313 files of ~0.5 MB: a handful of tasks (was one per file), each at most the task size,
    // the files in the run's order, every one in exactly one task.
    expect(plan.tasks.length).toBeGreaterThan(3);
    expect(plan.tasks.length).toBeLessThan(20);
    // A pack adds up to at most the task size; a single larger file is a task of its own.
    for (const t of plan.tasks) expect(t.files === undefined || t.bytes <= 64_000, JSON.stringify(t)).toBe(true);
    expect(plan.tasks.filter((t) => t.files !== undefined).length).toBeGreaterThan(3);
    expect(plan.tasks.flatMap((t) => t.files ?? [t.file])).toEqual(plan.inputs);
    const shards = (await readdir(outs[0])).filter((f) => f.startsWith('part-'));
    expect(shards.length).toBeLessThanOrEqual(plan.tasks.length * 2);
    const ref = await runOutput(outs[0]);
    expect(Object.keys(ref).length).toBeGreaterThan(2);
    expect(await runOutput(outs[1])).toEqual(ref);
    expect(await runOutput(outs[2])).toEqual(ref);
    // Per-file accounting stays per file: one record read from each (none from the empty one,
    // the gzip's intact record(s) from the damaged one), each written or rejected.
    const stats = JSON.parse(await readFile(join(outs[0], '_stats.json'), 'utf8')) as {
      files: number;
      read: number;
      written: number;
      rejected: number;
      tasks: number;
      fileErrors: { file: string }[];
      perFile: Record<string, { read: number; written: number; rejected: number; reasons: Record<string, number> }>;
    };
    expect(stats.tasks).toBe(plan.tasks.length);
    expect(stats.files).toBe(names.length);
    expect(Object.keys(stats.perFile).sort()).toEqual([...plan.inputs].sort());
    expect(stats.perFile[join(inputs, 'f0100a.jsonl')].read).toBe(0);
    for (const [f, v] of Object.entries(stats.perFile)) {
      if (/f\d{4}\.jsonl$/.test(f) || f.endsWith('f0300a.jsonl')) expect(v.read, f).toBe(1);
      expect(v.written + v.rejected, f).toBe(v.read);
    }
    const sum = (k: 'read' | 'written' | 'rejected'): number => Object.values(stats.perFile).reduce((a, v) => a + v[k], 0);
    expect([sum('read'), sum('written'), sum('rejected')]).toEqual([stats.read, stats.written, stats.rejected]);
    expect(stats.fileErrors.map((e) => e.file)).toEqual([join(inputs, 'f0200a.jsonl.gz')]);
    // The repeated record is removed as a duplicate of the first copy, which is in another file of another task.
    expect(stats.perFile[join(inputs, 'f0300a.jsonl')].reasons).toEqual({ 'dedup/dedup:exact': 1 });
  }, 300_000);

  it('resumes after kill -9 into byte-identical output; a pack is named by its files', async () => {
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [CLI, ...RUN(out), '--workers', '2'], { cwd: ROOT, stdio: 'ignore' });
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      // Markers only: a marker's temporary (before its rename) is not a finished task.
      const done = (await readdir(join(out, '_done', '0-tasks')).catch(() => [] as string[])).filter((f) => /^\d+$/.test(f));
      if (done.length >= 1 || existsSync(join(out, '_SUCCESS'))) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { tasks: PlanTask[] };
    const pack = plan.tasks.find((t) => t.files !== undefined)!;
    expect(describeTask(pack)).toBe(`${pack.files![0]} to ${pack.files![pack.files!.length - 1]} (${pack.files!.length} files)`);
    const status = await runCli(['status', out]);
    expect(status.stdout).toMatch(/not done: task \d+ \(.*f\d{4}[a-z]?\.jsonl/);
    const again = await runCli([...RUN(out).filter((a) => a !== '-q'), '--workers', '2']);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(/resuming the unfinished run .*: [1-9]\d* of \d+ units done/);
    const ref = join(dir, 'ref-killed');
    expect((await runCli([...RUN(ref), '--workers', '1'])).code).toBe(1);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 300_000);

  it('refuses an unfinished run folder of the older plan version (one task per file) by its version, and a --task-size below 1KiB', async () => {
    const out = join(dir, 'old');
    const r = await runCli([...RUN(out), '--workers', '1'], { env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/0' } });
    expect(r.code).toBe(1);
    const planFile = join(out, '_plan.json');
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as { version: number };
    await writeFile(planFile, JSON.stringify({ ...plan, version: 1 }));
    const again = await runCli(RUN(out));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/holds an unfinished run of a different recipe, inputs or settings \(the plan was written by another version of corpus-clean \(plan version 1, now 2\)\); pass --overwrite to start again/);
    const small = await runCli(['run', recipe, '-i', inputs, '-o', join(dir, 'small'), '--task-size', '1000']);
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(/--task-size must be at least 1KiB \(1024 bytes\); got 1000 bytes/);
    expect(existsSync(join(dir, 'small'))).toBe(false);
  }, 300_000);
});

describe('dedup-disk over many small files', () => {
  it('packs them into tasks and decides as dedup --minhash does', async () => {
    const mem = await runCli(['dedup', '--minhash', inputs, '-o', join(dir, 'mem.jsonl'), '--rejects', join(dir, 'mem.rej'), '-q', '--max-reject-rate', '1']);
    expect(mem.code).toBe(1); // the damaged gzip
    const disk = await runCli(['dedup-disk', inputs, '--work', join(dir, 'work'), '--workers', '2', '--task-size', '64KB', '-o', join(dir, 'disk.jsonl'), '--rejects', join(dir, 'disk.rej'), '-q', '--max-reject-rate', '1']);
    expect(disk.code, disk.stderr).toBe(1);
    const plan = JSON.parse(await readFile(join(dir, 'work', '_plan.json'), 'utf8')) as { tasks: PlanTask[] };
    expect(plan.tasks.length).toBeGreaterThan(3);
    expect(plan.tasks.length).toBeLessThan(20);
    expect(await readFile(join(dir, 'disk.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
    expect(await readFile(join(dir, 'disk.rej'), 'utf8')).toBe(await readFile(join(dir, 'mem.rej'), 'utf8'));
  }, 300_000);
});
