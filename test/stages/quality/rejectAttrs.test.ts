import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { hasAttrs, makeDoc } from '../../../src/core/doc.js';
import type { ClosableRejectSink } from '../../../src/core/pipeline.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { Reject, Stage, StageContext } from '../../../src/core/stage.js';
import { stageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { collect, fromRecords } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';

// A plain English paragraph that passes every web-en rule (distinct sentences, two lines).
const SENTENCES = [
  'The river runs past the old mill and the village green.',
  'Children walk to the school with their books and lunches.',
  'In the autumn the farmers bring apples to the market square.',
  'A small library opened last year with a reading room for everyone.',
  'Visitors often stop at the bakery to buy fresh bread and coffee.',
  'The council meets on Tuesdays to discuss roads and repairs.',
  'Many families have lived here for several generations now.',
  'During winter the hills are covered with a thin layer of snow.',
];
const GOOD = SENTENCES.slice(0, 4).join(' ') + '\n' + SENTENCES.slice(4).join(' ');
const RECORDS = [{ text: GOOD }, { text: 'short' }, { text: 'also far too short to keep' }];

/** A stage after quality that records whether the records it sees carry attrs.quality. */
function spy(seen: boolean[]): Stage {
  return {
    name: 'spy',
    needsText: false,
    options: {},
    async *run(batches) {
      for await (const b of batches) {
        for (const d of b) seen.push(hasAttrs(d) && (d as Doc).attrs.quality !== undefined);
        yield b;
      }
    },
  };
}

function memoryRejects(): ClosableRejectSink & { list: Reject[] } {
  const list: Reject[] = [];
  return { list, push: (r) => void list.push(r), async close() {}, async abort() {} };
}

describe('quality: attrs of dropped records are built only when something reads them', () => {
  it('the context says whether rejects are read: a rejects file or profiling', async () => {
    const flags: (boolean | undefined)[] = [];
    // named as a stage the profiler knows, so that `profile: true` gives it one
    const probe: Stage = {
      name: 'langid',
      needsText: false,
      options: {},
      async *run(batches, ctx) {
        flags.push(ctx.rejectAttrs);
        for await (const b of batches) yield b;
      },
    };
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect() });
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect(), rejects: memoryRejects() });
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect(), profile: true });
    expect(flags).toEqual([false, true, true]);
  });

  it('the context says when only the signals of the rules are read from a dropped record: slim rejects or none, not rejects: all', async () => {
    const flags: (boolean | undefined)[] = [];
    const probe: Stage = {
      name: 'langid',
      needsText: false,
      options: {},
      async *run(batches, ctx) {
        flags.push(ctx.rejectRuleSignals);
        for await (const b of batches) yield b;
      },
    };
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect(), profile: true });
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect(), rejects: memoryRejects(), rejectAttrs: 'failing' });
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect(), rejects: memoryRejects() });
    await pipeline({ source: fromRecords(RECORDS), stages: [probe], sink: collect(), rejects: memoryRejects(), rejectAttrs: 'all' });
    expect(flags).toEqual([true, true, false, false]);
  });

  it('a dropped record carries only the signals its rules compare when only those are read (kept records: every signal)', async () => {
    const stage = await defaultRegistry().create('quality', { preset: 'web-en' });
    const ruleSignals = new Set((stage.thresholds ?? []).map((t) => t.signal.slice(t.signal.indexOf('/') + 1)));
    const keysOf = async (rejectRuleSignals: boolean) => {
      const rejected: Reject[] = [];
      const kept: Doc[] = [];
      const ctx: StageContext = stageContext(emptyStageStats('quality'), undefined, { push: (r) => void rejected.push(r) }, () => {}, true, rejectRuleSignals);
      for await (const b of stage.run((async function* () { yield RECORDS.map((data, i) => makeDoc({ ...data }, `memory:${i + 1}`)); })(), ctx)) kept.push(...b);
      const keys = (a: Record<string, unknown> | undefined) => Object.keys(a?.quality as Record<string, unknown>);
      return { dropped: rejected.map((r) => keys(r.attrs)), kept: kept.map((d) => keys(d.attrs)) };
    };
    const all = await keysOf(false);
    const rules = await keysOf(true);
    const header = ['preset', 'preset_by', 'score', 'weakest', 'failed'];
    expect(rules.dropped).toHaveLength(2);
    for (const k of rules.dropped) expect(k).toEqual(all.dropped[0].filter((n) => header.includes(n) || ruleSignals.has(n)));
    expect(rules.dropped[0].length).toBeLessThan(all.dropped[0].length);
    expect(rules.kept).toEqual(all.kept);
    expect(rules.kept[0]).toEqual(all.dropped[0]);
  });

  it('same decisions, stats and kept records either way; rejects keep every signal', async () => {
    const run = async (withRejects: boolean) => {
      const stage = await defaultRegistry().create('quality', { preset: 'web-en' });
      const seen: boolean[] = [];
      const sink = collect();
      const rejects = withRejects ? memoryRejects() : undefined;
      const stats = await pipeline({ source: fromRecords(RECORDS), stages: [stage, spy(seen)], sink, rejects });
      return { stats, seen, kept: sink.docs.map((d) => JSON.stringify(d.attrs)), rejects };
    };
    const a = await run(false);
    const b = await run(true);
    expect(a.kept).toHaveLength(1);
    expect(a.kept).toEqual(b.kept);
    expect(a.seen).toEqual([true]);
    const strip = (s: typeof a.stats) => JSON.stringify({ ...s, ms: 0, stages: s.stages.map((x) => ({ ...x, ms: 0 })) });
    expect(strip(a.stats)).toEqual(strip(b.stats));
    expect(a.stats.stages[0].summaries.quality_score.n).toBe(3);
    const rejected = b.rejects!.list;
    expect(rejected).toHaveLength(2);
    for (const r of rejected) {
      const q = r.attrs?.quality as Record<string, unknown>;
      expect(q.failed).toContain('gopher_quality:min_words');
      expect(typeof q.words).toBe('number');
    }
  });
});

