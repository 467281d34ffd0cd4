import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, HAS_SHARED, readDecoded, ROOT, runCli, SHARED, tempDir, withFlag } from '../helpers/run.js';
import { runOutput } from './helpers.js';

// The sample recipe (normalize, langid, quality, exact dedup, MinHash dedup) over the bundled
// real slice (fixtures/sample); a small --task-size cuts licenses.jsonl into many byte ranges.
const SAMPLE = ['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q'];

// The finished run of SAMPLE on 2 workers: made by the first test, the reference of the kill -9
// test (made once: each run of the sample recipe takes seconds of the suite's time on CI).
let twoWorkers: Promise<string> | undefined;
function sampleOnTwo(dir: string): Promise<string> {
  twoWorkers ??= (async () => {
    const r = await runCli([...SAMPLE, '-o', join(dir, '2'), '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    return join(dir, '2');
  })();
  return twoWorkers;
}

describe('run on local workers', () => {
  it('gives byte-identical shards and rejects for 1, 2 and 7 workers, the same records as one task, and marks the run finished', async () => {
    const dir = await tempDir();
    const outs: Record<string, string>[] = [];
    for (const w of ['1', '2', '7']) {
      if (w === '2') await sampleOnTwo(dir);
      else {
        const r = await runCli([...SAMPLE, '-o', join(dir, w), '--workers', w]);
        expect(r.code, r.stderr).toBe(0);
      }
      outs.push(await runOutput(join(dir, w)));
    }
    expect(Object.keys(outs[0]).filter((f) => f.startsWith('part-')).length).toBeGreaterThan(4);
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
    const plan = JSON.parse(await readFile(join(dir, '1', '_plan.json'), 'utf8'));
    expect(plan.tasks.length).toBeGreaterThan(8);
    expect(plan.tasks.some((t: { start?: number }) => (t.start ?? 0) > 0)).toBe(true);
    expect(plan.phases.map((p: { id: string }) => p.id)).toEqual(['0-tasks', '1-dedup-partitions', '2-tasks', '3-dedup-bands', '4-dedup-cluster', '5-tasks']);
    // The same kept records, in the same order, and the same rejects as one big task.
    const one = await runCli(['run', 'rules/recipes/sample.yaml', '-q', '-o', join(dir, 'one'), '--task-size', '1GB']);
    expect(one.code).toBe(0);
    const records = async (d: string): Promise<string> => {
      const { gunzipSync } = await import('node:zlib');
      let s = '';
      for (const f of (await readdir(d)).filter((x) => x.startsWith('part-')).sort()) s += gunzipSync(await readFile(join(d, f))).toString();
      return s;
    };
    expect(await records(join(dir, '2'))).toBe(await records(join(dir, 'one')));
    // The rejects of gzip shards (the sample recipe's) are zstd.
    const rejects = async (d: string): Promise<string[]> => (await readDecoded(join(d, '_rejects.jsonl.zst'))).toString().trim().split('\n').sort();
    expect(await rejects(join(dir, '2'))).toEqual(await rejects(join(dir, 'one')));
    const stats = JSON.parse(await readFile(join(dir, '2', '_stats.json'), 'utf8'));
    expect(stats.read).toBe(stats.written + stats.rejected);
    expect(stats.tasks).toBe(plan.tasks.length);
    expect(stats.stages.find((s: { stage: string; dropped: Record<string, number> }) => s.dropped['dedup:exact'])).toBeDefined();
    expect(existsSync(join(dir, '2', '_work'))).toBe(false);
  }, 300_000);

  it('resumes after kill -9: the rerun skips finished tasks, removes stale temporaries and gives byte-identical output', async () => {
    const dir = await tempDir();
    const ref = await sampleOnTwo(dir);
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [CLI, ...SAMPLE, '-o', out, '--workers', '2'], { cwd: ROOT, stdio: 'ignore' });
    // Kill as soon as some tasks are done but the run is not finished.
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const done = await readdir(join(out, '_done', '0-tasks')).catch(() => [] as string[]);
      if (done.length >= 2 || existsSync(join(out, '_SUCCESS'))) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    // A stale temporary of the killed run, and an unfinished folder refused as input.
    await writeFile(join(out, '.part-00001-00000.jsonl.gz.tmp-99999-0'), 'half');
    const cat = await runCli(['cat', out, '-q']);
    expect(cat.code).toBe(2);
    expect(cat.stderr).toMatch(/is an unfinished run \(no _SUCCESS\)/);
    const status = await runCli(['status', out]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/not finished/);
    const again = await runCli([...SAMPLE.filter((a) => a !== '-q'), '-o', out, '--workers', '2']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming the unfinished run .*: [1-9]\d* of \d+ units done/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
    expect((await readdir(out)).some((f) => f.includes('.tmp-'))).toBe(false);
    expect((await runCli(['status', out])).code).toBe(0);
    expect((await runCli(['cat', out, '-q'])).code).toBe(0);
  }, 300_000);

  it('a failing task stops the run with the task, its input and the reason; the rerun finishes it', async () => {
    const dir = await tempDir();
    const out = join(dir, 'o');
    const r = await new Promise<{ code: number; stderr: string }>((res) => {
      const p = spawn(process.execPath, [CLI, ...SAMPLE, '-o', out, '--workers', '2'], { cwd: ROOT, env: { ...process.env, CORPUS_CLEAN_FAIL_UNIT: '2-tasks/3' } });
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err += b));
      p.on('close', (code) => res({ code: code ?? -1, stderr: err }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/task 3 of phase 2-tasks \(fixtures\/sample\/licenses\.jsonl bytes \d+-\d+ \(from line \d+\)\) failed: .*failing on purpose/);
    expect(existsSync(join(out, '_done', '3-dedup-bands'))).toBe(false);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    const again = await runCli([...SAMPLE, '-o', out, '--workers', '2']);
    expect(again.code).toBe(0);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
  }, 300_000);

  it('a finished run folder: the same command has nothing to do, another is refused unless --overwrite; an unfinished one of another plan too', async () => {
    const dir = await tempDir();
    const out = join(dir, 'o');
    // A copy of the finished run of SAMPLE on 2 workers (the first test's): this test damages its own.
    await cp(await sampleOnTwo(dir), out, { recursive: true });
    const again = await runCli([...SAMPLE, '-o', out]);
    expect(again.code, again.stderr).toBe(0);
    const said = await runCli([...SAMPLE.filter((a) => a !== '-q'), '-o', out]);
    expect(said.code, said.stderr).toBe(0);
    expect(said.stderr).toMatch(/already a finished run of this command over the same inputs .*: nothing to do/);
    const another = await runCli([...withFlag(SAMPLE, '--task-size', '1MB'), '-o', out]);
    expect(another.code).toBe(2);
    expect(another.stderr).toMatch(/already holds .* from an earlier run/);
    await rm(join(out, '_SUCCESS'));
    const other = await runCli([...withFlag(SAMPLE, '--task-size', '1MB'), '-o', out]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/unfinished run of a different recipe, inputs or settings \(--task-size was \d+ bytes, now 1000000\); pass --overwrite/);
    // The message names what differs (was: only 'a different recipe, inputs or settings').
    const field = await runCli([...SAMPLE, '-o', out, '--text-field', 'body', '--rejects-compress', 'none']);
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(/--rejects-compress was "zstd", now "none" \(give --rejects-compress zstd to resume it\); --text-field was unset, now "body"/);
  }, 300_000);
});

describe('stages of your own on workers', () => {
  it('worker threads and child processes load a recipe\'s `- module:` stage; output as with 1 worker', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'custom.yaml');
    await writeFile(recipe, `name: custom\ninput: [${ROOT}/fixtures/sample/licenses.jsonl]\nstages:\n  - normalize\n  - module: ${ROOT}/examples/custom-stage/min-chars.js\n    min_chars: 2000\noutput: {compression: none}\n`);
    const outs: Record<string, string>[] = [];
    for (const [name, extra] of [['w1', ['--workers', '1']], ['w2', ['--workers', '2']], ['p2', ['--workers', '2', '--worker-kind', 'process']]] as const) {
      const r = await runCli(['run', recipe, '-o', join(dir, name), '--task-size', '50KB', '-q', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/\[min-chars\/too_short:2000 \d+\]/);
      outs.push(await runOutput(join(dir, name)));
    }
    expect(Object.keys(outs[0]).filter((f) => f.startsWith('part-')).length).toBeGreaterThan(3);
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
  }, 300_000);
});

describe('a worker that cannot start', () => {
  // A stage module that loads in the calling thread but throws where a worker loads it: the run
  // fails naming the reason, and does not wait forever for the worker (a child process that
  // died before it was ready hung the run). Its records take 25 ms each, and the first waits
  // until a worker has tried to load it (a file the worker writes before it throws), so that the
  // calling thread is still at work when the worker fails, however slowly the worker starts (on
  // a loaded machine the calling thread had done every record first: exit 0).
  for (const kind of ['process', 'thread']) {
    it(`fails the run with the reason (worker ${kind === 'process' ? 'processes' : 'threads'})`, async () => {
      const dir = await tempDir();
      const mod = join(dir, 'fragile.js');
      const tried = JSON.stringify(join(dir, 'worker-tried'));
      await writeFile(mod, `import { existsSync, writeFileSync } from 'node:fs';\nimport { isMainThread } from 'node:worker_threads';\nimport { docStage } from '${ROOT}/dist/index.js';\nif (!isMainThread || process.env.CORPUS_CLEAN_WORKER !== undefined) { writeFileSync(${tried}, ''); throw new Error('fragile cannot start here'); }\nconst nap = new Int32Array(new SharedArrayBuffer(4));\nconst until = Date.now() + 90000;\nexport default { name: 'fragile', summary: 'keeps everything', options: {}, create: () => docStage({ name: 'fragile', options: {}, apply: () => { while (!existsSync(${tried}) && Date.now() < until) Atomics.wait(nap, 0, 0, 10); const t = Date.now() + 25; while (Date.now() < t); } }) };\n`);
      const recipe = join(dir, 'fragile.yaml');
      await writeFile(recipe, `name: fragile\ninput: [${ROOT}/fixtures/sample/licenses.jsonl]\nstages:\n  - normalize\n  - module: ${mod}\noutput: {compression: none}\n`);
      const r = await runCli(['run', recipe, '-o', join(dir, 'o'), '--task-size', '50KB', '-q', '--workers', '2', '--worker-kind', kind], { timeoutMs: 110_000 });
      expect(r.signal, r.stderr).toBeUndefined();
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/corpus-clean run: error: .*(fragile cannot start here|worker process (\(PID \d+\) )?exited with code 1)/);
      expect(r.stderr).toMatch(/run the same command again to (resume|start it from its plan)/);
      expect(existsSync(join(dir, 'o', '_SUCCESS'))).toBe(false);
    }, 120_000);
  }
});

describe('the paragraphs stage as a global phase', () => {
  it('gives byte-identical output and the same per-file accounting for 1 and 2 workers and one task, equal to the stage commands', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'p.yaml');
    // Lines found in 3 or more documents (licence boilerplate, web footers) are removed; a small
    // sketch keeps the per-task files small.
    await writeFile(recipe, `name: p\ninput: [${ROOT}/fixtures/sample]\nstages:\n  - normalize: {}\n  - paragraphs: {unit: line, min_occurrences: 3, sketch_bytes: 65536}\n  - dedup: {method: exact}\noutput: {shard_records: 100, compression: gzip}\n`);
    for (const [name, extra] of [['w1', ['--workers', '1', '--task-size', '40KB']], ['w2', ['--workers', '2', '--task-size', '40KB']], ['one', ['--workers', '1', '--task-size', '1GB']]] as const) {
      const r = await runCli(['run', recipe, '-o', join(dir, name), '-q', ...extra]);
      expect(r.code, r.stderr).toBe(0);
    }
    const plan = JSON.parse(await readFile(join(dir, 'w1', '_plan.json'), 'utf8'));
    expect(plan.phases.map((p: { id: string }) => p.id)).toEqual(['0-tasks', '1-paragraphs-merge', '2-tasks', '3-dedup-partitions', '4-tasks']);
    expect(plan.tasks.length).toBeGreaterThan(8);
    expect(await runOutput(join(dir, 'w2'))).toEqual(await runOutput(join(dir, 'w1')));
    const { gunzipSync } = await import('node:zlib');
    const records = async (d: string): Promise<string> => {
      let s = '';
      for (const f of (await readdir(d)).filter((x) => x.startsWith('part-')).sort()) s += gunzipSync(await readFile(join(d, f))).toString();
      return s;
    };
    const kept = await records(join(dir, 'w1'));
    expect(kept).toBe(await records(join(dir, 'one')));
    const stats = async (d: string): Promise<{ files: number; perFile: unknown; stages: { stage: string; counters: Record<string, number> }[] }> => JSON.parse(await readFile(join(d, '_stats.json'), 'utf8'));
    const [s1, s0] = [await stats(join(dir, 'w1')), await stats(join(dir, 'one'))];
    expect(s1.perFile).toEqual(s0.perFile); // byte-range tasks count their records under their file
    expect(s1.files).toBe(s0.files);
    const para = (s: Awaited<ReturnType<typeof stats>>): object => ({ ...s.stages.find((x) => x.stage === 'paragraphs')!, ms: 0 });
    expect(s1.stages.find((x) => x.stage === 'paragraphs')!.counters.units_removed).toBeGreaterThan(100);
    expect(para(s1)).toEqual(para(s0));
    // The same records as the one-process stage commands, chained.
    const norm = await runCli(['normalize', join(ROOT, 'fixtures/sample'), '-o', join(dir, 'n.jsonl'), '-q']);
    expect(norm.code).toBe(0);
    const para2 = await runCli(['paragraphs', join(dir, 'n.jsonl'), '--unit', 'line', '--min-occurrences', '3', '--sketch-bytes', '65536', '-o', join(dir, 'p.jsonl'), '-q']);
    expect(para2.code).toBe(0);
    const ded = await runCli(['dedup', '--exact', join(dir, 'p.jsonl'), '-q']);
    expect(ded.stdout).toBe(kept);
  }, 300_000);
});

