import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDecoded, ROOT, runCli, tempDir } from '../helpers/run.js';

const lines = (buf: Buffer | string): Record<string, any>[] => buf.toString().trim().split('\n').map((l) => JSON.parse(l));

/** The records of a (possibly compressed) file, through `corpus-clean cat`. */
async function catLines(file: string): Promise<Record<string, any>[]> {
  const r = await runCli(['cat', file, '-q', '--text-field', 'source']);
  expect(r.code, r.stderr).toBe(0);
  return lines(r.stdout);
}

describe('rejects you can afford to keep', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  // The sample recipe with gzip rejects: made once, read by two tests (a run is seconds on CI).
  let gzipRejects: Promise<{ out: string; run: Awaited<ReturnType<typeof runCli>> }> | undefined;
  const sampleGzipRejects = (): NonNullable<typeof gzipRejects> =>
    (gzipRejects ??= (async () => {
      const out = join(dir, 'gz-full');
      return { out, run: await runCli(['run', 'rules/recipes/sample.yaml', '-i', 'fixtures/sample', '-o', out, '--workers', '1', '-q', '--rejects-compress', 'gzip']) };
    })());

  it('sample_per_reason keeps the first N of each reason by task order, the same for 1 and 2 workers, and counts all; attrs: all keeps every signal; compression: zstd', async () => {
    const recipe = join(dir, 'r.yaml');
    const sample = await readFile(join(ROOT, 'rules/recipes/sample.yaml'), 'utf8');
    await writeFile(recipe, sample.replace('max_reject_rate: 0.1', 'max_reject_rate: 0.1\nrejects:\n  sample_per_reason: 1\n  attrs: all\n  compression: zstd\n'));
    const outs: string[] = [];
    for (const w of ['1', '2']) {
      const out = join(dir, `out-${w}`);
      // Several tasks (small files are packed into one task otherwise): licenses.jsonl is cut in three.
      const r = await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', out, '--workers', w, '-q', '--task-size', '200KB']);
      expect(r.code, r.stderr).toBe(0);
      outs.push(out);
    }
    const file = join(outs[0], '_rejects.jsonl.zst');
    // Byte for byte the same file whatever the number of workers.
    expect(await readFile(join(outs[1], '_rejects.jsonl.zst'))).toEqual(await readFile(file));
    const stats = JSON.parse(await readFile(join(outs[0], '_stats.json'), 'utf8'));
    expect(stats.tasks).toBeGreaterThan(1);
    expect(stats.rejects).toBe(file);
    const rejects = await catLines(file);
    const reasons = [stats.input, ...stats.stages].flatMap((s: { stage: string; dropped: Record<string, number> }) => Object.keys(s.dropped).map((k) => `${s.stage}/${k}`));
    expect(rejects).toHaveLength(new Set(reasons).size);
    expect(new Set(rejects.map((x) => `${x.stage}/${x.reason}`)).size).toBe(rejects.length);
    const left = Object.values(stats.rejects_left_out as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(rejects.length + left).toBe(stats.rejected);
    expect(stats.rejects_sample_per_reason).toBe(1);
    // The first of each reason in task order: from the first input file that has the reason.
    const perFile = stats.perFile as Record<string, { reasons: Record<string, number> }>;
    let several = 0;
    for (const x of rejects) {
      const key = `${x.stage}/${x.reason}`;
      const files = (stats.inputs as string[]).filter((f) => perFile[f]?.reasons[key]);
      if (files.length > 1) several++;
      expect(x.source.slice(0, x.source.lastIndexOf(':')), key).toBe(files[0]);
    }
    expect(several).toBeGreaterThan(2);
    const q = rejects.find((x) => x.stage === 'quality');
    expect(q.attrs.lang).toBeTypeOf('string');
    expect(Object.keys(q.attrs.quality).length).toBeGreaterThan(20);
    // The report reads the compressed file and still shows a sample for every reason, and the sampling.
    const html = await readFile(join(outs[0], '_report.html'), 'utf8');
    expect(html).not.toContain('No sample in the rejects file');
    expect(html).toContain(`${rejects.length} of ${stats.rejected}: at most 1 per reason`);
  });

  it('a sampled rejects file is gzipped at the rejects level like a full one (was: the merge wrote it at zlib default level 6)', async () => {
    const recipe = join(dir, 'g.yaml');
    const sample = await readFile(join(ROOT, 'rules/recipes/sample.yaml'), 'utf8');
    await writeFile(recipe, sample.replace('max_reject_rate: 0.1', 'max_reject_rate: 0.1\nrejects:\n  sample_per_reason: 1\n'));
    const sampled = join(dir, 'gz-sampled');
    // The sampled run over the slice's licence texts alone (28 rejects of 40, several reasons): what
    // is checked is how its rejects file is gzipped, not which records it holds.
    const runs = { full: await sampleGzipRejects(), sampled: { out: sampled, run: await runCli(['run', recipe, '-i', 'fixtures/sample/licenses.jsonl', '-o', sampled, '--workers', '1', '-q', '--rejects-compress', 'gzip']) } };
    for (const [name, { out, run }] of Object.entries(runs)) {
      expect(run.code, run.stderr).toBe(0);
      // Byte 8 of a gzip member (XFL) is 4 when zlib compressed it at level 1, 0 at its default.
      const gz = await readFile(join(out, '_rejects.jsonl.gz'));
      expect([gz[0], gz[1], gz[8]], name).toEqual([0x1f, 0x8b, 4]);
    }
  });

  it('gzip shards get zstd rejects unless told otherwise, holding what gzip rejects hold (was: gzip, twice the CPU for the same size)', async () => {
    const out = join(dir, 'zst-default');
    const run = await runCli(['run', 'rules/recipes/sample.yaml', '-i', 'fixtures/sample', '-o', out, '--workers', '1', '-q']);
    expect(run.code, run.stderr).toBe(0);
    const files = await readdir(out);
    expect(files).toContain('_rejects.jsonl.zst');
    expect(files).not.toContain('_rejects.jsonl.gz');
    expect(files.filter((f) => f.startsWith('part-')).every((f) => f.endsWith('.jsonl.gz'))).toBe(true);
    expect(await readFile(join(out, '_recipe.resolved.yaml'), 'utf8')).toMatch(/rejects:[^]*compression: zstd/);
    // The same lines as the gzip rejects of the same run.
    const { out: gz, run: g } = await sampleGzipRejects();
    expect(g.code, g.stderr).toBe(0);
    expect((await readDecoded(join(out, '_rejects.jsonl.zst'))).toString()).toBe(gunzipSync(await readFile(join(gz, '_rejects.jsonl.gz'))).toString());
    // Shards named otherwise keep rejects alike: none gives none.
    const plain = join(dir, 'zst-none');
    // (The licence texts alone: only the rejects file's name and compression are checked here.)
    const p = await runCli(['run', 'rules/recipes/sample.yaml', '-i', 'fixtures/sample/licenses.jsonl', '-o', plain, '--workers', '1', '-q', '--compress', 'none']);
    expect(p.code, p.stderr).toBe(0);
    expect(await readdir(plain)).toContain('_rejects.jsonl');
  });

  it('a --rejects file is compressed by its name, and --rejects-sample and --rejects-attrs work outside run', async () => {
    const file = join(dir, 'r.jsonl.gz');
    const r = await runCli(['quality', 'fixtures/sample/licenses.jsonl', '-o', join(dir, 'q.jsonl'), '--rejects', file, '--rejects-sample', '2']);
    expect(r.code).toBe(0);
    const rejects = lines(gunzipSync(await readFile(file)));
    const per = new Map<string, number>();
    for (const x of rejects) per.set(x.reason, (per.get(x.reason) ?? 0) + 1);
    expect(Math.max(...per.values())).toBe(2);
    // Only the failing rules' signals by default, all with --rejects-attrs all.
    expect(Object.keys(rejects[0].attrs.quality).length).toBeLessThan(10);
    const all = join(dir, 'all.jsonl');
    expect((await runCli(['quality', 'fixtures/sample/licenses.jsonl', '-o', join(dir, 'q2.jsonl'), '--rejects', all, '--rejects-attrs', 'all'])).code).toBe(0);
    expect(Object.keys(lines(await readFile(all, 'utf8'))[0].attrs.quality).length).toBeGreaterThan(20);
    expect((await runCli(['quality', 'fixtures/sample/licenses.jsonl', '--rejects-attrs', 'some'])).code).toBe(2);
    expect((await runCli(['quality', 'fixtures/sample/licenses.jsonl', '--rejects-sample', '-1'])).code).toBe(2);
  });
});
