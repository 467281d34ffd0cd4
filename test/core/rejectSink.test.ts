import { describe, expect, it } from 'vitest';
import { rejectSlimmer, SampledRejects, slimKeepsAttrs, slimReject } from '../../src/core/rejectSink.js';
import type { Reject } from '../../src/core/stage.js';

describe('slimReject', () => {
  const thresholds = [
    { code: 'gopher_quality:min_words', signal: 'web-en/words', min: 50 },
    { code: 'gopher_repetition:top_2gram', signal: 'web-en/top_2gram_frac', max: 0.2 },
    { code: 'fineweb:char_dup_ratio', signal: 'web-en/char_dup_ratio', max: 0.01 },
  ];
  const r: Reject = {
    stage: 'quality',
    reason: 'gopher_repetition:top_2gram',
    source: 'a.jsonl:3',
    record: { text: 'x' },
    attrs: { lang: 'en', lang_score: 0.9, quality: { preset: 'web-en', score: 0.1, failed: ['gopher_repetition:top_2gram', 'gopher_quality:min_words'], words: 3, top_2gram_frac: 0.5, char_dup_ratio: 0 } },
  };

  it('keeps the record and only the signals of the rules that failed', () => {
    expect(slimReject(r, thresholds)).toEqual({
      stage: 'quality',
      reason: 'gopher_repetition:top_2gram',
      source: 'a.jsonl:3',
      record: { text: 'x' },
      attrs: { quality: { preset: 'web-en', score: 0.1, failed: ['gopher_repetition:top_2gram', 'gopher_quality:min_words'], words: 3, top_2gram_frac: 0.5 } },
    });
  });

  it('drops attrs when the stage has no rule on them (the detail says why)', () => {
    const d: Reject = { stage: 'dedup', reason: 'dedup:exact', source: 'a:1', attrs: { quality: { score: 1 } }, detail: { survivor: 'a:0' } };
    expect(slimReject(d, [])).toEqual({ stage: 'dedup', reason: 'dedup:exact', source: 'a:1', detail: { survivor: 'a:0' } });
  });
});

