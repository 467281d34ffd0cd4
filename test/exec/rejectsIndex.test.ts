import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readSamples, type RunSummary } from '../../src/report/collect.js';
import { runCli, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the merge's index of the rejects file", () => {
  it("names every part's reasons truly, and the report's samples are those of a full read", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const out = join(dir, 'run');
    const r = await runCli(['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '-o', out, '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
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
