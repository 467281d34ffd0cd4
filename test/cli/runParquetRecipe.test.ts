import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run.js';

// New-user review 6 #4: `run web-zh.yaml --output-format parquet` was refused for the recipe's
// JSONL-only shard_size ("--shard-size is for JSONL shards"), a flag the user had not given.
const dir = mkdtempSync(path.join(tmpdir(), 'run-pq-recipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --output-format parquet over a shipped JSONL recipe', () => {
  it('drops the recipe shard_size with a note and writes Parquet shards', async () => {
    const out = path.join(dir, 'o');
    const r = await runCli(['run', path.join(ROOT, 'rules/recipes/web-zh.yaml'), '-i', path.join(ROOT, 'fixtures/sample'), '-o', out, '--output-format', 'parquet', '--limit', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: the recipe's output: shard_size (256000000 bytes) is for JSONL shards and is not used with --output-format parquet");
    expect(readdirSync(out).some((f) => f.endsWith('.parquet'))).toBe(true);
  }, 120_000);

  it('still refuses a --shard-size given with --output-format parquet', async () => {
    const r = await runCli(['run', path.join(ROOT, 'rules/recipes/web-zh.yaml'), '-i', path.join(ROOT, 'fixtures/sample'), '-o', path.join(dir, 'p'), '--output-format', 'parquet', '--shard-size', '10MB']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shard-size is for JSONL shards');
  }, 120_000);

  it('takes the codec of the recipe as format: parquet in the recipe does (one rule)', async () => {
    const codec = (folder: string): string => {
      const f = readdirSync(folder).find((x) => x.endsWith('.parquet'))!;
      const b = readFileSync(path.join(folder, f));
      return String(parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer).row_groups[0].columns[0].meta_data?.codec);
    };
    const recipe = readFileSync(path.join(ROOT, 'rules/recipes/sample.yaml'), 'utf8');
    expect(recipe).toMatch(/compression: gzip/);
    const inRecipe = path.join(dir, 'pq.yaml');
    writeFileSync(inRecipe, recipe.replace(/^output:\n/m, 'output:\n  format: parquet\n'));
    const a = await runCli(['run', path.join(ROOT, 'rules/recipes/sample.yaml'), '-i', path.join(ROOT, 'fixtures/sample'), '-o', path.join(dir, 'flag'), '--output-format', 'parquet', '--limit', '20']);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['run', inRecipe, '-i', path.join(ROOT, 'fixtures/sample'), '-o', path.join(dir, 'rec'), '--limit', '20']);
    expect(b.code, b.stderr).toBe(0);
    expect(codec(path.join(dir, 'rec'))).toBe('GZIP');
    expect(codec(path.join(dir, 'flag'))).toBe('GZIP');
  }, 120_000);
});
