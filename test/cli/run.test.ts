import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, tempDir, readDecoded } from '../helpers/run.js';

async function folderBytes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) if (f !== '_stats.json' && f !== '_report.html') out[f] = (await readFile(join(dir, f))).toString('base64');
  return out;
}

// The sample recipe run as the README says, made once (a few seconds; more on a busy machine):
// the first test reads it, the second runs it again beside it, the fourth damages a copy.
type Run = { out: string; r: Awaited<ReturnType<typeof runCli>> };
let sample: Promise<Run> | undefined;
function sampleRun(): Promise<Run> {
  sample ??= (async () => {
    const out = join(await tempDir(), 'out');
    return { out, r: await runCli(['run', 'rules/recipes/sample.yaml', '--output', out]) };
  })();
  return sample;
}

// Each test runs the sample recipe (a few seconds; more on a busy machine).
describe('corpus-clean run', { timeout: 60_000 }, () => {
  it('runs the sample recipe into a folder with shards, rejects, stats and the resolved recipe', async () => {
    const { out, r } = await sampleRun();
    expect(r.stderr).toMatch(/corpus-clean run: read \d+ = written \d+ \+ rejected \d+/);
    expect(r.code).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toContain('part-00000-00000.jsonl.gz');
    expect(files).toContain('_SUCCESS');
    // The rejects of gzip shards (the sample recipe's) are zstd: half the CPU of gzip, same size.
    expect(files).toEqual(expect.arrayContaining(['_rejects.jsonl.zst', '_stats.json', '_recipe.resolved.yaml', '_report.html']));
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8'));
    expect(stats.balanced).toBe(true);
    expect(stats.read).toBe(stats.written + stats.rejected);
    expect(stats.stages.map((s: { stage: string }) => s.stage)).toEqual(parse(await readFile(join(ROOT, 'rules/recipes/sample.yaml'), 'utf8')).stages.map((s: object) => Object.keys(s)[0]));
    let written = 0;
    for (const f of files.filter((x) => x.startsWith('part-'))) written += gunzipSync(await readFile(join(out, f))).toString().trim().split('\n').length;
    expect(written).toBe(stats.written);
    const rejects = (await readDecoded(join(out, '_rejects.jsonl.zst'))).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects).toHaveLength(stats.rejected);
    expect(stats.rejects).toBe(join(out, '_rejects.jsonl.zst'));
    // By default a reject keeps only the signals of the rules that failed.
    const q = rejects.find((x) => x.reason === 'gopher_quality:min_words');
    expect(q.attrs.lang).toBeUndefined();
    expect(q.attrs.quality.words).toBeTypeOf('number');
    expect(q.attrs.quality.dup_5gram_frac).toBeUndefined();
    expect(q.attrs.quality.failed).toContain('gopher_quality:min_words');
    expect(rejects.find((x) => x.reason === 'json_parse')?.source).toBe('fixtures/sample/repeats-and-damage.jsonl:6');
    // The README quotes this run's accounting line: keep it true.
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`read ${stats.read} = written ${stats.written} + rejected ${stats.rejected}`);
    const resolved = parse(await readFile(join(out, '_recipe.resolved.yaml'), 'utf8'));
    expect(resolved.input).toEqual(stats.inputs.map((f: string) => resolve(ROOT, f))); // absolute: the resolved recipe lives in the output folder
    expect(resolved.stages[0].normalize).toMatchObject({ unicode: 'NFC', max_blank_lines: 1 });
  });

  it('gives byte-identical output when run twice', async () => {
    const dir = await tempDir();
    const { out: a } = await sampleRun();
    await runCli(['run', 'rules/recipes/sample.yaml', '-o', join(dir, 'b')]);
    expect(await folderBytes(a)).toEqual(await folderBytes(join(dir, 'b')));
  });

  it('writes a resolved recipe that reproduces the run, flags included', async () => {
    const dir = await tempDir();
    const first = await runCli(['run', 'rules/recipes/sample.yaml', '-o', join(dir, 'a'), '--compress', 'zstd', '--shard-records', '50']);
    expect(first.code).toBe(0);
    const again = await runCli(['run', join(dir, 'a/_recipe.resolved.yaml'), '-o', join(dir, 'b')]);
    expect(again.code).toBe(0);
    const shards = (d: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(d).filter(([k]) => k.startsWith('part-')));
    const a = shards(await folderBytes(join(dir, 'a')));
    expect(Object.keys(a)).toContain('part-00000-00001.jsonl.zst'); // the four small files are one task, cut into shards of 50
    expect(shards(await folderBytes(join(dir, 'b')))).toEqual(a);
  });

  it('refuses an output folder holding an earlier run unless --overwrite, and skips run files when reading it', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    // A copy of the first test's finished run (this test overwrites its own).
    const first = await sampleRun();
    expect(first.r.code).toBe(0);
    await cp(first.out, out, { recursive: true });
    const again = await runCli(['run', 'rules/recipes/sample.yaml', '-o', out, '--task-size', '1MB']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds .* from an earlier run; remove them or pass --overwrite/);
    expect((await runCli(['run', 'rules/recipes/sample.yaml', '-o', out, '--overwrite'])).code).toBe(0);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8'));
    const back = await runCli(['cat', out, '-q']);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain(`read ${stats.written} = written ${stats.written} + rejected 0`);
  });

  it('checks the whole recipe before reading anything', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'bad.yaml');
    await writeFile(recipe, 'input: fixtures/sample\nstages:\n  - normalize: {}\n  - langid: {min_scor: 0.5}\n');
    const r = await runCli(['run', recipe, '-o', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: stages\[1\] \(langid\): unknown option 'min_scor'; did you mean 'min_score'\?; allowed: .*max_chars/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    await writeFile(recipe, 'stages: [nosuch]\n');
    const r2 = await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', join(dir, 'out')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/bad\.yaml: stages\[0\]: unknown stage 'nosuch'; known stages: /);
  });
});
