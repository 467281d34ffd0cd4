import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShardSize, parseSize, sizeBytes } from '../../src/core/size.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23 B7 and hostile review 23 S1: `--shard-size 256` (meant as 256MB) was 256
// bytes, one shard per record, without a word; `1.5`, `1.9` were taken as 1 byte and `64i`,
// `64ib` as 64 bytes; and a refused size was said as 'bad size "1e3"', naming neither the
// command nor the option.
describe('sizes: no fraction of a byte, no unit junk, no bare tiny shard size (B7, S1)', () => {
  it('sizeBytes refuses a fraction of a byte and a suffix that is no unit', () => {
    for (const v of ['1.5', '1.9', '0.5', '64i', '64ib', '64iB', '64bi', '1.5b', 1.5]) expect(sizeBytes(v), String(v)).toBeNaN();
    expect(['64', '64b', '64B', '64k', '64KB', '64KiB', '64Ki', '1.5GiB', '1.5k', '64mb', '64 MiB', 4096].map(sizeBytes)).toEqual([64, 64, 64, 64000, 64000, 65536, 65536, 1.5 * 2 ** 30, 1500, 64e6, 64 << 20, 4096]);
  });

  it('parseSize names the option; a shard size without a unit under 64KiB is refused with the likely meaning', () => {
    expect(() => parseSize('1e3', 1, 'cat: --shard-size')).toThrow('cat: --shard-size must be a number of bytes or a size such as 64MiB, 256MB, 1GB, got "1e3"');
    expect(() => parseSize('1.5', 1, 'cat: --shard-size')).toThrow(/got "1\.5" \(a number alone is bytes, and a byte is not cut/);
    expect(() => parseShardSize('256', 'run: --shard-size')).toThrow('run: --shard-size 256 is 256 bytes: about one shard per record; did you mean 256MB?');
    expect(() => parseShardSize(256, 'r.yaml: output: shard_size')).toThrow(/^r\.yaml: output: shard_size 256 is 256 bytes/);
    expect([parseShardSize('1KB', 'x'), parseShardSize('256B', 'x'), parseShardSize('65536', 'x'), parseShardSize('256MB', 'x')]).toEqual([1000, 256, 65536, 256e6]);
  });

  it('on the command line and in a recipe: exit 2 before anything is written, naming command and option', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i} here` })).join('\n') + '\n');
    for (const [size, want] of [
      ['256', "corpus-clean: cat: --shard-size 256 is 256 bytes: about one shard per record; did you mean 256MB?"],
      ['1.9', 'corpus-clean: cat: --shard-size must be a number of bytes or a size such as 64MiB, 256MB, 1GB, got "1.9"'],
      ['64ib', 'corpus-clean: cat: --shard-size must be a number of bytes or a size such as 64MiB, 256MB, 1GB, got "64ib"'],
      ['1e3', 'corpus-clean: cat: --shard-size must be a number of bytes or a size such as 64MiB, 256MB, 1GB, got "1e3"'],
    ]) {
      const r = await runCli(['cat', 'a.jsonl', '-o', `s${size}/`, '--shard-size', size], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(want);
    }
    const small = await runCli(['cat', 'a.jsonl', '-o', 'small/', '--shard-size', '40B'], { cwd: dir });
    expect(small.code, small.stderr).toBe(0);
    await writeFile(join(dir, 'r.yaml'), 'stages: []\noutput: {shard_size: 256}\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'out'], { cwd: dir });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('r.yaml: output: shard_size 256 is 256 bytes');
    const task = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'out2', '--task-size', '1.5'], { cwd: dir });
    expect(task.code).toBe(2);
  });
});
