import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// Hostile review 2 L4: `paragraphs` wrote a sketch of sketch_bytes (64 MiB by default) per task
// into _work whatever the task's size: `--task-size 256KB` on 1.2 MB gave 386 MB.
describe('paragraphs in run: the sketch of each task', () => {
  it('is as large as the task needs (default sketch_bytes, small tasks: KBs, not 64 MiB each); decisions as with one task', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/sample');
    const recipe = join(dir, 'p.yaml');
    await writeFile(recipe, `name: p\ninput: [${input}]\nstages:\n  - normalize: {}\n  - paragraphs: {unit: line, min_occurrences: 3}\noutput: {shard_records: 100, compression: gzip}\nmax_reject_rate: 1\n`);
    const out = join(dir, 'small');
    const args = ['run', recipe, '-o', out, '-q', '--workers', '1', '--task-size', '64KB'];
    // Stopped in the phase that filters: the task sketches and the merged one are still in _work.
    const stopped = await runCli(args, { env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/0' } });
    expect(stopped.code).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { tasks: unknown[] };
    expect(plan.tasks.length).toBeGreaterThan(5);
    const work = join(out, '_work', 'global', '0');
    const sketches = (await readdir(work)).filter((f) => /^paragraphs-task-\d+\.cms$/.test(f));
    expect(sketches).toHaveLength(plan.tasks.length);
    let inputBytes = 0;
    for (const f of await readdir(input)) inputBytes += (await stat(join(input, f))).size;
    let total = 0;
    for (const f of sketches) {
      const size = (await stat(join(work, f))).size;
      expect(size, f).toBeLessThan(200_000); // was 64 MiB each
      total += size;
    }
    expect(total).toBeLessThan(inputBytes);
    expect((await stat(join(work, 'paragraphs-merged.cms'))).size).toBe(64 * 1024 * 1024); // the one merged sketch
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    // The same decisions as one task (one sketch of the whole input).
    const one = join(dir, 'one');
    expect((await runCli(['run', recipe, '-o', one, '-q', '--workers', '1', '--task-size', '1GB'])).code).toBe(0);
    const records = async (d: string): Promise<string> => {
      let s = '';
      for (const f of (await readdir(d)).filter((x) => x.startsWith('part-')).sort()) s += gunzipSync(await readFile(join(d, f))).toString();
      return s;
    };
    const kept = await records(out);
    expect(kept).toBe(await records(one));
    const removed = (d: string): Promise<number> => readFile(join(d, '_stats.json'), 'utf8').then((t) => (JSON.parse(t) as { stages: { stage: string; counters: Record<string, number> }[] }).stages.find((s) => s.stage === 'paragraphs')!.counters.units_removed);
    expect(await removed(out)).toBeGreaterThan(10);
    expect(await removed(out)).toBe(await removed(one));
  }, 300_000);

  it('--sketch-bytes has an upper bound (1 GiB)', async () => {
    const r = await runCli(['paragraphs', '--sketch-bytes', String(2 ** 31)], { input: '{"text":"x"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sketch-bytes must be at most 1073741824 bytes, got "2147483648"/);
  });
});
