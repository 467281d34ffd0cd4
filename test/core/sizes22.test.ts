import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/core/options.js';
import { parseSize, sizeBytes } from '../../src/core/size.js';
import { paragraphsOptions } from '../../src/stages/paragraphs/paragraphs.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 22 A7: `paragraphs --hold-bytes 1MB` and `--sketch-bytes 8MiB` were refused as
// not "a whole number in plain digits" (and a recipe's `sketch_bytes: 64MB`, as its comments
// write it), while --task-size 2MiB, --shard-size 256MB and --max-shard-size 100KiB took units.
// One reading of a size (core/size.ts) for every size option: stage options of type 'size' too.
describe('one size parser for every size option (A7)', () => {
  it('sizeBytes and parseSize', () => {
    expect([sizeBytes('4096'), sizeBytes('8MiB'), sizeBytes('1MB'), sizeBytes('64 MiB'), sizeBytes('1.5k'), sizeBytes(0), sizeBytes('0')]).toEqual([4096, 8 << 20, 1e6, 64 << 20, 1500, 0, 0]);
    expect(sizeBytes('1e9')).toBeNaN();
    expect(sizeBytes('lots')).toBeNaN();
    expect(() => parseSize('0')).toThrow(/at least 1 byte/);
    expect(parseSize('0', 0)).toBe(0);
  });

  it('paragraphs sketch_bytes and hold_bytes take units, in the API, a recipe and on the command line', async () => {
    const o = resolveOptions('paragraphs', paragraphsOptions, { sketchBytes: '8MiB', holdBytes: '1MB' });
    expect([o.sketchBytes, o.holdBytes]).toEqual([8 << 20, 1e6]);
    expect(resolveOptions('paragraphs', paragraphsOptions, { holdBytes: 0 }).holdBytes).toBe(0);
    expect(() => resolveOptions('paragraphs', paragraphsOptions, { sketchBytes: '2KiB' })).toThrow('must be at least 4096 bytes, got "2KiB" (2048 bytes)');
    expect(() => resolveOptions('paragraphs', paragraphsOptions, { sketchBytes: '2GiB' })).toThrow(/must be at most 1073741824 bytes/);
    expect(() => resolveOptions('paragraphs', paragraphsOptions, { holdBytes: 'much' })).toThrow(/must be a number of bytes or a size such as 64MiB/);
    const dir = await tempDir();
    const rec = (i: number): string => JSON.stringify({ text: `Document ${i} has its own first paragraph of words.\n\nCopyright notice shared by every page here.` });
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 8 }, (_, i) => rec(i)).join('\n') + '\n');
    const flags = await runCli(['paragraphs', 'in.jsonl', '--hold-bytes', '1MB', '--sketch-bytes', '8MiB', '--min-occurrences', '3', '--min-doc-chars', '5'], { cwd: dir });
    expect(flags.code, flags.stderr).toBe(0);
    const plain = await runCli(['paragraphs', 'in.jsonl', '--hold-bytes', '1000000', '--sketch-bytes', '8388608', '--min-occurrences', '3', '--min-doc-chars', '5'], { cwd: dir });
    expect(flags.stdout).toBe(plain.stdout);
    expect(flags.stdout).not.toContain('Copyright');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - paragraphs: {min_occurrences: 3, min_doc_chars: 5, sketch_bytes: 64 MB, hold_bytes: 1MiB}\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'out'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const help = await runCli(['paragraphs', '--help']);
    expect(help.stdout).toMatch(/--sketch-bytes SIZE .*\(default 64MiB\)/s);
  });
});
