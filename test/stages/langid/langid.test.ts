import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/doc.js';
import { UsageError } from '../../../src/core/errors.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { Reject } from '../../../src/core/stage.js';
import { resolveOptions } from '../../../src/core/options.js';
import type { RunStats } from '../../../src/core/stats.js';
import { collect, fromRecords } from '../../../src/io/memory.js';
import { LOW_SCORE, NOT_KEPT, langId } from '../../../src/stages/langid/index.js';
import { defaultRegistry } from '../../../src/stages/index.js';

interface Sample extends JsonObject {
  text: string;
  iso639_1: string;
}
const samples: Sample[] = readFileSync(new URL('../../../fixtures/langid/leipzig_slice.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Sample);
const of = (lang: string): Sample[] => samples.filter((s) => s.iso639_1 === lang);

/** Run the langid stage built from `options` over `records`; return kept docs, rejects, stats. */
async function run(records: JsonObject[], options: Record<string, unknown> = {}) {
  const stage = await langId.create(resolveOptions('langid', langId.options, options));
  const sink = collect();
  const rejects: Reject[] = [];
  const stats: RunStats = await pipeline({
    source: fromRecords(records),
    stages: [stage],
    sink,
    rejects: { push: (r) => void rejects.push(r), async close() {}, async abort() {} },
  });
  return { kept: sink.docs, rejects, stats, stage };
}

describe('langid, fastText lid.176 backend (default)', () => {
  beforeAll(async () => {
    await langId.create(resolveOptions('langid', langId.options, {})); // load the model once
  });

  it('tags every real Chinese and English sample zh / en with a score in (0, 1]', async () => {
    const { kept, rejects } = await run([...of('zh'), ...of('en')], { minScore: null });
    expect(rejects).toEqual([]);
    expect(kept).toHaveLength(40);
    for (const d of kept) {
      expect(d.attrs.lang).toBe(d.data.iso639_1);
      expect(d.attrs.lang_score).toBeGreaterThan(0);
      expect(d.attrs.lang_score).toBeLessThanOrEqual(1);
    }
  });

  it('reports ISO 639-1 codes: de, fr, ja, ru on real samples', async () => {
    const { kept } = await run([...of('de'), ...of('fr'), ...of('ja'), ...of('ru')], { minScore: null });
    expect(kept.map((d) => d.attrs.lang)).toEqual(kept.map((d) => d.data.iso639_1));
  });

  it('does not change the record, and sees past newlines (normalised to spaces for the model)', async () => {
    const en = of('en')[0].text;
    const zh = of('zh')[0].text;
    // A record whose first line is short English and whose body is Chinese: the model must see
    // the whole text, not stop at the first line break.
    const text = 'Hello.\n' + zh + '\n' + of('zh')[1].text;
    const { kept } = await run([{ text }, { text: en }], { minScore: null });
    expect(kept[0].data.text).toBe(text);
    expect(kept[0].attrs.lang).toBe('zh');
    expect(kept[1].data.text).toBe(en);
  });

  it('keep: records in other languages are dropped with langid:not_kept and {lang, score}', async () => {
    const { kept, rejects, stats } = await run([...of('zh'), ...of('en'), ...of('de')], { keep: ['zh', 'en'], minScore: null });
    expect(kept).toHaveLength(40);
    expect(rejects).toHaveLength(5);
    for (const r of rejects) {
      expect(r.stage).toBe('langid');
      expect(r.reason).toBe(NOT_KEPT);
      expect(r.detail).toEqual({ lang: 'de', score: r.attrs!.lang_score });
    }
    expect(stats.stages[0].dropped).toEqual({ [NOT_KEPT]: 5 });
    expect(stats.stages[0].counters['lang:zh']).toBe(20);
    expect(stats.stages[0].summaries.lang_score.n).toBe(45);
  });

  it('keep accepts ISO 639-3 and 639-2/B codes (zho, eng, ger), written back as 639-1', async () => {
    const { kept, stage } = await run([...of('zh'), ...of('en'), ...of('de'), ...of('fr')], { keep: 'zho,eng,ger', minScore: null });
    expect(stage.options.keep).toEqual(['zh', 'en', 'de']);
    expect(new Set(kept.map((d) => d.attrs.lang))).toEqual(new Set(['zh', 'en', 'de']));
  });

  it('keep: a code lid.176 never reports is a usage error naming the option (nb is "no" there)', async () => {
    await expect(langId.create(resolveOptions('langid', langId.options, { keep: ['nb'] }))).rejects.toThrow(/keep.*nb.*'no'/);
    await expect(langId.create(resolveOptions('langid', langId.options, { keep: ['zh', 'en!'] }))).rejects.toBeInstanceOf(UsageError);
    const { kept } = await run(of('nb'), { keep: ['no', 'nn', 'da'], minScore: null });
    expect(kept.filter((d) => d.attrs.lang === 'no').length).toBeGreaterThanOrEqual(3);
  });

  it('minScore: a record scoring exactly the threshold is kept, just above it dropped, below it kept', async () => {
    const text = of('ms')[0].text; // Malay: lid.176 is unsure of it (and says id)
    const { kept } = await run([{ text }], { minScore: null });
    const score = kept[0].attrs.lang_score as number;
    expect(score).toBeLessThan(1);
    const at = await run([{ text }], { minScore: score });
    expect(at.kept).toHaveLength(1);
    const above = await run([{ text }], { minScore: Math.min(1, score + 1e-6) });
    expect(above.kept).toHaveLength(0);
    expect(above.rejects[0].reason).toBe(LOW_SCORE);
    expect(above.rejects[0].detail).toEqual({ lang: kept[0].attrs.lang, score });
    const below = await run([{ text }], { minScore: score - 1e-6 });
    expect(below.kept).toHaveLength(1);
  });

  it('minScore default 0.65 drops low-confidence text with langid:low_score before the keep check', async () => {
    // A line of digits and punctuation has no language: low score whatever the guess.
    const { kept, rejects } = await run([{ text: '12:30 - 14:45 / 2015-11-23 #42 (3) 7.5% ...' }, ...of('en').slice(0, 2)], { keep: ['en'] });
    expect(kept).toHaveLength(2);
    expect(rejects).toHaveLength(1);
    expect(rejects[0].reason).toBe(LOW_SCORE);
    expect(rejects[0].detail!.score as number).toBeLessThan(0.65);
  });

  it('minScore null never drops for score; keep null keeps every language', async () => {
    const all = samples.map(({ text }) => ({ text }));
    const { kept, rejects } = await run(all, { minScore: null, keep: null });
    expect(rejects).toEqual([]);
    expect(kept).toHaveLength(samples.length);
  });

  it('maxChars: the model sees only the first maxChars characters', async () => {
    const text = of('en')[0].text.slice(0, 60) + ' ' + of('zh').map((s) => s.text).join('');
    const short = await run([{ text }], { maxChars: 60, minScore: null });
    const whole = await run([{ text }], { maxChars: null, minScore: null });
    expect(short.kept[0].attrs.lang).toBe('en');
    expect(whole.kept[0].attrs.lang).toBe('zh');
  });

  it('reads the text field given to the run (content)', async () => {
    const stage = await langId.create(resolveOptions('langid', langId.options, {}));
    const sink = collect();
    await pipeline({ source: fromRecords([{ content: of('zh')[0].text, text: 'ignored' }]), stages: [stage], sink, textField: 'content' });
    expect(sink.docs[0].attrs.lang).toBe('zh');
  });
});

describe('langid, franc backend', () => {
  it('reports ISO 639-1 codes mapped from franc\'s 639-3 (cmn -> zh, eng -> en), score 1', async () => {
    const { kept, rejects } = await run([...of('zh'), ...of('en').slice(0, 5), ...of('de')], { backend: 'franc', minScore: null });
    expect(rejects).toEqual([]);
    expect(kept.slice(0, 20).every((d) => d.attrs.lang === 'zh' && d.attrs.lang_score === 1)).toBe(true);
    expect(kept.slice(25).every((d) => d.attrs.lang === 'de')).toBe(true);
  });

  it('too short to call: und with score 0, dropped as langid:low_score', async () => {
    const { rejects } = await run([{ text: 'Hi there' }], { backend: 'franc' });
    expect(rejects.map((r) => [r.reason, r.detail])).toEqual([[LOW_SCORE, { lang: 'und', score: 0 }]]);
  });

  it('keep with franc: Bokmål is nb, so keep nb works; others not_kept', async () => {
    const { kept, rejects } = await run([...of('nb'), ...of('fr')], { backend: 'franc', keep: ['nb', 'nn', 'da'] });
    expect(rejects.filter((r) => r.detail!.lang === 'fr').every((r) => r.reason === NOT_KEPT)).toBe(true);
    expect(kept.every((d) => ['nb', 'nn', 'da'].includes(d.attrs.lang as string))).toBe(true);
  });
});

describe('langid options', () => {
  it('has the documented defaults and rejects a bad backend', () => {
    expect(resolveOptions('langid', langId.options, {})).toEqual({ backend: 'fasttext', keep: null, minScore: 0.65, maxChars: 500 });
    expect(() => resolveOptions('langid', langId.options, { backend: 'cld3' })).toThrow(/backend.*fasttext, franc/);
    expect(() => resolveOptions('langid', langId.options, { minScore: 1.5 })).toThrow(/minScore/);
  });

  it('is registered as a built-in stage', () => {
    expect(defaultRegistry().has('langid')).toBe(true);
  });
});