describe('rejectSlimmer', () => {
  it('gives the same lines, key order included, once a combination of failing rules is compiled', () => {
    const thresholds = [
      { code: 'gopher_quality:min_words', signal: 'web-en/words', min: 50 },
      { code: 'gopher_repetition:top_2gram', signal: 'web-en/top_2gram_frac', max: 0.2 },
      { code: 'fineweb:char_dup_ratio', signal: 'web-en/char_dup_ratio', max: 0.01 },
    ];
    const slim = rejectSlimmer(thresholds);
    const quality = (i: number) => ({ preset: 'web-en', score: 0.1, failed: ['gopher_repetition:top_2gram', 'gopher_quality:min_words'], words: i, top_2gram_frac: 0.5, char_dup_ratio: 0 });
    const expected = (i: number, detail?: Record<string, unknown>) =>
      JSON.stringify({ stage: 'quality', reason: 'gopher_repetition:top_2gram', source: `a.jsonl:${i}`, record: { text: 'x' }, ...(detail ? { detail } : {}), attrs: { quality: { preset: 'web-en', score: 0.1, failed: ['gopher_repetition:top_2gram', 'gopher_quality:min_words'], words: i, top_2gram_frac: 0.5 } } });
    // 30 of one combination: the first ones picked key by key, the later ones by the compiled picker
    for (let i = 0; i < 30; i++) {
      const r: Reject = { stage: 'quality', reason: 'gopher_repetition:top_2gram', source: `a.jsonl:${i}`, record: { text: 'x' }, attrs: { lang: 'en', lang_score: 0.3, quality: quality(i) } };
      if (i % 3 === 1) r.detail = { n: i };
      expect(JSON.stringify(slim(r))).toBe(expected(i, i % 3 === 1 ? { n: i } : undefined));
    }
    // the same combination on a family without its header or with a signal missing: picked as before
    const bare: Reject = { stage: 'quality', reason: 'gopher_repetition:top_2gram', source: 'a.jsonl:99', record: { text: 'x' }, attrs: { lang_score: 0.3, quality: { failed: ['gopher_quality:min_words'], top_2gram_frac: 0.7 } } };
    expect(JSON.stringify(slim(bare))).toBe(JSON.stringify({ stage: 'quality', reason: 'gopher_repetition:top_2gram', source: 'a.jsonl:99', record: { text: 'x' }, attrs: { quality: { failed: ['gopher_quality:min_words'], top_2gram_frac: 0.7 } } }));
    // a signal stored flat beside the family (attrs.lang_score) is kept when a failing rule compares it
    const flat = rejectSlimmer([...thresholds, { code: 'langid:score', signal: 'web-en/lang_score', min: 0.5 }]);
    for (let i = 0; i < 12; i++) {
      const r: Reject = { stage: 'quality', reason: 'langid:score', source: 'a.jsonl:5', record: { text: 'x' }, attrs: { lang: 'en', lang_score: 0.3, quality: { preset: 'web-en', score: 0.2, failed: ['langid:score'], words: 80 } } };
      expect(JSON.stringify(flat(r))).toBe(JSON.stringify({ stage: 'quality', reason: 'langid:score', source: 'a.jsonl:5', record: { text: 'x' }, attrs: { lang_score: 0.3 } }));
    }
    // a reject whose keys are in another order keeps that order
    const odd = { detail: { d: 1 }, stage: 'quality', reason: 'gopher_repetition:top_2gram', source: 'a.jsonl:7', attrs: { quality: quality(7) }, record: { text: 'y' } } as Reject;
    expect(Object.keys(slim(odd))).toEqual(['detail', 'stage', 'reason', 'source', 'record', 'attrs']);
    // a second slimmer for the same rules (the next task of a run) reuses the compiled pickers: the same lines, the odd ones too
    const again = rejectSlimmer(thresholds);
    for (let i = 0; i < 30; i++) {
      const r: Reject = { stage: 'quality', reason: 'gopher_repetition:top_2gram', source: `a.jsonl:${i}`, record: { text: 'x' }, attrs: { lang: 'en', lang_score: 0.3, quality: quality(i) } };
      expect(JSON.stringify(again(r))).toBe(expected(i));
    }
    expect(JSON.stringify(again(bare))).toBe(JSON.stringify(slim(bare)));
    expect(Object.keys(again(odd))).toEqual(['detail', 'stage', 'reason', 'source', 'record', 'attrs']);
  });
});

describe('SampledRejects', () => {
  it('passes on N per stage/reason and counts the rest', () => {
    const got: Reject[] = [];
    const s = new SampledRejects({ push: (r) => got.push(r), close: async () => {}, abort: async () => {} }, 2);
    for (let i = 0; i < 5; i++) s.push({ stage: 'q', reason: 'a', source: `f:${i}` });
    s.push({ stage: 'q', reason: 'b', source: 'f:9' });
    expect(got.map((r) => r.source)).toEqual(['f:0', 'f:1', 'f:9']);
    expect(s.skipped).toEqual({ 'q/a': 3 });
    // keeps(): whether the next push of that reason would be passed on
    expect([s.keeps({ stage: 'q', reason: 'a', source: 'f:10' }), s.keeps({ stage: 'q', reason: 'b', source: 'f:11' }), s.keeps({ stage: 'q', reason: 'c', source: 'f:12' })]).toEqual([false, true, true]);
  });
});

describe('slimReject for stages that record their decision', () => {
  it('keeps the stage\'s own attrs whole and drops the other stages\' signals', () => {
    const attrs = { lang: 'zh', lang_score: 0.99, quality: { preset: 'web-zh', score: 1, chars: 900 }, flagged_words: { lang: 'zh', count: 7, ratio: 0.04, lists: { zh_porn: 7 }, terms: ['x'] } };
    const r: Reject = { stage: 'flagged-words', reason: 'flagged_words:zh_ratio', source: 'a:1', record: { text: 'x' }, attrs };
    expect(slimReject(r, [{ code: 'flagged_words:zh_ratio', signal: 'zh/ratio', max: 0.01 }]).attrs).toEqual({ flagged_words: attrs.flagged_words });
    const p: Reject = { stage: 'pii', reason: 'pii:email', source: 'a:2', attrs: { lang: 'en', pii: { email: 2 } } };
    expect(slimReject(p, []).attrs).toEqual({ pii: { email: 2 } });
    const u: Reject = { stage: 'url-filter', reason: 'url_filter:block', source: 'a:3', attrs: { lang: 'en', url_filter: { list: 'block', rule: 'x.com' } } };
    expect(slimReject(u, []).attrs).toEqual({ url_filter: { list: 'block', rule: 'x.com' } });
    const l: Reject = { stage: 'langid', reason: 'not_kept', source: 'a:4', attrs: { lang: 'fr', lang_score: 0.9, normalize: { x: 1 } } };
    expect(slimReject(l, []).attrs).toEqual({ lang: 'fr', lang_score: 0.9 });
  });
});

