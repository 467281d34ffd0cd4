import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readSamples, type RunSummary } from '../../src/report/collect.js';
import { appendFiles, mergeRun } from '../../src/exec/merge.js';
import type { Plan } from '../../src/exec/plan.js';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// The sample recipe in many tasks, gzip rejects: one finished run (only read) serves both describes.
const RUN = ['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '--workers', '2', '--rejects-compress', 'gzip'];
let finished: Promise<string> | undefined;
function finishedRun(): Promise<string> {
  finished ??= (async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const out = join(dir, 'run');
    const r = await runCli([...RUN, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    return out;
  })();
  return finished;
}

describe("the merge's index of the rejects file", () => {
  it("names every part's reasons truly, and the report's samples are those of a full read", async () => {
    const out = await finishedRun();
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as RunSummary;
    const index = stats.rejects_index!;
    const file = join(out, '_rejects.jsonl.gz');
    expect(index.file).toBe('_rejects.jsonl.gz');
    expect(index.bytes).toBe((await stat(file)).size);
    expect(index.parts.length).toBeGreaterThan(3);
    // Each part is a whole gzip member whose lines' reasons the index names for that part.
    const bytes = await readFile(file);
    let at = 0;
    for (const [p, size] of index.parts.entries()) {
      const lines = size === 0 ? [] : gunzipSync(bytes.subarray(at, at + size)).toString('utf8').split('\n').filter((l) => l !== '');
      at += size;
      for (const l of lines) {
        const x = JSON.parse(l) as { stage: string; reason: string };
        const e = index.reasons[`${x.stage}/${x.reason}`];
        expect(e, `${x.stage}/${x.reason} in part ${p}`).toBeDefined();
        if (e.first.length === e.parts || p <= e.first[e.first.length - 1]) expect(e.first).toContain(p);
      }
    }
    const seen = { records: 0 };
    const all = { records: 0 };
    const samples = await readSamples(file, stats, undefined, seen);
    expect(await readSamples(file, { ...stats, rejects_index: undefined }, undefined, all)).toEqual(samples);
    expect(seen.records).toBeLessThanOrEqual(all.records);
  }, 300_000);
});

describe("the report's samples after run", () => {
  it("come from the candidates the workers kept and the merge joined, the samples of the whole rejects file; the page is the report command's (but for its time)", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const out = join(dir, 'run');
    // The run stops in its last phase, whose units are then run by hand: the merge is called here.
    const stop = await runCli([...RUN, '-o', out], { env: { CORPUS_CLEAN_FAIL_UNIT: '5-tasks/0' } });
    expect(stop.code, stop.stderr).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as Plan;
    expect(plan.phases[5].id).toBe('5-tasks');
    // The units of a phase are independent (workers run them at once): a few at a time here too.
    const units = Array.from({ length: plan.phases[5].units }, (_, u) => ['task', out, '--phase', '5', '--unit', String(u)]);
    for (const task of await runCliAll(units, {}, 3)) expect(task.code, task.stderr).toBe(0);
    const samples: { lines?: string[] } = {};
    const code = await mergeRun(out, plan, { started: Date.now(), executor: { kind: 'test' }, samples });
    expect(code).toBe(0);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as RunSummary;
    const reasons = [stats.input, ...stats.stages].flatMap((st) => Object.keys(st.dropped).map((r) => `${st.stage}/${r}`));
    expect(samples.lines).toBeDefined();
    expect(samples.lines!.length).toBeLessThanOrEqual(9 * reasons.length);
    const file = join(out, '_rejects.jsonl.gz');
    const lines = gunzipSync(await readFile(file)).toString('utf8').split('\n').filter((l) => l !== '');
    expect(samples.lines!.length).toBeLessThan(lines.length);
    // Every candidate is a line of the file, in the file's order.
    let at = 0;
    for (const l of samples.lines!) {
      at = lines.indexOf(l, at) + 1;
      expect(at).toBeGreaterThan(0);
    }
    const full = await readSamples(file, { ...stats, rejects_index: undefined, perFile: {} }, undefined);
    expect(await readSamples(file, stats, undefined, undefined, samples.lines)).toEqual(full);
    // The page `run` writes (from the candidates) is the one `corpus-clean report` makes from the file
    // (the same run as this one, finished by the run command).
    const ran = await finishedRun();
    const rep = await runCli(['report', ran, '-o', join(dir, 'report.html')]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = async (f: string): Promise<string> => (await readFile(f, 'utf8')).replace(/ on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, '');
    expect(await page(join(dir, 'report.html'))).toBe(await page(join(ran, '_report.html')));
  }, 300_000);
});

describe("the merge's join of the tasks' rejects", () => {
  it('writes the parts one after the other (larger than its buffer, empty, a byte) and returns their sizes', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const big = randomBytes(9 * 1024 * 1024 + 17);
    const parts: [string, Buffer][] = [['a', Buffer.from('x')], ['b', Buffer.alloc(0)], ['c', big], ['d', Buffer.from('tail\n')]];
    for (const [n, b] of parts) await writeFile(join(dir, n), b);
    const out = join(dir, 'joined');
    const sizes = await appendFiles(parts.map(([n]) => join(dir, n)), out);
    expect(sizes).toEqual(parts.map(([, b]) => b.length));
    expect((await readFile(out)).equals(Buffer.concat(parts.map(([, b]) => b)))).toBe(true);
    // No parts: an empty file.
    expect(await appendFiles([], join(dir, 'none'))).toEqual([]);
    expect((await stat(join(dir, 'none'))).size).toBe(0);
  });
});
