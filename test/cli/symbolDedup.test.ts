import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Review F15: MinHash kept every copy of a text without any word ("……", "￥", "- -"): such a
// text had no shingle. Every MinHash path (in memory, on disk, the run's global phase) now
// gives it one shingle of its characters, so exact copies are duplicates.
const TEXTS = ['……………………', '￥', '- -', '……………………', '￥', '- -', 'A real sentence with words in it.', '……………………'];

describe('MinHash dedup of texts without words, on every path', { timeout: 180_000 }, () => {
  it('dedup, dedup-disk and run keep one copy of each', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    // Each record padded to ~330 bytes, so that --task-size 1KiB (the smallest) cuts the file into several tasks.
    await writeFile(input, TEXTS.map((text) => JSON.stringify({ text, pad: 'x'.repeat(300) })).join('\n') + '\n');
    const want = ['……………………', '￥', '- -', 'A real sentence with words in it.'];
    const texts = async (p: string): Promise<string[]> => (await readFile(p, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);

    const mem = await runCli(['dedup', input, '-o', join(dir, 'mem.jsonl'), '-q']);
    expect(mem.code, mem.stderr).toBe(0);
    expect(await texts(join(dir, 'mem.jsonl'))).toEqual(want);

    const disk = await runCli(['dedup-disk', input, '-o', join(dir, 'disk.jsonl'), '--work', join(dir, 'work'), '-q']);
    expect(disk.code, disk.stderr).toBe(0);
    expect(await texts(join(dir, 'disk.jsonl'))).toEqual(want);

    await writeFile(join(dir, 'r.yaml'), `name: r\ninput: [in.jsonl]\nstages:\n  - dedup: {}\noutput: {compression: none}\nmax_reject_rate: 1\n`);
    const run = await runCli(['run', join(dir, 'r.yaml'), '-o', join(dir, 'run'), '-q', '--task-size', '1KiB']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(await readFile(join(dir, 'run', '_plan.json'), 'utf8')) as { tasks: unknown[] }).tasks.length).toBeGreaterThan(2);
    const stats = JSON.parse(await readFile(join(dir, 'run', '_stats.json'), 'utf8')) as { written: number; stages: { dropped: Record<string, number> }[] };
    expect(stats.written).toBe(4);
    expect(stats.stages[0].dropped).toEqual({ 'dedup:minhash': 4 });
  });
});
