import { rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples, SampleCandidates, sampleFileOf, type RunSummary } from '../../src/report/collect.js';
import { chooseSampleLines, type SampleEntry } from '../../src/exec/samples.js';
import { tempDir } from '../helpers/run.js';

/** A rejects line as the run writes it. */
const reject = (file: string, line: number, reason: string): string => JSON.stringify({ stage: 'quality', reason, source: `${file}:${line}`, record: { text: `${reason} ${file}:${line}` } });

const stage = (dropped: Record<string, number>): RunSummary['stages'][number] => ({ stage: 'quality', in: 0, out: 0, dropped, changed: 0, counters: {}, ms: 0 }) as unknown as RunSummary['stages'][number];

describe('the report reads only the rejects its samples come from', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stops once no later reject can change the samples, with the samples of a full read', async () => {
    // One big file (a.jsonl) with 2,000 rejects of `long`, one `rare` reject in a.jsonl near the
    // start and one in b.jsonl; a reason of two files needs both before it is complete.
    const lines: string[] = [];
    for (let i = 1; i <= 2000; i++) {
      lines.push(reject('a.jsonl', i, 'long'));
      if (i === 5) lines.push(reject('a.jsonl', 5000, 'rare'));
      if (i === 40) lines.push(reject('b.jsonl', 1, 'rare'));
    }
    const file = join(dir, '_rejects.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const stats = {
      input: { stage: 'read', dropped: {} },
      stages: [stage({ long: 2000, rare: 2 })],
      perFile: {
        'a.jsonl': { read: 2001, bytes: 0, written: 0, rejected: 2001, reasons: { 'quality/long': 2000, 'quality/rare': 1 } },
        'b.jsonl': { read: 1, bytes: 0, written: 0, rejected: 1, reasons: { 'quality/rare': 1 } },
      },
    } as unknown as RunSummary;
    const seen = { records: 0 };
    const samples = await readSamples(file, stats, undefined, seen);
    // b.jsonl's `rare` is the 42nd line: read up to it, not the 2,002 lines.
    expect(seen.records).toBe(42);
    expect(samples.get('quality/long')!.map((s) => s.source)).toEqual(['a.jsonl:1', 'a.jsonl:2', 'a.jsonl:3']);
    expect(samples.get('quality/rare')!.map((s) => s.source)).toEqual(['a.jsonl:5000', 'b.jsonl:1']);
    // Without per-file stats nothing says a reason is complete: the whole file is read, same samples.
    const all = { records: 0 };
    const again = await readSamples(file, { ...stats, perFile: {} }, undefined, all);
    expect(all.records).toBe(2002);
    expect(again).toEqual(samples);
  });
});

describe("the report reads only the parts of a run's rejects its samples come from", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('skips the parts of the merge index whose reasons have their samples, with the samples of a full read', async () => {
    // Three parts joined as the merge joins task segments (gzip members one after another):
    // part 0 gives a.jsonl's `long` its 3 samples (its only file: complete), part 1 holds only
    // more of them, part 2 has c.jsonl's `rare`, still lacking its sample when part 1 begins.
    const part = (lines: string[]): Buffer => gzipSync(lines.join('\n') + '\n');
    const p0 = part([1, 2, 3].map((i) => reject('a.jsonl', i, 'long')));
    const p1 = part(Array.from({ length: 500 }, (_, i) => reject('a.jsonl', 10 + i, 'long')));
    const p2 = part([reject('c.jsonl', 1, 'rare'), reject('a.jsonl', 900, 'long')]);
    const file = join(dir, '_rejects.jsonl.gz');
    await writeFile(file, Buffer.concat([p0, p1, p2]));
    const stats = {
      input: { stage: 'read', dropped: {} },
      stages: [stage({ long: 504, rare: 1 })],
      perFile: {
        'a.jsonl': { read: 504, bytes: 0, written: 0, rejected: 504, reasons: { 'quality/long': 504 } },
        'c.jsonl': { read: 1, bytes: 0, written: 0, rejected: 1, reasons: { 'quality/rare': 1 } },
      },
      rejects_index: {
        file: '_rejects.jsonl.gz',
        bytes: p0.length + p1.length + p2.length,
        parts: [p0.length, p1.length, p2.length],
        reasons: { 'quality/long': { first: [0, 1, 2], parts: 3 }, 'quality/rare': { first: [2], parts: 1 } },
      },
    } as unknown as RunSummary;
    const seen = { records: 0 };
    const samples = await readSamples(file, stats, undefined, seen);
    // Part 1 (500 rejects of a.jsonl, whose samples part 0 gave) is not read; part 2's first line completes all.
    expect(seen.records).toBe(4);
    expect(samples.get('quality/long')!.map((s) => s.source)).toEqual(['a.jsonl:1', 'a.jsonl:2', 'a.jsonl:3']);
    expect(samples.get('quality/rare')!.map((s) => s.source)).toEqual(['c.jsonl:1']);
    const all = { records: 0 };
    expect(await readSamples(file, { ...stats, rejects_index: undefined }, undefined, all)).toEqual(samples);
    expect(all.records).toBe(504);
    // An index made for another file (other size) is not used.
    const other = { records: 0 };
    const stale = { ...stats, rejects_index: { ...stats.rejects_index!, bytes: 1, parts: [1] } } as RunSummary;
    expect(await readSamples(file, stale, undefined, other)).toEqual(samples);
    expect(other.records).toBe(504);
  });

  it('gives the samples of a full parse whatever the lines look like (escapes, other key order)', async () => {
    const lines = [
      reject('a.jsonl', 1, 'long'),
      JSON.stringify({ reason: 'long', stage: 'quality', source: 'b.jsonl:1', record: { text: 'other order' } }),
      JSON.stringify({ stage: 'quality', reason: 'long', source: 'c "quoted".jsonl:1', record: { text: 'escaped source' } }),
      ...Array.from({ length: 20 }, (_, i) => reject('a.jsonl', 2 + i, 'long')),
      '{"stage":"quality","reason":"long","source":"d.jsonl:1", this is not JSON',
      reject('d.jsonl', 2, 'long'),
    ];
    const file = join(dir, 'mixed.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const stats = { input: { stage: 'read', dropped: {} }, stages: [stage({ long: 25 })], perFile: {} } as unknown as RunSummary;
    const samples = await readSamples(file, stats, undefined);
    expect(samples.get('quality/long')!.map((s) => s.source)).toEqual(['a.jsonl:1', 'b.jsonl:1', 'c "quoted".jsonl:1']);
  });
});