describe('slimKeepsAttrs', () => {
  it('is false only where every reject comes out as it would without attrs (the pipeline then makes them without)', () => {
    const attrs = { lang: 'en', lang_score: 0.9, quality: { preset: 'web-en', score: 0.1, failed: ['c4:min_sentences'], c4_sentences: 1 }, flagged_words: { count: 0 } };
    const cases: [string, string, { code: string; signal: string; min?: number; max?: number }[]][] = [
      ['dedup', 'dedup:exact', []],
      ['normalize', 'whatever', []],
      ['dedup', 'dedup:minhash', [{ code: 'dedup:minhash', signal: 'similarity', min: 0.7 }]],
      ['quality', 'c4:min_sentences', [{ code: 'c4:min_sentences', signal: 'web-en/c4_sentences', min: 3 }]],
      ['langid', 'langid:not_kept', []],
      ['flagged-words', 'flagged_words:en_ratio', []],
    ];
    for (const [stage, reason, thresholds] of cases) {
      const slim = rejectSlimmer(thresholds);
      const withAttrs = JSON.stringify(slim({ stage, reason, source: 'a:1', record: { text: 'x' }, attrs, detail: { n: 1 } }));
      const without = JSON.stringify(slim({ stage, reason, source: 'a:1', record: { text: 'x' }, detail: { n: 1 } }));
      if (!slimKeepsAttrs(stage, thresholds)) expect(withAttrs, stage).toBe(without);
      // (a rule on a signal this reject does not hold keeps nothing either, but the rule is there)
      else if (reason !== 'dedup:minhash') expect(withAttrs, stage).not.toBe(without);
    }
  });
});

describe('rejectSlimmer (slimReject made once per stage)', () => {
  it('writes the same line as slimReject: keys in order, signals in threshold order, each once', () => {
    const thresholds = [
      { code: 'a:len', signal: 'web-zh/chars', min: 10 },
      { code: 'b:ratio', signal: 'web-zh/punct_ratio', max: 0.2 },
      { code: 'c:len_max', signal: 'web-zh/chars', max: 1000 },
      { code: 'd:lines', signal: 'web-zh/lines', min: 2 },
      { code: 'a:len', signal: 'web-en/chars', min: 50 },
    ];
    const r: Reject = {
      stage: 'quality',
      reason: 'd:lines',
      source: 'z.jsonl:9',
      record: { text: 'x', id: 1 },
      attrs: { lang: 'zh', quality: { preset: 'web-zh', preset_by: 'lang', score: 0, weakest: 'a:len', failed: ['b:ratio', 'a:len', 'c:len_max'], chars: 3, punct_ratio: 0.5, lines: 1, words: 1 } },
      detail: { note: 1 },
    };
    const slim = rejectSlimmer(thresholds);
    const expected = {
      stage: 'quality',
      reason: 'd:lines',
      source: 'z.jsonl:9',
      record: { text: 'x', id: 1 },
      detail: { note: 1 },
      attrs: { quality: { preset: 'web-zh', score: 0, failed: ['b:ratio', 'a:len', 'c:len_max'], chars: 3, punct_ratio: 0.5, lines: 1 } },
    };
    // JSON text, so the key order (what a rejects file holds) is compared too
    expect(JSON.stringify(slim(r))).toBe(JSON.stringify(expected));
    expect(JSON.stringify(slimReject(r, thresholds))).toBe(JSON.stringify(expected));
    // the same slimmer for the next reject: nothing carried over
    const q: Reject = { stage: 'quality', reason: 'b:ratio', source: 'z.jsonl:10', attrs: { quality: { preset: 'web-zh', score: 0.2, failed: ['b:ratio'], chars: 30, punct_ratio: 0.5 } } };
    expect(JSON.stringify(slim(q))).toBe(JSON.stringify({ stage: 'quality', reason: 'b:ratio', source: 'z.jsonl:10', attrs: { quality: { preset: 'web-zh', score: 0.2, failed: ['b:ratio'], punct_ratio: 0.5 } } }));
    // a flat signal (attrs.lang_score) a failing rule compares is kept as it is
    const l = rejectSlimmer([{ code: 'langid:low_score', signal: 'lang_score', min: 0.6 }]);
    expect(l({ stage: 'x', reason: 'langid:low_score', source: 's:1', attrs: { lang: 'en', lang_score: 0.2 } }).attrs).toEqual({ lang_score: 0.2 });
    expect(l({ stage: 'x', reason: 'other', source: 's:2', attrs: { lang: 'en', lang_score: 0.2 } })).toEqual({ stage: 'x', reason: 'other', source: 's:2' });
  });
});

