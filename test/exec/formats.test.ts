import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readDecoded, ROOT, runCli, tempDir } from '../helpers/run.js';
import { runOutput } from './helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('run on local workers over Parquet and WARC inputs', () => {
  it('gives byte-identical shards and rejects for 1 and 2 workers (each Parquet and WARC file a task)', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const inputs = ['dolma-snappy.parquet', 'dolma-gzip.parquet', 'dolma-zstd.parquet', 'dolma-brotli.parquet'].map((f) => join(ROOT, 'fixtures/parquet', f));
    inputs.push(join(ROOT, 'fixtures/warc/dolma-slice.warc.gz'), join(ROOT, 'fixtures/warc/dolma-slice.warc'));
    // Exact dedup makes a global phase: the four Parquet files hold the same rows, the two WARC
    // files the same pages, so the kept records depend on the order tasks are merged in.
    const recipe = join(dir, 'formats.yaml');
    await writeFile(recipe, `name: formats\ninput:\n${inputs.map((i) => `  - ${i}\n`).join('')}stages:\n  - normalize: {}\n  - dedup:\n      method: exact\noutput:\n  shard_records: 2\nmax_reject_rate: 0.9\n`);
    const outs: Record<string, string>[] = [];
    for (const w of ['1', '2']) {
      // 8000 bytes: each file a task of its own (each is 7-9 KB or larger, no two fit in one task).
      const r = await runCli(['run', recipe, '-q', '-o', join(dir, w), '--workers', w, '--task-size', '8000']);
      expect(r.code, r.stderr).toBe(0);
      outs.push(await runOutput(join(dir, w)));
    }
    expect(outs[1]).toEqual(outs[0]);
    const plan = JSON.parse(await readFile(join(dir, '2', '_plan.json'), 'utf8'));
    expect(plan.tasks.length).toBe(inputs.length);
    const stats = JSON.parse(await readFile(join(dir, '2', '_stats.json'), 'utf8'));
    expect(stats.read).toBe(stats.written + stats.rejected);
    expect(stats.written).toBe(5); // 3 distinct Parquet rows + 2 distinct pages
    expect(Object.keys(outs[0]).filter((f) => f.startsWith('part-')).length).toBeGreaterThan(1);
  }, 300_000);

  it('cuts a large Parquet file into row-group tasks: byte-identical for 1 and 2 workers, the same records, rejects and accounting as one task', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    // 170 real web records in 9 row groups of 20 rows (about 30 KB each; all 170 are written: the Parquet schema is the union of the fields).
    const file = join(dir, 'web.parquet');
    const made = await runCli(['cat', join(ROOT, 'fixtures/sample/web-en.jsonl.gz'), '-o', file, '--row-group-size', '20', '-q']);
    expect(made.code, made.stderr).toBe(0);
    const recipe = join(dir, 'pq.yaml');
    await writeFile(recipe, `name: pq\ninput: [${file}]\nstages:\n  - normalize: {}\n  - quality: {preset: auto}\n  - dedup: {method: minhash}\noutput: {shard_records: 40}\nmax_reject_rate: 0.9\n`);
    for (const [name, extra] of [['w1', ['--workers', '1', '--task-size', '50KB']], ['w2', ['--workers', '2', '--task-size', '50KB']], ['one', ['--workers', '1']]] as const) {
      const r = await runCli(['run', recipe, '-q', '-o', join(dir, name), ...extra]);
      expect(r.code, r.stderr).toBe(0);
    }
    const plan = JSON.parse(await readFile(join(dir, 'w1', '_plan.json'), 'utf8'));
    expect(plan.tasks.length).toBeGreaterThanOrEqual(4);
    expect(plan.tasks.map((t: { rowGroups?: number[] }) => t.rowGroups)).toContainEqual([2, 4]);
    expect(JSON.parse(await readFile(join(dir, 'one', '_plan.json'), 'utf8')).tasks.length).toBe(1);
    expect(await runOutput(join(dir, 'w2'))).toEqual(await runOutput(join(dir, 'w1')));
    const records = async (d: string): Promise<string> => {
      let s = '';
      for (const f of (await readdir(d)).filter((x) => x.startsWith('part-')).sort()) s += gunzipSync(await readFile(join(d, f))).toString();
      return s;
    };
    const kept = await records(join(dir, 'w1'));
    expect(kept === (await records(join(dir, 'one'))), 'the kept records differ from one task').toBe(true);
    const rejects = async (d: string): Promise<string> => readFile(join(d, '_rejects.jsonl'), 'utf8').catch(async () => (await readDecoded(join(d, '_rejects.jsonl.zst'))).toString());
    const r1 = await rejects(join(dir, 'w1'));
    expect(r1 === (await rejects(join(dir, 'one'))), 'the rejects differ from one task').toBe(true);
    // Sources count rows from the start of the file in every task.
    const rows = [...r1.matchAll(/web\.parquet:(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...rows)).toBeGreaterThan(100);
    const stats = async (d: string): Promise<{ read: number; written: number; rejected: number; files: number; bytesRead: number; perFile: unknown }> => JSON.parse(await readFile(join(d, '_stats.json'), 'utf8'));
    const [s1, s0] = [await stats(join(dir, 'w1')), await stats(join(dir, 'one'))];
    expect(s1.read).toBe(170);
    const pick = (s: typeof s1): object => ({ read: s.read, written: s.written, rejected: s.rejected, files: s.files, bytesRead: s.bytesRead, perFile: s.perFile });
    expect(pick(s1)).toEqual(pick(s0));
  }, 300_000);
});
