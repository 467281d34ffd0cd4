import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, ROOT, runCli, SHARED, tempDir } from '../helpers/run.js';

describe('corpus-clean dedup-disk', () => {
  // fixtures/dedup: 31 records (licence texts and the Data-Juicer demo) with exact and near duplicates;
  // ../shared/data/neardup: the same two sources in full, 133 records.
  for (const [input, n] of [[join(ROOT, 'fixtures/dedup'), 31], [join(SHARED, 'neardup'), 133]] as const) {
    it.runIf(n === 31 || HAS_SHARED)(`writes the same records and rejects as the in-memory dedup (${n} records)`, async () => {
      const dir = await tempDir();
      const disk = await runCli(['dedup-disk', input, '--work', join(dir, 'work'), '-o', join(dir, 'disk.jsonl'), '--rejects', join(dir, 'disk.rej'), '-q']);
      const mem = await runCli(['dedup', input, '-o', join(dir, 'mem.jsonl'), '--rejects', join(dir, 'mem.rej'), '-q']);
      expect(disk.code).toBe(0);
      expect(mem.code).toBe(0);
      expect(await readFile(join(dir, 'disk.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
      const reasons = (f: string): Promise<string[]> => readFile(f, 'utf8').then((t) => t.trim().split('\n').map((l) => { const r = JSON.parse(l); return `${r.source} ${r.reason} ${r.detail.survivor}`; }).sort());
      const rej = await reasons(join(dir, 'disk.rej'));
      expect(rej.length).toBeGreaterThan(0);
      expect(rej).toEqual(await reasons(join(dir, 'mem.rej')));
      expect(disk.stderr).toMatch(new RegExp(`read ${n} = written \\d+ \\+ rejected \\d+ \\[dedup/dedup:minhash \\d+\\]`));
      await rm(dir, { recursive: true, force: true });
    });
  }

  it('needs files and a new work folder', async () => {
    const dir = await tempDir();
    expect((await runCli(['dedup-disk', join(ROOT, 'fixtures/dedup')])).stderr).toMatch(/--work DIR is required/);
    const r = await runCli(['dedup-disk', '--work', dir], { input: '{"text":"x"}\n' });
    expect(r.code).toBe(2);
  });
});

describe('input order', () => {
  it('survivors do not depend on the order files are given in, and records without text are rejected in both modes', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    const dir = await tempDir();
    await mkdir(join(dir, 'x'));
    const text = 'the same long licence text repeated in two files so that one of them is a duplicate '.repeat(5);
    await writeFile(join(dir, 'x/a.jsonl'), JSON.stringify({ id: 'A', text }) + '\n{"text":""}\n{"id":1}\n');
    await writeFile(join(dir, 'x/b.jsonl'), JSON.stringify({ id: 'B', text }) + '\n');
    const ids = async (args: string[]): Promise<string> => (await runCli(args)).stdout.trim().split('\n').map((l) => JSON.parse(l).id).join(',');
    const ab = await ids(['dedup', join(dir, 'x/b.jsonl'), join(dir, 'x/a.jsonl'), '-q', '--max-reject-rate', '1']);
    expect(ab).toBe('A');
    expect(await ids(['dedup', join(dir, 'x/a.jsonl'), join(dir, 'x/b.jsonl'), '-q', '--max-reject-rate', '1'])).toBe('A');
    const disk = await runCli(['dedup-disk', join(dir, 'x/b.jsonl'), join(dir, 'x/a.jsonl'), '--work', join(dir, 'w'), '-q', '--max-reject-rate', '1']);
    expect(disk.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['A']);
    expect(disk.stderr).toMatch(/read 4 = written 1 \+ rejected 3/);
  });
});