describe('rejectSlimmer remembers the signals of each combination of failing rules', () => {
  const thresholds = [
    { code: 'a:len', signal: 'web-zh/chars', min: 10 },
    { code: 'b:ratio', signal: 'web-zh/punct_ratio', max: 0.2 },
    { code: 'd:lines', signal: 'web-zh/lines', min: 2 },
  ];
  const q = (reason: string, failed: unknown[]): Reject => ({
    stage: 'quality',
    reason,
    source: 'z:1',
    attrs: { quality: { preset: 'web-zh', score: 0, failed, chars: 3, punct_ratio: 0.5, lines: 1 } },
  });
  const kept = (r: Reject) => Object.keys((r.attrs as { quality: Record<string, unknown> }).quality).slice(3);

  it('the same reason with other failing rules, in any order, before and after: each its own signals', () => {
    const slim = rejectSlimmer(thresholds);
    const cases: [string, unknown[], string[]][] = [
      ['a:len', ['a:len'], ['chars']],
      ['a:len', ['a:len', 'd:lines'], ['chars', 'lines']],
      ['a:len', ['a:len'], ['chars']],
      ['a:len', ['d:lines', 'a:len', 'b:ratio'], ['chars', 'punct_ratio', 'lines']],
      ['a:len', ['a:len', 'd:lines', 'b:ratio'], ['chars', 'punct_ratio', 'lines']],
      ['a:len', ['a:len', 'd:lines'], ['chars', 'lines']],
      ['d:lines', ['a:len', 'd:lines'], ['chars', 'lines']],
      ['d:lines', ['d:lines'], ['lines']],
      // a code without a threshold (a record's own attrs may carry any) changes nothing
      ['d:lines', ['d:lines', 'zz:unknown', 7], ['lines']],
      ['b:ratio', ['zz:unknown', 'b:ratio'], ['punct_ratio']],
    ];
    for (const [reason, failed, signals] of cases) {
      expect(kept(slim(q(reason, failed))), `${reason} ${JSON.stringify(failed)}`).toEqual(signals);
      expect(kept(slimReject(q(reason, failed), thresholds))).toEqual(signals);
    }
  });

  it('stays right past the number of combinations it remembers', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ code: `r:${i}`, signal: `web-zh/s${i}`, max: 0 }));
    const slim = rejectSlimmer(many);
    for (let i = 0; i < 200; i++) {
      for (let j = 0; j < 200; j += 3) {
        const attrs = { quality: { preset: 'web-zh', score: 0, failed: [`r:${i}`, `r:${j}`], [`s${i}`]: 1, [`s${j}`]: 2 } };
        const got = Object.keys((slim({ stage: 'quality', reason: `r:${i}`, source: 's', attrs }).attrs as { quality: object }).quality).slice(3);
        expect(got).toEqual(i === j ? [`s${i}`] : i < j ? [`s${i}`, `s${j}`] : [`s${j}`, `s${i}`]);
      }
    }
  });
});
