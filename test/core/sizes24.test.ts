import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShardSize, parseSize, sizeBytes } from '../../src/core/size.js';
import { runCliAll, tempDir } from '../helpers/run.js';

// New-user review 23b C8 and hostile review 23b N3: '--shard-size 65535' was asked 'did you mean
// 65535MB?'; 'run --task-size 100' was refused without 'run:'; '1.0001KB' was floored to 1000
// bytes (rc 0) while '1.5' was refused; a YAML list 'shard_size: [1]' was refused as 'got 1'.
describe('sizes, small things (C8, N3)', () => {
  it('a fraction of a byte is refused with a unit too, said in bytes; whole sizes with a fraction are taken exactly', () => {
    for (const v of ['1.0001KB', '0.1KiB', '1.0000001MB', '0.0005k']) expect(sizeBytes(v), v).toBeNaN();
    expect(() => parseSize('1.0001KB', 1, 'cat: --shard-size')).toThrow('cat: --shard-size must be a whole number of bytes, got "1.0001KB" (1000.1 bytes: a byte is not cut; give 1000B, or a size that is whole in its unit)');
    expect(() => parseSize('0.1KiB', 1, 'x')).toThrow('(102.4 bytes: a byte is not cut; give 102B,');
    // 1.1 * 1000 is 1100.0000000000002 in floating point: worked out in integers.
    expect(['1.1KB', '1.5KiB', '1.5GiB', '2.25MB', '0.5KiB', '1.10KB', '64KiB'].map(sizeBytes)).toEqual([1100, 1536, 1.5 * 2 ** 30, 2250000, 512, 1100, 65536]);
  });

  it("'did you mean NMB?' only for a small number; a list or a mapping is said as one", () => {
    expect(() => parseShardSize('256', 'cat: --shard-size')).toThrow('cat: --shard-size 256 is 256 bytes: about one shard per record; did you mean 256MB? A number alone is bytes: below 64KiB give the unit (256B, 1KB)');
    let said = '';
    try {
      parseShardSize('65535', 'cat: --shard-size');
    } catch (e) {
      said = (e as Error).message;
    }
    expect(said).toBe('cat: --shard-size 65535 is 65535 bytes: small shards of a few records each; a number alone is bytes: below 64KiB give the unit (65535B)');
    expect(() => parseShardSize([1], 'r.yaml: output: shard_size')).toThrow('r.yaml: output: shard_size must be a number of bytes or a size such as 64MiB, 256MB, 1GB, got a list ([1])');
    expect(() => parseSize({ a: 1 }, 1, 'x')).toThrow('got a mapping ({"a":1})');
  });

  it('every task-size refusal names its command, or its recipe file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), '{"text":"one record"}\n');
    await writeFile(join(dir, 'r.yaml'), 'stages: []\n');
    await writeFile(join(dir, 'small.yaml'), 'stages: []\nexecutor: {task_size: 100}\n');
    await writeFile(join(dir, 'list.yaml'), 'stages: []\noutput: {shard_size: [1]}\n');
    const [run, recipe, list, cut] = await runCliAll(
      [
        ['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o1', '--task-size', '100'],
        ['run', 'small.yaml', '-i', 'a.jsonl', '-o', 'o2'],
        ['run', 'list.yaml', '-i', 'a.jsonl', '-o', 'o3'],
        ['cat', 'a.jsonl', '-o', 'o4/', '--shard-size', '1.0001KB'],
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('corpus-clean: run: --task-size must be at least 1KiB (1024 bytes); got 100 bytes');
    expect(recipe.code).toBe(2);
    expect(recipe.stderr).toContain('small.yaml: executor: task_size must be at least 1KiB');
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('list.yaml: output: shard_size must be a number of bytes or a size such as 64MiB, 256MB, 1GB, got a list ([1])');
    expect(cut.code, cut.stderr).toBe(2);
    expect(cut.stderr).toContain('cat: --shard-size must be a whole number of bytes, got "1.0001KB"');
  });
});