describe.runIf(HAS_SHARED)('run on local workers over ../shared/data', () => {
  it('gives byte-identical output for 1 and 2 workers on real web text, English and Chinese', async () => {
    const dir = await tempDir();
    // Slices of each file (4 MB of the 10.6: the last two books, one kept and one too long for
    // gopher_quality as 3 more are; 60 pages; 5,000 reviews; every licence text, for MinHash to
    // find near duplicates in), cut into 10 tasks as the whole was into 11.
    const slices: [string, number, number][] = [['web/en/gutenberg_books.jsonl', 3, 5], ['web/en/article_extraction_benchmark_pages.jsonl', 0, 60], ['web/zh/douban_book_review_uer.jsonl', 0, 5000], ['neardup/license_texts_licensee.jsonl', 0, 119]];
    const inputs: string[] = [];
    for (const [f, from, to] of slices) {
      const all = (await readFile(join(SHARED, f), 'utf8')).split('\n');
      expect(all.length, f).toBeGreaterThan(to);
      const slice = join(dir, f.replaceAll('/', '-'));
      await writeFile(slice, all.slice(from, to).join('\n') + '\n');
      inputs.push('-i', slice);
    }
    const outs = [];
    for (const w of ['1', '2']) {
      const r = await runCli(['run', 'rules/recipes/sample.yaml', ...inputs, '--task-size', '400KB', '-q', '-o', join(dir, w), '--workers', w]);
      expect(r.code, r.stderr).toBe(0);
      outs.push(await runOutput(join(dir, w)));
    }
    expect(outs[1]).toEqual(outs[0]);
    const plan = JSON.parse(await readFile(join(dir, '1', '_plan.json'), 'utf8'));
    expect(plan.tasks.length).toBeGreaterThan(8);
    // Records of every slice kept (English and Chinese), and MinHash found near duplicates.
    const stats = JSON.parse(await readFile(join(dir, '1', '_stats.json'), 'utf8'));
    for (const [f] of slices) expect(stats.perFile[join(dir, f.replaceAll('/', '-'))].written, f).toBeGreaterThan(0);
    expect(stats.perFile[join(dir, 'web-en-gutenberg_books.jsonl')].reasons).toEqual({ 'quality/gopher_quality:max_words': 1 });
    expect(stats.stages.find((s: { stage: string; dropped: Record<string, number> }) => s.dropped['dedup:minhash'])).toBeDefined();
  }, 300_000);
});
