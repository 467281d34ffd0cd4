import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples, type RunSummary } from '../../src/report/collect.js';
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
