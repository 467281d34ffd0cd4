import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/core/doc.js';
import { getText, setText } from '../../src/core/doc.js';
import { pipeline } from '../../src/core/pipeline.js';
import type { Stage } from '../../src/core/stage.js';
import { docStage } from '../../src/core/stage.js';
import { balanced, count } from '../../src/core/stats.js';
import { collect, fromRecords } from '../../src/io/memory.js';

const shortFilter = (min: number): Stage =>
  docStage({ name: 'short', options: { min }, apply: (doc) => (getText(doc).length < min ? 'short:min_chars' : undefined) });

const upper: Stage = docStage({
  name: 'upper',
  apply(doc, ctx) {
    setText(doc, getText(doc, ctx.textField).toUpperCase(), ctx.textField);
    doc.attrs.upper = true;
    count(ctx.stats.counters, 'changed');
  },
});

/** A stage that holds everything back and releases it at the end, in reverse. */
const holdBack: Stage = {
  name: 'reverse',
  needsText: false,
  options: {},
  async *run(batches) {
    const all: Doc[] = [];
    for await (const b of batches) all.push(...b);
    yield all.reverse();
  },
};

describe('pipeline', () => {
  const input = [{ text: 'a' }, { text: 'long enough' }, { content: 'also long enough' }, { id: 9 }, { text: 'bb' }];

  it('accounts for every record: read = written + rejected, per stage in/out/dropped', async () => {
    const sink = collect();
    const stats = await pipeline({ source: fromRecords(input, 'm', 2), stages: [shortFilter(3), upper, holdBack], sink });
    expect(sink.docs.map((d) => d.data)).toEqual([{ content: 'ALSO LONG ENOUGH' }, { text: 'LONG ENOUGH' }]);
    expect(stats.read).toBe(5);
    expect(stats.written).toBe(2);
    expect(stats.rejected).toBe(3);
    expect(balanced(stats)).toBe(true);
    expect(stats.input.dropped).toEqual({ text_missing: 1 });
    expect(stats.stages.map((s) => [s.stage, s.in, s.out, s.dropped])).toEqual([
      ['short', 4, 2, { 'short:min_chars': 2 }],
      ['upper', 2, 2, {}],
      ['reverse', 2, 2, {}],
    ]);
    expect(stats.stages[1].counters).toEqual({ changed: 2 });
    expect(sink.docs[0].attrs).toEqual({ upper: true });
  });

  it('writes content when the record has no text field (automatic text field)', async () => {
    const sink = collect();
    await pipeline({ source: fromRecords([{ content: 'x y' }]), stages: [upper], sink });
    expect(sink.docs[0].data).toEqual({ content: 'X Y' });
  });

  it('checks text only before the first stage that reads it', async () => {
    const makeText: Stage = docStage({
      name: 'make-text',
      needsText: false,
      apply(doc) {
        doc.data.text = `${doc.data.q} ${doc.data.a}`;
      },
    });
    const sink = collect();
    const stats = await pipeline({ source: fromRecords([{ q: 'why', a: 'because' }]), stages: [makeText, shortFilter(3)], sink });
    expect(stats.written).toBe(1);
  });

  it('aborts the sink and rethrows when a stage has a bug', async () => {
    let aborted = false;
    const broken: Stage = docStage({ name: 'broken', apply: () => { throw new Error('bug'); } });
    await expect(
      pipeline({ source: fromRecords([{ text: 'x' }]), stages: [broken], sink: { write() {}, async close() {}, async abort() { aborted = true; } } }),
    ).rejects.toThrow('bug');
    expect(aborted).toBe(true);
  });
});
