import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';
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
      const r = await runCli(['run', recipe, '-q', '-o', join(dir, w), '--workers', w]);
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
});
