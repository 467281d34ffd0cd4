import { describe, expect, it } from 'vitest';
import { balanced, deriveDoc, pipeline, type Stage } from '../../src/index.js';
import { collect, fromRecords } from '../../src/io/memory.js';
import { mergeRunStats, madeOf, unbalancedFiles } from '../../src/core/stats.js';
import { accountingLine } from '../../src/cli/report.js';
import type { Doc } from '../../src/core/doc.js';

/**
 * A stage of one's own that makes several records from one (a chunking stage): 1 -> N was a
 * MISMATCH (new-user review 23b C3/C9, review 23 B6). The pieces made with deriveDoc after the
 * first count as made, so read + made = written + rejected, in all and file by file.
 */
const stage = (name: string, run: Stage['run']): Stage => ({ name, needsText: false, options: {}, run });
const texts = (n: number): { text: string }[] => Array.from({ length: n }, (_, i) => ({ text: Array.from({ length: i + 1 }, (_, j) => `w${j}`).join(' ') }));

/** One record per word. */
const perWord = stage('chunk', async function* (batches) {
  for await (const b of batches) yield b.flatMap((d) => String(d.data.text).split(' ').map((w) => deriveDoc(d, { text: w })));
});

describe('records a stage made', () => {
  it('a chunking stage: read + made = written, balanced, per file too', async () => {
    // 1 + 2 + 3 + 4 = 10 pieces of 4 records.
    const s = await pipeline({ source: fromRecords(texts(4), 'a.jsonl'), stages: [perWord], sink: collect() });
    expect([s.read, s.made, s.written, s.rejected]).toEqual([4, 6, 10, 0]);
    expect(s.perFile['a.jsonl']).toMatchObject({ read: 4, made: 6, written: 10, rejected: 0 });
    expect(balanced(s)).toBe(true);
    expect(accountingLine('run', { ...s, ms: 0 }, true)).toBe('corpus-clean run: read 4 + made 6 = written 10 + rejected 0 in 0.00 s (0.0 MB)');
  });

  it('pieces rejected by a later stage count as made all the same; the original passed on with its pieces too', async () => {
    const dropW0 = stage('drop', async function* (batches, ctx) {
      for await (const b of batches) {
        const out: Doc[] = [];
        for (const d of b) if (d.data.text === 'w0') ctx.reject(d, 'first_word');
        else out.push(d);
        yield out;
      }
    });
    const s = await pipeline({ source: fromRecords(texts(3), 'a.jsonl'), stages: [perWord, dropW0], sink: collect() });
    expect([s.read, s.made, s.written, s.rejected]).toEqual([3, 3, 3, 3]);
    expect(balanced(s)).toBe(true);
    // The record read, and one piece made from it.
    const plusOne = stage('plus', async function* (batches) {
      for await (const b of batches) yield b.flatMap((d) => [d, deriveDoc(d, { text: 'more' })]);
    });
    const t = await pipeline({ source: fromRecords(texts(2), 'b.jsonl'), stages: [plusOne], sink: collect() });
    expect([t.read, t.made, t.written]).toEqual([2, 2, 4]);
    expect(balanced(t)).toBe(true);
  });

  it('the same record passed on twice, or a copy made by hand, is not made: MISMATCH as before', async () => {
    const twice = stage('twice', async function* (batches) {
      for await (const b of batches) yield [...b, ...b];
    });
    // deriveDoc was called in this process (the tests above): `twice` still does not make records.
    const s = await pipeline({ source: fromRecords(texts(2), 'a.jsonl'), stages: [twice], sink: collect() });
    expect([s.read, s.made ?? 0, s.written]).toEqual([2, 0, 4]);
    expect(balanced(s)).toBe(false);
    const byHand = stage('hand', async function* (batches) {
      for await (const b of batches) yield b.flatMap((d) => [d, { ...d, data: { text: 'x' }, source: d.source } as Doc]);
    });
    const t = await pipeline({ source: fromRecords(texts(2), 'a.jsonl'), stages: [byHand], sink: collect() });
    expect(t.made ?? 0).toBe(0);
    expect(balanced(t)).toBe(false);
  });

  it('made adds up across tasks, and is taken from the files when a task\'s stats lack it', async () => {
    const a = await pipeline({ source: fromRecords(texts(2), 'a.jsonl'), stages: [perWord], sink: collect() });
    const b = await pipeline({ source: fromRecords(texts(3), 'b.jsonl'), stages: [perWord], sink: collect() });
    const { made: _dropped, ...bare } = b;
    expect(madeOf(bare)).toBe(3);
    const m = mergeRunStats(a, bare);
    expect([m.read, m.made, m.written]).toEqual([5, 4, 9]);
    expect(balanced(m)).toBe(true);
    expect(unbalancedFiles(m)).toEqual([]);
    // A file whose pieces were not all written: named.
    const lost = { ...m, written: m.written - 1, perFile: { ...m.perFile, 'b.jsonl': { ...m.perFile['b.jsonl'], written: m.perFile['b.jsonl'].written - 1 } } };
    expect(balanced(lost)).toBe(false);
  });
});
