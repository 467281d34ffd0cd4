import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/doc.js';
import { UsageError } from '../../../src/core/errors.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { Reject } from '../../../src/core/stage.js';
import { resolveOptions } from '../../../src/core/options.js';
import type { RunStats } from '../../../src/core/stats.js';
import { collect, fromRecords } from '../../../src/io/memory.js';
import type { LangIdBackend } from '../../../src/stages/langid/index.js';
import { LOW_SCORE, NOT_KEPT, TOO_SHORT, langId, langIdOptions, langIdStage } from '../../../src/stages/langid/index.js';
import { defaultRegistry } from '../../../src/stages/index.js';

interface Sample extends JsonObject {
  text: string;
  iso639_1: string;
}
const fixture = <T = Sample>(name: string): T[] =>
  readFileSync(new URL(`../../../fixtures/langid/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
const samples = [...fixture('leipzig_slice.jsonl'), ...fixture('leipzig_more.jsonl')];
const of = (lang: string): Sample[] => samples.filter((s) => s.iso639_1 === lang);
const texts = (name: string): { text: string }[] => fixture<{ text: string }>(name).map(({ text }) => ({ text }));

/** Run the langid stage built from `options` over `records`; return kept docs, rejects, stats. */
async function run(records: JsonObject[], options: Record<string, unknown> = {}) {
  const stage = await langId.create(resolveOptions('langid', langId.options, options));
  return runStage(stage, records);
}
async function runStage(stage: Awaited<ReturnType<typeof langId.create>>, records: JsonObject[]) {
  const sink = collect();
  const rejects: Reject[] = [];
  const stats: RunStats = await pipeline({
    source: fromRecords(records),
    stages: [stage],
    sink,
    rejects: { push: (r) => void rejects.push(r), async close() {}, async abort() {} },
  });
  return { kept: sink.docs, rejects, stats, stage, counters: stats.stages[0].counters };
}

describe('langid, default backend (cascade: CLD2, then fastText when CLD2 is unsure)', () => {
  beforeAll(async () => {
    await langId.create(resolveOptions('langid', langId.options, {})); // load the models once
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

  it('reports ISO 639-1 codes: de, fr, ja, ko, ru, nb on real samples', async () => {
    const { kept } = await run([...of('de'), ...of('fr'), ...of('ja'), ...of('ko'), ...of('ru')], { minScore: null });
    expect(kept.map((d) => d.attrs.lang)).toEqual(kept.map((d) => d.data.iso639_1));
    const nb = await run(of('nb'), { minScore: null });
    expect(nb.kept.filter((d) => d.attrs.lang === 'nb').length).toBeGreaterThanOrEqual(4);
  });

  it('names the southern African languages lid.176 lacks (zu, st, sn, xh), which fastText alone cannot', async () => {
    const langs = ['zu', 'st', 'sn', 'xh'];
    const recs = langs.flatMap(of);
    const cascade = await run(recs, { minScore: null });
    const right = cascade.kept.filter((d) => d.attrs.lang === d.data.iso639_1).length;
    expect(right).toBeGreaterThanOrEqual(recs.length - 2);
    const ft = await run(recs, { backend: 'fasttext', minScore: null });
    expect(ft.kept.filter((d) => d.attrs.lang === d.data.iso639_1)).toHaveLength(0);
  });

  it('does not change the record, and sees past newlines', async () => {
    const en = of('en')[0].text;
    const zh = of('zh')[0].text;
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

  it('keep: a bad code is a usage error; no keeps nb (Bokmål), nb itself is a code every backend reports', async () => {
    await expect(langId.create(resolveOptions('langid', langId.options, { keep: ['zh', 'en!'] }))).rejects.toBeInstanceOf(UsageError);
    await expect(langId.create(resolveOptions('langid', langId.options, { keep: ['qq'] }))).rejects.toThrow(/keep.*never reports qq/);
    // New-user review 9 #11: keep: [] (Data-Juicer's lang: '') kept nothing, accepted silently.
    await expect(langId.create(resolveOptions('langid', langId.options, { keep: [] }))).rejects.toThrow(/empty list, which keeps no language/);
    for (const keep of [['no'], ['nb', 'nn', 'da']]) {
      const { kept } = await run(of('nb'), { keep, minScore: null });
      expect(kept.filter((d) => d.attrs.lang === 'nb').length).toBeGreaterThanOrEqual(4);
    }
  });

  it('minScore: a record scoring exactly the threshold is kept, just above it dropped', async () => {
    const text = of('ms')[0].text; // Malay: both models are unsure of it
    const { kept } = await run([{ text }], { minScore: null });
    const score = kept[0].attrs.lang_score as number;
    expect(score).toBeLessThan(1);
    expect((await run([{ text }], { minScore: score })).kept).toHaveLength(1);
    const above = await run([{ text }], { minScore: Math.min(1, score + 1e-6) });
    expect(above.kept).toHaveLength(0);
    expect(above.rejects[0].reason).toBe(LOW_SCORE);
    expect(above.rejects[0].detail).toEqual({ lang: kept[0].attrs.lang, score });
  });

  it('minScore default 0.65 drops text with no language with langid:low_score before the keep check', async () => {
    const { kept, rejects } = await run([{ text: 'ok ok ok lol haha xd omg brb ttyl idk smh' }, ...of('en').slice(0, 2)], { keep: ['zh'] });
    expect(kept).toHaveLength(0);
    expect(rejects.map((r) => r.reason)).toEqual([LOW_SCORE, NOT_KEPT, NOT_KEPT]);
  });

  it('text below minChars is dropped as langid:too_short (not low_score), with the script\'s guess as lang', async () => {
    const { kept, rejects } = await run([{ text: '很奇特的一本书。。' }, { text: '12:30 - 14:45 / 2015-11-23 #42 (3) 7.5% ...' }, ...of('en').slice(0, 1)], { keep: ['en', 'zh'] });
    expect(kept).toHaveLength(1);
    expect(rejects.map((r) => [r.reason, r.detail])).toEqual([
      [TOO_SHORT, { lang: 'zh', score: 0 }],
      [TOO_SHORT, { lang: 'und', score: 0 }],
    ]);
    expect((await run([{ text: '很奇特的一本书。。' }], { minChars: 0 })).kept[0].attrs).toMatchObject({ lang: 'zh', lang_score: 1 });
  });

  // New-user review 8 #7: `keep: [zh]` dropped short Chinese texts it had labelled zh by script.
  it('shortByScript keeps a short text whose CJK script decides a kept language; other short texts are dropped still', async () => {
    const short = [{ text: '校门高7.6米，宽22.36米。' }, { text: '封德华（1959—），上海嘉定人。' }, { text: 'こんにちは' }, { text: 'Hi 你好 there friend' }, { text: '12:30 - 14:45' }, { text: 'ok lol' }];
    const before = await run(short, { keep: ['zh'] });
    expect(before.rejects.map((r) => r.reason)).toEqual(Array(6).fill(TOO_SHORT));
    const { kept, rejects } = await run(short, { keep: ['zh'], shortByScript: true });
    expect(kept.map((d) => [d.data.text, d.attrs.lang, d.attrs.lang_score])).toEqual([
      ['校门高7.6米，宽22.36米。', 'zh', 0],
      ['封德华（1959—），上海嘉定人。', 'zh', 0],
    ]);
    // ja by script but not kept; mostly Latin (the script guesses zh, it does not decide); no script.
    expect(rejects.map((r) => [r.reason, r.detail])).toEqual([
      [NOT_KEPT, { lang: 'ja', score: 0 }],
      [TOO_SHORT, { lang: 'zh', score: 0 }],
      [TOO_SHORT, { lang: 'und', score: 0 }],
      [TOO_SHORT, { lang: 'und', score: 0 }],
    ]);
  });

  it('minScore null never drops for score; keep null keeps every language', async () => {
    const all = samples.map(({ text }) => ({ text }));
    const { kept, rejects } = await run(all, { minScore: null, keep: null });
    expect(rejects).toEqual([]);
    expect(kept).toHaveLength(samples.length);
  });

  it('maxChars: only the first maxChars characters are read', async () => {
    const text = of('en')[0].text.slice(0, 60) + ' ' + of('zh').map((s) => s.text).join('');
    expect((await run([{ text }], { maxChars: 60, minScore: null })).kept[0].attrs.lang).toBe('en');
    expect((await run([{ text }], { maxChars: null, minScore: null })).kept[0].attrs.lang).toBe('zh');
  });

  it('reads the text field given to the run (content)', async () => {
    const stage = await langId.create(resolveOptions('langid', langId.options, {}));
    const sink = collect();
    await pipeline({ source: fromRecords([{ content: of('zh')[0].text, text: 'ignored' }]), stages: [stage], sink, textField: 'content' });
    expect(sink.docs[0].attrs.lang).toBe('zh');
  });
});

describe('langid script rules (real text; every backend)', () => {
  const backends = ['cascade', 'cld2', 'fasttext', 'franc'];

  it('Han-only Chinese of 10-60 characters (Weibo posts, titles, reviews) is zh, never ja/ko, with no model call', async () => {
    const short = fixture<{ text: string; lid176: string }>('zh_short.jsonl');
    // The slice was chosen so that most of it is what lid.176 alone gets wrong.
    expect(short.filter((s) => s.lid176 !== 'zh').length).toBeGreaterThanOrEqual(60);
    for (const backend of backends) {
      const { kept, counters } = await run(short.map(({ text }) => ({ text })), { backend, minScore: null });
      expect(kept.map((d) => d.attrs.lang), backend).toEqual(short.map(() => 'zh'));
      expect(kept.every((d) => d.attrs.lang_score === 1)).toBe(true);
      expect(counters['by:script']).toBe(short.length);
      expect(counters['by:model']).toBeUndefined();
    }
  });

  it('Chinese posts with a Japanese title or reading in them stay zh; Japanese prose is ja', async () => {
    const { kept } = await run(texts('zh_kana.jsonl'), { minScore: null });
    expect(kept.map((d) => d.attrs.lang)).toEqual(kept.map(() => 'zh'));
    expect((await run(of('ja'), { minScore: null })).kept.map((d) => d.attrs.lang)).toEqual(of('ja').map(() => 'ja'));
  });

  it('Hangul prose is ko, with no model call', async () => {
    const { kept, counters } = await run(of('ko'), { minScore: null });
    expect(kept.map((d) => d.attrs.lang)).toEqual(of('ko').map(() => 'ko'));
    expect(counters['by:script']).toBe(of('ko').length);
  });

  it('a model label the script contradicts becomes und with score 0 (no kana: not ja)', async () => {
    const alwaysJa: LangIdBackend = { name: 'stub', codes: undefined, identify: (_t, out) => ((out.lang = 'ja'), (out.score = 0.99)) };
    const stage = langIdStage(resolveOptions('langid', langIdOptions, { minScore: null }) as never, alwaysJa);
    const { kept } = await runStage(stage, of('en').slice(0, 3));
    expect(kept.map((d) => [d.attrs.lang, d.attrs.lang_score])).toEqual([['und', 0], ['und', 0], ['und', 0]]);
  });

  it('attrs.lang_script: Hant for Traditional text, Hans for Simplified; both are zh', async () => {
    const hant = await run(texts('zh_hant.jsonl'), { minScore: null });
    expect(hant.kept.map((d) => [d.attrs.lang, d.attrs.lang_script])).toEqual(hant.kept.map(() => ['zh', 'Hant']));
    const hans = await run(of('zh'), { minScore: null });
    expect(hans.kept.map((d) => d.attrs.lang_script)).toEqual(of('zh').map(() => 'Hans'));
    expect((await run(of('en').slice(0, 2), { minScore: null })).kept.map((d) => d.attrs.lang_script)).toEqual([undefined, undefined]);
  });

  it('Cantonese is reported as yue, kept by keep zh, dropped by keep zh with strictCodes', async () => {
    const yue = texts('zh_yue.jsonl');
    const loose = await run(yue, { keep: ['zh'] });
    expect(loose.kept.map((d) => [d.attrs.lang, d.attrs.lang_script])).toEqual(yue.map(() => ['yue', 'Hans']));
    const strict = await run(yue, { keep: ['zh'], strictCodes: true });
    expect(strict.kept).toHaveLength(0);
    expect(strict.rejects.map((r) => r.reason)).toEqual(yue.map(() => NOT_KEPT));
    // Plain Chinese with a dialect mark or two stays zh.
    expect((await run(texts('zh_short.jsonl'))).kept.every((d) => d.attrs.lang === 'zh')).toBe(true);
  });

  it('Chinese with shell commands, paths and URLs is decided by the prose (Debian Reference paragraphs)', async () => {
    const mixed = fixture<{ text: string; source: string }>('zh_mixed.jsonl');
    const debian = mixed.filter((m) => m.source.includes('debian_reference'));
    expect(debian.length).toBeGreaterThanOrEqual(10);
    for (const backend of ['cascade', 'fasttext']) {
      const { kept } = await run(debian.map(({ text }) => ({ text })), { backend, minScore: null });
      expect(kept.map((d) => d.attrs.lang), backend).toEqual(debian.map(() => 'zh'));
    }
    // Zhihu answers and Weibo posts with English terms: zh, except where an English quotation
    // is most of the text (a BBC paragraph after a one-line Chinese question).
    const rest = mixed.filter((m) => !m.source.includes('debian_reference'));
    const { kept } = await run(rest.map(({ text }) => ({ text })), { minScore: null });
    expect(kept.filter((d) => d.attrs.lang !== 'zh').length).toBeLessThanOrEqual(2);
  });

  it('too short to judge (under 20 letters, a CJK character counting 2): score 0, no model call, dropped by default', async () => {
    const tiny = texts('short_latin.jsonl');
    const { kept, rejects, counters } = await run(tiny);
    expect(kept).toHaveLength(0);
    expect(rejects.map((r) => r.detail)).toEqual(tiny.map(() => ({ lang: 'und', score: 0 })));
    expect(counters['by:short']).toBe(tiny.length);
    // Short Han text: the script's guess, zh, with score 0.
    const zhShort = await run([{ text: '很好看的书' }, { text: '初中生作文一本通' }], { minScore: null });
    expect(zhShort.kept.map((d) => [d.attrs.lang, d.attrs.lang_score])).toEqual([['zh', 0], ['zh', 0]]);
    // minChars 0 lets the script decide them.
    const all = await run([{ text: '初中生作文一本通' }], { minChars: 0 });
    expect(all.kept.map((d) => [d.attrs.lang, d.attrs.lang_score])).toEqual([['zh', 1]]);
  });
});

describe('langid, franc backend', () => {
  it("reports ISO 639-1 codes mapped from franc's 639-3 (cmn -> zh, eng -> en), score 1", async () => {
    const { kept, rejects } = await run([...of('zh'), ...of('en').slice(0, 5), ...of('de')], { backend: 'franc', minScore: null });
    expect(rejects).toEqual([]);
    expect(kept.slice(0, 20).every((d) => d.attrs.lang === 'zh' && d.attrs.lang_score === 1)).toBe(true);
    expect(kept.slice(25).every((d) => d.attrs.lang === 'de')).toBe(true);
  });
});

describe('langid options', () => {
  it('has the documented defaults and rejects a bad backend', () => {
    expect(resolveOptions('langid', langId.options, {})).toEqual({
      backend: 'cascade',
      keep: null,
      strictCodes: false,
      minScore: 0.65,
      maxChars: 1000,
      minChars: 20,
      shortByScript: false,
    });
    expect(() => resolveOptions('langid', langId.options, { backend: 'cld3' })).toThrow(/backend.*cascade, cld2, fasttext, franc/);
    expect(() => resolveOptions('langid', langId.options, { minScore: 1.5 })).toThrow(/minScore/);
  });

  it('is registered as a built-in stage', () => {
    expect(defaultRegistry().has('langid')).toBe(true);
  });
});
