import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SHARED, tempDir } from '../helpers/run.js';

describe('corpus-clean dedup-disk', () => {
  it('writes the same records and rejects as the in-memory dedup', async () => {
    const dir = await tempDir();
    const input = join(SHARED, 'neardup');
    const disk = await runCli(['dedup-disk', input, '--work', join(dir, 'work'), '-o', join(dir, 'disk.jsonl'), '--rejects', join(dir, 'disk.rej'), '-q']);
    const mem = await runCli(['dedup', input, '-o', join(dir, 'mem.jsonl'), '--rejects', join(dir, 'mem.rej'), '-q']);
    expect(disk.code).toBe(0);
    expect(mem.code).toBe(0);
    expect(await readFile(join(dir, 'disk.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
    const reasons = (f: string): Promise<string[]> => readFile(f, 'utf8').then((t) => t.trim().split('\n').map((l) => { const r = JSON.parse(l); return `${r.source} ${r.reason} ${r.detail.survivor}`; }).sort());
    expect(await reasons(join(dir, 'disk.rej'))).toEqual(await reasons(join(dir, 'mem.rej')));
    expect(disk.stderr).toMatch(/read 133 = written \d+ \+ rejected \d+ \[dedup\/dedup:minhash \d+\]/);
  });

  it('needs files and a new work folder', async () => {
    const dir = await tempDir();
    expect((await runCli(['dedup-disk', join(SHARED, 'neardup')])).stderr).toMatch(/--work DIR is required/);
    const r = await runCli(['dedup-disk', '--work', dir], { input: '{"text":"x"}\n' });
    expect(r.code).toBe(2);
  });
});