describe("the report's sample candidates, kept per part of the rejects and joined by the merge", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('hold every reject the report takes from the whole file: the same samples from a few lines per reason', async () => {
    // Random runs: rejects of 4 reasons over 7 files in random order, cut into random parts (a
    // task segment each), the candidates kept per part then joined in part order.
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let trial = 0; trial < 150; trial++) {
      const lines: string[] = [];
      const at = new Map<string, number>();
      const reasons: Record<string, number> = {};
      const perFile: Record<string, { read: number; bytes: number; written: number; rejected: number; reasons: Record<string, number> }> = {};
      for (let i = 0, n = 1 + rand(120); i < n; i++) {
        const file = `f${rand(1 + rand(7))}.jsonl`;
        const reason = `r${rand(4)}`;
        const line = (at.get(file) ?? 0) + 1;
        at.set(file, line);
        lines.push(reject(file, line, reason));
        reasons[reason] = (reasons[reason] ?? 0) + 1;
        const f = (perFile[file] ??= { read: 0, bytes: 0, written: 0, rejected: 0, reasons: {} });
        f.reasons[`quality/${reason}`] = (f.reasons[`quality/${reason}`] ?? 0) + 1;
      }
      const parts: SampleEntry[][] = [];
      const partLines: string[][] = [];
      for (let i = 0; i < lines.length; ) {
        const end = i + 1 + rand(30);
        const c = new SampleCandidates();
        const part: SampleEntry[] = [];
        const kept: string[] = [];
        for (const l of lines.slice(i, end)) {
          const r = JSON.parse(l) as { stage: string; reason: string; source: string };
          const key = `${r.stage}/${r.reason}`;
          if (c.offer(key, sampleFileOf(r.source))) part.push([key, sampleFileOf(r.source), l.length + 1]), kept.push(l);
        }
        parts.push(part);
        partLines.push(kept);
        i = end;
      }
      const candidates = chooseSampleLines(parts).map(([p, i]) => partLines[p][i]);
      const file = join(dir, `t${trial}.jsonl`);
      await writeFile(file, lines.join('\n') + '\n');
      const stats = { input: { stage: 'read', dropped: {} }, stages: [stage(reasons)], perFile } as unknown as RunSummary;
      const full = await readSamples(file, stats, undefined);
      expect(await readSamples(file, stats, undefined, undefined, candidates), `trial ${trial}`).toEqual(full);
      // At most 3 files of 3 rejects per reason.
      expect(candidates.length).toBeLessThanOrEqual(9 * Object.keys(reasons).length);
    }
  });

  it('keep a file met before in a part past its first three files', () => {
    // The part alone would drop d's reject (its fourth file), and the report would not take it either.
    const c = new SampleCandidates();
    expect(['a', 'b', 'c', 'd'].map((f) => c.offer('q/x', f))).toEqual([true, true, true, false]);
    expect([1, 2, 3].map(() => c.offer('q/y', 'a'))).toEqual([true, true, true]);
    expect(c.offer('q/y', 'a')).toBe(false);
    expect(c.offer('q/x', 'a')).toBe(true);
  });
});