describe('quality in a pipeline: the signals of a dropped record go with its reject, not onto the record', () => {
  /** A stage before quality that keeps every record it passes on. */
  function keep(docs: Doc[]): Stage {
    return {
      name: 'keep',
      needsText: false,
      options: {},
      async *run(batches) {
        for await (const b of batches) {
          docs.push(...b);
          yield b;
        }
      },
    };
  }

  it('the reject has attrs.quality (after the attrs the record had), the dropped record none; a kept record has them', async () => {
    const docs: Doc[] = [];
    const rejects = memoryRejects();
    const records = RECORDS.map((r, i) => (i === 2 ? { ...r, attrs: { lang: 'en' } } : r));
    const mark: Stage = {
      name: 'mark',
      needsText: false,
      options: {},
      async *run(batches) {
        for await (const b of batches) {
          for (const d of b) if (d.source === 'memory:2') d.attrs.lang = 'en';
          yield b;
        }
      },
    };
    await pipeline({ source: fromRecords(records), stages: [mark, keep(docs), await defaultRegistry().create('quality', { preset: 'web-en' })], sink: collect(), rejects });
    expect(rejects.list.map((r) => r.source)).toEqual(['memory:2', 'memory:3']);
    for (const r of rejects.list) {
      expect(Object.keys(r.attrs!)).toEqual(['lang', 'quality']);
      expect((r.attrs!.quality as Record<string, unknown>).failed).toContain('gopher_quality:min_words');
    }
    expect(Object.keys(docs[0].attrs.quality as Record<string, unknown>).length).toBeGreaterThan(20);
    // dropped: attrs as before quality ...
    expect(docs[1].attrs).toEqual({ lang: 'en' });
    // ... unless they are the input record's own attrs object, which the reject's record shows
    expect(docs[2].attrs).toBe(docs[2].data.attrs);
    expect(Object.keys(docs[2].attrs)).toEqual(['lang', 'quality']);
    expect(rejects.list[1].record!.attrs).toBe(rejects.list[1].attrs);
  });

  it("the reject's copy of a dropped record's attrs keeps their keys in order, quality in its place, a key __proto__ too", async () => {
    const docs: Doc[] = [];
    const rejects = memoryRejects();
    const mark: Stage = {
      name: 'mark',
      needsText: false,
      options: {},
      async *run(batches) {
        for await (const b of batches) {
          // attrs that are not the input record's own object (as a spill gives them back, parsed)
          for (const d of b) if (d.source === 'memory:2') d.attrs = JSON.parse('{"quality": "earlier", "lang": "en"}') as Record<string, unknown>;
          for (const d of b) if (d.source === 'memory:3') d.attrs = JSON.parse('{"__proto__": {"x": 1}, "lang": "en"}') as Record<string, unknown>;
          yield b;
        }
      },
    };
    await pipeline({ source: fromRecords(RECORDS), stages: [mark, keep(docs), await defaultRegistry().create('quality', { preset: 'web-en' })], sink: collect(), rejects });
    expect(rejects.list.map((r) => Object.keys(r.attrs!))).toEqual([
      ['quality', 'lang'],
      ['__proto__', 'lang', 'quality'],
    ]);
    for (const r of rejects.list) expect((r.attrs!.quality as Record<string, unknown>).failed).toContain('gopher_quality:min_words');
    expect(Object.getPrototypeOf(rejects.list[1].attrs)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(rejects.list[1].attrs, '__proto__')?.value).toEqual({ x: 1 });
    // the records keep the attrs they had
    expect(docs[1].attrs).toEqual({ quality: 'earlier', lang: 'en' });
    expect(Object.keys(docs[2].attrs)).toEqual(['__proto__', 'lang']);
  });
});

describe('slim rejects: a reject the rejects file samples out is not slimmed', () => {
  it('the pipeline slims only what the sink keeps (keeps()), the rest goes on as it is', async () => {
    const stage = await defaultRegistry().create('quality', { preset: 'web-en' });
    const got: Reject[] = [];
    let asked = 0;
    // keeps the first reject only, as a rejects file sampling one per reason would
    const sink: ClosableRejectSink = {
      keeps: () => asked++ === 0,
      push: (r) => void got.push(r),
      async close() {},
      async abort() {},
    };
    await pipeline({ source: fromRecords(RECORDS), stages: [stage], sink: collect(), rejects: sink, rejectAttrs: 'failing' });
    expect(got).toHaveLength(2);
    const q = (r: Reject) => Object.keys(r.attrs?.quality as Record<string, unknown>);
    // slimmed: the header and the signals of the failing rules
    expect(q(got[0]).slice(0, 4)).toEqual(['preset', 'score', 'failed', 'words']);
    expect(q(got[0]).length).toBeLessThan(10);
    // not slimmed: the signals of every rule (nobody writes it)
    expect(q(got[1]).length).toBeGreaterThan(20);
  });
});
