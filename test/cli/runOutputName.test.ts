import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/** `run -o clean.jsonl` made a folder named like a data file, without a word (new-user review 5 #6). */
describe('run -o NAME named like a data file', () => {
  it('is a usage error that says run writes a folder; a trailing / makes that folder on purpose', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"one record"}\n');
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: r\nstages:\n  - normalize: {}\n');
    const out = join(dir, 'clean.jsonl');
    const r = await runCli(['run', recipe, '-i', input, '-o', out, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`run writes a folder of shards, not a file: -o '${out}'`);
    expect(existsSync(out)).toBe(false);
    const slash = await runCli(['run', recipe, '-i', input, '-o', out + '/', '-q']);
    expect(slash.code, slash.stderr).toBe(0);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
  });

  it('-o clean.parquet says how run writes Parquet shards (new-user review 5 #12)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"one record"}\n');
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: r\nstages:\n  - normalize: {}\n');
    const out = join(dir, 'clean.parquet');
    const r = await runCli(['run', recipe, '-i', input, '-o', out, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("(-o " + join(dir, 'clean') + ')');
    expect(r.stderr).toContain("for Parquet shards give --output-format parquet (or the recipe's output: {format: parquet})");
    // Asked for already: the folder name is the only problem.
    const asked = await runCli(['run', recipe, '-i', input, '-o', out, '--output-format', 'parquet', '-q']);
    expect(asked.code).toBe(2);
    expect(asked.stderr).not.toContain('--output-format parquet (or');
    const slash = await runCli(['run', recipe, '-i', input, '-o', join(dir, 'clean') + '/', '--output-format', 'parquet', '-q']);
    expect(slash.code, slash.stderr).toBe(0);
    expect(existsSync(join(dir, 'clean', 'part-00000-00000.parquet'))).toBe(true);
  });
});
