import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { makeDoc } from '../../../src/core/doc.js';
import { UsageError } from '../../../src/core/errors.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { StageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { collect, fromRecords } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { loadPreset, parseRuleSet, PRESETS, profile, ruleScore } from '../../../src/stages/quality/index.js';
import { hashRange, profileShared } from '../../../src/stages/quality/profile.js';
import { SignalComputer } from '../../../src/stages/quality/signals.js';
import type { C4Result } from '../../../src/stages/quality/c4.js';
import { C4Lines } from '../../../src/stages/quality/c4.js';

const ROOT = resolve(import.meta.dirname, '../../..');

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/quality/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string });

interface Outcome {
  reason: string | undefined;
  q: Record<string, unknown>;
  text: string;
}

/** Run the quality stage over texts; returns, per text, its drop reason (or undefined) and attrs. */
async function run(texts: string[], options: Record<string, unknown> = {}, attrs: Record<string, unknown> = {}) {
  const stage = await defaultRegistry().create('quality', options);
  const stats = emptyStageStats('quality');
  const reasons = new Map<Doc, string>();
  const ctx: StageContext = {
    stats,
    textField: undefined,
    reject(doc, reason) {
      reasons.set(doc, reason);
    },
  };
  const docs = texts.map((t, i) => {
    const d = makeDoc({ text: t }, `t:${i + 1}`);
    d.attrs = { ...attrs };
    return d;
  });
  async function* one() {
    yield docs;
  }
  for await (const _ of stage.run(one(), ctx));
  const out: Outcome[] = docs.map((d) => ({ reason: reasons.get(d), q: d.attrs.quality as Record<string, unknown>, text: d.data.text as string }));
  return { out, stats };
}

const one = async (text: string, options: Record<string, unknown> = {}, attrs: Record<string, unknown> = {}) => (await run([text], options, attrs)).out[0];

// A plain English paragraph that passes every web-en rule (built from distinct sentences).
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
const GOOD_EN = SENTENCES.slice(0, 4).join(' ') + '\n' + SENTENCES.slice(4).join(' ');

const ZH_SENTENCES = [
  '这座城市位于长江下游的平原上，历史非常悠久。',
  '每年春天，很多游客都会来这里看花和品尝当地的小吃。',
  '城市的东边有一座古老的寺庙，据说已经有一千多年的历史了。',
  '当地人喜欢在傍晚的时候去河边散步，和朋友们聊天。',
  '近年来，这里的交通变得越来越方便，新的地铁线路也开通了。',
  '学校和图书馆的数量不断增加，居民的生活水平也在提高。',
];
const GOOD_ZH = ZH_SENTENCES.slice(0, 3).join('') + '\n' + ZH_SENTENCES.slice(3).join('');

describe('quality: presets and options', () => {
  it('loads the shipped presets, each rule on a known signal', () => {
    for (const p of PRESETS) {
      const set = loadPreset(p);
      expect(set.rules.length).toBeGreaterThan(20);
      expect(new Set(set.rules.map((r) => r.code)).size).toBe(set.rules.length);
    }
    expect(loadPreset('web-en').rules.find((r) => r.code === 'gopher_repetition:top_2gram')?.max).toBe(0.2);
    expect(loadPreset('web-en').rules.find((r) => r.code === 'gopher_quality:min_words')?.min).toBe(50);
  });

  it('keeps clean text in both languages, and writes signals and a score', async () => {
    const en = await one(GOOD_EN, { preset: 'web-en' });
    expect(en.reason).toBeUndefined();
    expect(en.q.preset).toBe('web-en');
    expect(en.q.failed).toEqual([]);
    expect(en.q.score as number).toBeGreaterThanOrEqual(0.5);
    for (const k of ['words', 'mean_word_length', 'hash_ratio', 'dup_line_frac', 'dup_para_frac', 'top_2gram_frac', 'dup_10gram_frac', 'bullet_lines_ratio', 'end_ellipsis_lines_ratio', 'alpha_words_ratio', 'stop_words', 'c4_sentences', 'line_punct_ratio', 'list_ratio']) {
      expect(typeof en.q[k], k).toBe('number');
    }
    const zh = await one(GOOD_ZH, { preset: 'web-zh' });
    expect(zh.reason).toBeUndefined();
    expect(zh.q.preset).toBe('web-zh');
  });

  it('web-zh: a fluent unspaced Chinese line over 1000 characters keeps its sentences (cjk_words)', async () => {
    // Chinese has no spaces: C4's long-word rule saw such a line as one 1000+-character "word",
    // removed it, and the document failed zh_c4:min_sentences with c4_sentences 0.
    const line = fixture('zh_wiki.jsonl')
      .map((r) => r.text.replace(/\s+/g, ''))
      .join('')
      .slice(0, 1500);
    expect(line.length).toBe(1500);
    const zh = await one(line, { preset: 'web-zh' });
    expect(zh.q.c4_lines_removed).toBe(0);
    expect(zh.q.c4_sentences as number).toBeGreaterThan(10);
    expect(zh.q.failed).not.toContain('zh_c4:min_sentences');
    // English keeps C4's rule: a 1001-character token still removes its line
    const en = await one(GOOD_EN + '\n' + 'x'.repeat(1001) + '.', { preset: 'web-en' });
    expect(en.q.c4_lines_removed).toBe(1);
  });

  it('auto picks by attrs.lang, else by CJK share', async () => {
    expect((await one(GOOD_ZH, {}, { lang: 'zh' })).q).toMatchObject({ preset: 'web-zh', preset_by: 'lang' });
    expect((await one(GOOD_ZH, {}, { lang: 'en' })).q).toMatchObject({ preset: 'web-en', preset_by: 'lang' });
    // Cantonese and Wu (langid reports yue/wuu for Han text with their marks) take the Chinese rules.
    expect((await one(GOOD_ZH, {}, { lang: 'yue' })).q).toMatchObject({ preset: 'web-zh', preset_by: 'lang' });
    // und (too short for langid to judge) falls back to the script share.
    expect((await one(GOOD_ZH, {}, { lang: 'und' })).q).toMatchObject({ preset: 'web-zh', preset_by: 'script' });
    expect((await one(GOOD_ZH)).q).toMatchObject({ preset: 'web-zh', preset_by: 'script' });
    expect((await one(GOOD_EN)).q).toMatchObject({ preset: 'web-en', preset_by: 'script' });
  });

  it('rejects bad options before reading a record', async () => {
    const reg = defaultRegistry();
    await expect(reg.create('quality', { preset: 'web-fr' })).rejects.toThrow(UsageError);
    await expect(reg.create('quality', { set: 'gopher_quality:nope=3' })).rejects.toThrow(/unknown rule 'gopher_quality:nope'/);
    // New-user review 8 #6: a typo in a rule code gets the hint every other option typo gets.
    await expect(reg.create('quality', { set: 'zh_quality:min_charz=50' })).rejects.toThrow(/unknown rule 'zh_quality:min_charz'; did you mean 'zh_quality:min_chars'\? Known: /);
    await expect(reg.create('quality', { skip: 'gopher_qualty' })).rejects.toThrow(/did you mean 'gopher_quality'\? Groups: /);
    await expect(reg.create('quality', { set: 'gopher_quality:min_words' })).rejects.toThrow(/code=value/);
    await expect(reg.create('quality', { skip: 'bogus' })).rejects.toThrow(/unknown rule or group/);
    // A threshold on a skipped rule would never run (new-user review 7 #6); 'off' on one is harmless.
    await expect(reg.create('quality', { skip: 'gopher_quality', set: 'gopher_quality:min_words=50' })).rejects.toThrow(/leaves its group 'gopher_quality' out/);
    await expect(reg.create('quality', { skip: 'gopher_quality:alpha_words', set: 'gopher_quality:alpha_words=0.5' })).rejects.toThrow(/leaves that rule out/);
    await expect(reg.create('quality', { skip: 'c4', set: 'gopher_quality:min_words=50' })).resolves.toBeDefined();
    await expect(reg.create('quality', { skip: 'gopher_quality', set: 'gopher_quality:min_words=off' })).resolves.toBeDefined();
    expect(() => parseRuleSet({ name: 'x', rules: [{ code: 'a:b', signal: 'nope', max: 1 }] })).toThrow(/unknown signal 'nope'/);
    expect(() => parseRuleSet({ name: 'x', rules: [{ code: 'a:b', signal: 'words' }] })).toThrow(/exactly one of min, max/);
  });

  it('set overrides a threshold, null turns a rule off, skip drops a group', async () => {
    const short = 'Only a few words here.';
    expect((await one(short, { preset: 'web-en' })).reason).toBe('gopher_quality:min_words');
    expect((await one(short, { preset: 'web-en', set: ['gopher_quality:min_words=null'] })).reason).not.toBe('gopher_quality:min_words');
    expect((await one(GOOD_EN, { preset: 'web-en', set: ['gopher_quality:min_words=1000'] })).reason).toBe('gopher_quality:min_words');
    const skipped = await one(short, { preset: 'web-en', skip: ['gopher_quality', 'gopher_repetition', 'c4', 'fineweb'] });
    expect(skipped.reason).toBeUndefined();
  });

  it('tagOnly drops nothing; dropBelowScore drops passing records under the score', async () => {
    const r = await one('Too short.', { preset: 'web-en', tagOnly: true });
    expect(r.reason).toBeUndefined();
    expect((r.q.failed as string[])[0]).toBe('gopher_quality:min_words');
    expect((await one(GOOD_EN, { preset: 'web-en', dropBelowScore: 0.99 })).reason).toBe('quality:low_score');
  });

  it('runs in a pipeline through the registry', async () => {
    const sink = collect();
    const stage = await defaultRegistry().create('quality', { preset: 'web-en' });
    const stats = await pipeline({ source: fromRecords([{ text: GOOD_EN }, { text: 'short' }]), stages: [stage], sink });
    expect(sink.docs).toHaveLength(1);
    expect(stats.stages[0].dropped).toEqual({ 'gopher_quality:min_words': 1 });
  });
});

describe('quality: score', () => {
  it('is 0.5 at a threshold, above when passing, below when failing', () => {
    const max = { code: 'a:b', signal: 'dup_line_frac', max: 0.3 };
    expect(ruleScore(max, 0.3)).toBe(0.5);
    expect(ruleScore(max, 0)).toBe(1);
    expect(ruleScore(max, 1)).toBe(0);
    expect(ruleScore(max, 0.4)).toBeLessThan(0.5);
    const min = { code: 'a:c', signal: 'words', min: 50 };
    expect(ruleScore(min, 50)).toBe(0.5);
    expect(ruleScore(min, 100)).toBe(1);
    expect(ruleScore(min, 25)).toBe(0.25);
  });
});

describe('quality: every rule at, below and above its limit', () => {
  // For each rule, take a record, read the rule's signal, then move the threshold onto it and
  // just past it on both sides: the record must pass at the limit and fail only on the wrong side.
  for (const preset of PRESETS) {
    const set = loadPreset(preset);
    for (const rule of set.rules) {
      it(`${preset} ${rule.code}`, async () => {
        const base = preset === 'web-en' ? GOOD_EN : GOOD_ZH;
        const { q } = await one(base, { preset, tagOnly: true });
        const v = q[rule.signal] as number;
        const eps = Number.isInteger(v) && !rule.signal.endsWith('_ratio') && !rule.signal.endsWith('_frac') ? 1 : 1e-6;
        const only = (t: number) => ({ preset, skip: set.rules.filter((r) => r.code !== rule.code).map((r) => r.code), set: [`${rule.code}=${t}`] });
        expect((await one(base, only(v))).reason, 'at the limit').toBeUndefined();
        if (rule.min !== undefined) {
          expect((await one(base, only(v - eps))).reason, 'limit below the value').toBeUndefined();
          expect((await one(base, only(v + eps))).reason, 'limit above the value').toBe(rule.code);
        } else {
          expect((await one(base, only(v + eps))).reason, 'limit above the value').toBeUndefined();
          expect((await one(base, only(v - eps))).reason, 'limit below the value').toBe(rule.code);
        }
      });
    }
  }
});

describe('quality: English rules on constructed cases', () => {
  const en = (t: string) => one(t, { preset: 'web-en' });
  const skipTo = (group: string) => ({ preset: 'web-en', skip: ['gopher_repetition', 'gopher_quality', 'c4', 'fineweb'].filter((g) => g !== group) });

  it('gopher_repetition: repeated lines, paragraphs and n-grams', async () => {
    const line = 'Buy cheap watches online today with free shipping.';
    expect((await en(Array(10).fill(line).join('\n\n'))).reason).toBe('gopher_repetition:dup_para_frac');
    expect((await one(Array(10).fill(line).join('\n'), { ...skipTo('gopher_repetition'), skip: ['gopher_repetition:dup_para_frac', 'gopher_repetition:dup_para_char_frac', 'gopher_quality', 'c4', 'fineweb'] })).reason).toBe('gopher_repetition:dup_line_frac');
    const spam = SENTENCES.join(' ') + ' ' + Array(30).fill('click here').join(' ');
    expect((await one(spam, skipTo('gopher_repetition'))).reason).toBe('gopher_repetition:top_2gram');
    expect((await one(SENTENCES.join(' ') + ' ' + SENTENCES.join(' '), skipTo('gopher_repetition'))).reason).toBe('gopher_repetition:dup_5gram');
  });

  it('gopher_quality: length, word length, symbols, bullets, ellipsis, alpha, stop words', async () => {
    const g = (t: string) => one(t, skipTo('gopher_quality'));
    expect((await g('a few words only.')).reason).toBe('gopher_quality:min_words');
    expect((await g(Array(60).fill('a an is it').join(' '))).reason).toBe('gopher_quality:min_mean_word_length');
    expect((await g(Array(60).fill('internationalization characteristically').join(' ') + ' the of')).reason).toBe('gopher_quality:max_mean_word_length');
    expect((await g(GOOD_EN + ' ' + Array(20).fill('#tag').join(' '))).reason).toBe('gopher_quality:hash_ratio');
    expect((await g(GOOD_EN + ' ' + Array(20).fill('wait...').join(' '))).reason).toBe('gopher_quality:ellipsis_ratio');
    expect((await g(SENTENCES.map((s) => '• ' + s).join('\n'))).reason).toBe('gopher_quality:bullet_lines');
    expect((await g(SENTENCES.map((s) => s + ' and so on...').join('\n'))).reason).toBe('gopher_quality:end_ellipsis_lines');
    expect((await g(GOOD_EN + ' ' + Array(40).fill('12 , 34 ;').join(' '))).reason).toBe('gopher_quality:alpha_words');
    expect((await g(Array(20).fill('Quick brown foxes jump over lazy dogs').join(' . '))).reason).toBe('gopher_quality:stop_words');
  });

  it('c4: lorem ipsum, curly bracket, too few sentences; line filter removes lines and counts them', async () => {
    const c = (t: string) => one(t, skipTo('c4'));
    expect((await c(GOOD_EN + '\nLorem ipsum dolor sit amet, consectetur.')).reason).toBe('c4:lorem_ipsum');
    expect((await c(GOOD_EN + '\nThe function body is { return x; } here.')).reason).toBe('c4:curly_bracket');
    expect((await c('One sentence here. Two sentences here.')).reason).toBe('c4:min_sentences');
    const noisy = 'Home | About | Contact\n' + GOOD_EN + '\nThis site uses cookies to improve your experience.\nPlease enable JavaScript to view comments.';
    const r = await run([noisy], { preset: 'web-en', c4LineFilter: true, skip: ['fineweb', 'gopher_repetition'] });
    expect(r.out[0].reason).toBeUndefined();
    expect(r.out[0].text).not.toContain('Home | About');
    expect(r.out[0].text).not.toContain('cookies');
    expect(r.out[0].text).not.toContain('JavaScript');
    expect(r.stats.counters['c4_lines_removed']).toBe(3);
    expect(r.stats.counters['c4_lines_removed:policy']).toBe(1);
    expect(r.stats.counters['c4_lines_removed:javascript']).toBe(1);
    expect(r.stats.counters['c4_lines_removed:no_terminal_punct']).toBe(1);
    // without the option, the text is unchanged (tag first)
    expect((await run([noisy], { preset: 'web-en', skip: ['fineweb', 'gopher_repetition'] })).out[0].text).toBe(noisy);
  });

  it('fineweb: line punctuation, short lines, duplicated line characters, list ratio', async () => {
    const f = (t: string) => one(t, skipTo('fineweb'));
    expect((await f(SENTENCES.map((s) => s.slice(0, -1)).join('\n'))).reason).toBe('fineweb:line_punct_ratio');
    expect((await f(['Home.', 'News.', 'Sport.', SENTENCES[0]].join('\n'))).reason).toBe('fineweb:short_line_ratio');
    expect((await f(GOOD_EN + '\n' + SENTENCES[0] + '\n' + SENTENCES[0])).reason).toBe('fineweb:char_dup_ratio');
    const list = Array.from({ length: 20 }, (_, i) => `Item ${i}.`).join('\n');
    expect((await one(list, { ...skipTo('fineweb'), set: ['fineweb:short_line_ratio=null'] })).reason).toBe('fineweb:list_ratio');
  });

  it('keeps real C4 news articles (paloma theguardian slice)', async () => {
    const { out } = await run(fixture('en_guardian.jsonl').map((r) => r.text), { preset: 'web-en' });
    expect(out.map((o) => o.reason)).toEqual([undefined, undefined, undefined]);
  });
});

describe('quality: Chinese rules', () => {
  const zh = (t: string, extra: Record<string, unknown> = {}) => one(t, { preset: 'web-zh', ...extra });

  it('counts characters, not space-separated words', async () => {
    const r = await zh(GOOD_ZH);
    expect(r.q.chars as number).toBeGreaterThan(150);
    expect(r.q.cjk_word_ratio as number).toBeGreaterThan(0.9);
    expect(r.q.stop_words as number).toBeGreaterThan(5);
    // the English rules would call the same text one long "word"
    expect((await one(GOOD_ZH, { preset: 'web-en', tagOnly: true })).q.failed).toContain('gopher_quality:stop_words');
  });

  it('drops short posts, repeated characters, pinyin-bracket spam, control characters and code', async () => {
    expect((await zh('今天天气真好，出去玩了。')).reason).toBe('zh_quality:min_chars');
    expect((await zh(GOOD_ZH + '哈哈哈哈哈哈'.repeat(30))).reason).toMatch(/^zh_repetition:/);
    expect((await zh(GOOD_ZH + '欢迎来到烟(yan)台市(shi)教育(yu)装备(bei)中心(xin)参观(guan)。', { skip: ['zh_c4'] })).reason).toBe('zh_quality:pinyin_brackets');
    expect((await zh(GOOD_ZH + '\u0006\u0007\u0005')).reason).toBe('zh_quality:control_chars');
    const code = ['int x = 1;', 'y = f(x);', 'return y;', '/* 注释 */', GOOD_ZH].join('\n');
    expect((await zh(code, { skip: ['zh_fineweb'] })).reason).toBe('zh_quality:code_lines');
    expect((await zh('Latest Submit(811)\nMedicine, Pharmacy (228)\n' + 'Environmental Sciences, Resource Sciences (86)\n'.repeat(3), { skip: ['zh_repetition', 'zh_fineweb'] })).reason).toBe('zh_quality:min_cjk_ratio');
  });

  it('keeps zhwiki paragraphs (Chinese Wikipedia -{...}- markup is not a curly bracket)', async () => {
    const { out } = await run(fixture('zh_wiki.jsonl').map((r) => r.text), { preset: 'web-zh' });
    expect(out.map((o) => o.reason)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect((await zh(GOOD_ZH + '出自-{赫舍里氏}-，是满语的汉文音译。')).reason).toBeUndefined();
  });

  it('drops the spam in ChineseWebText dirty samples with specific reasons', async () => {
    const { out } = await run(fixture('zh_chinesewebtext_dirty.jsonl').map((r) => r.text), { preset: 'web-zh' });
    expect(out.map((o) => o.reason)).toEqual([
      'zh_fineweb:short_line_ratio', // a list of article titles
      undefined,
      'zh_quality:code_lines', // C driver source
      undefined,
      undefined,
      undefined,
      'zh_fineweb:short_line_ratio', // idiom glossary fragments
      'zh_quality:control_chars', // control characters and 烟(yan)台市(shi) pinyin spam
      undefined,
      'zh_quality:alpha_words', // an English link list: numbers and brackets
    ]);
  });

  it('drops short Weibo posts', async () => {
    const { out } = await run(fixture('zh_weibo.jsonl').map((r) => r.text), { preset: 'web-zh' });
    expect(out.every((o) => o.reason === 'zh_quality:min_chars')).toBe(true);
  });
});

describe('quality: tokens', () => {
  it('splits words like NLTK for English and one token per CJK character', () => {
    const t = "Don't edit /etc/apt/sources.list, e.g. use U.S. 3.14 and 1,000 users. 中文，测试。";
    const p = profile(t);
    const toks = Array.from({ length: p.nTokens }, (_, i) => t.slice(p.tokStart[i], p.tokEnd[i]));
    expect(toks).toEqual(['Do', "n't", 'edit', '/etc/apt/sources.list', ',', 'e.g.', 'use', 'U.S.', '3.14', 'and', '1,000', 'users', '.', '中', '文', '，', '测', '试', '。']);
  });

  // The tokeniser hashes a word while it scans it (each character read once); the hashes must be
  // those of the token's text, whatever split the word: contractions, a final period kept or
  // split off, astral characters, runs of punctuation.
  it('gives every token the hashes of its text (hashRange), for tricky splits', () => {
    const texts = [
      "Don't, DON'T can't won\u2019t ain't o'clock John's n't 'quoted' rock'n'roll",
      'U.S. end. e.g. a.b.c. 3.14 1,000 10:30 ... -- !!! ?? …… /etc/apt e-mail',
      'x😀y 😀😀 a\u0301b 𠀀字 (yan)台 “引号” \ud800 lone',
      "isn't.\nWasn't\n\nshouldn't've",
    ];
    for (const t of texts) {
      for (const p of [profile(t), profileShared(t)]) {
        expect(p.nTokens).toBeGreaterThan(3);
        for (let i = 0; i < p.nTokens; i++) {
          const tok = t.slice(p.tokStart[i], p.tokEnd[i]);
          expect([tok, p.tokH1[i], p.tokH2[i]]).toEqual([tok, ...hashRange(t, p.tokStart[i], p.tokEnd[i])]);
        }
      }
    }
  });

  // The hashes decide which n-grams, lines and paragraphs repeat: their values are pinned (as main
  // 2662e7d computed them) so that a change to the shared hash steps shows here, not as a shift
  // in some record's decision.
  it('keeps the token, line and range hashes of their definition (pinned values)', () => {
    expect(hashRange('a', 0, 1)).toEqual([711464985, 667610318]);
    expect(hashRange('字', 0, 1)).toEqual([-770882481, -551009878]);
    const out: unknown[] = [];
    for (const t of ["Don't stop: U.S. e.g. 3.14 ... 😀 x\n今天天气很好！！\n\nshouldn't've", 'a', '', '字']) {
      out.push(hashRange(t, 0, t.length));
      const p = profileShared(t);
      const toks: number[][] = [];
      for (let i = 0; i < p.nTokens; i++) toks.push([p.tokH1[i], p.tokH2[i]]);
      const lines: number[][] = [];
      for (let i = 0; i < p.nLines; i++) lines.push([p.lineH1[i], p.lineH2[i]]);
      out.push(toks, lines);
    }
    expect(createHash('md5').update(JSON.stringify(out)).digest('hex')).toBe('09c8555a1df77ef42fc5d154367ec6f1');
  });

  // Most short posts are one line (319,545 of the 319,550 zh_quality:min_chars rejects of the
  // bench mix): a line alone repeats nothing, so its hash is not computed and the repetition
  // counts are skipped; a second line (even an empty one) takes the full count again.
  it('does not hash the line of a one-line text, and its repetition signals stay those of one line and one paragraph', () => {
    const zh = loadPreset('web-zh');
    const c = new SignalComputer(zh.signals);
    const at = (name: string) => c.values[c.indexOf(name)];
    for (const t of ['', '   ', 'a\r', ' 今天天气很好，我们去公园散步吧。 ', '哈哈哈哈哈哈哈哈哈哈哈哈', '\t{ x = 1; }']) {
      const p = profile(t);
      expect([t, p.nLines, p.lineH1[0], p.lineH2[0]]).toEqual([t, 1, 0, 0]);
      expect([p.lineStart[0], p.lineEnd[0], t.slice(p.lineTrimStart[0], p.lineTrimEnd[0])]).toEqual([0, t.length, t.trim()]);
      c.run(p);
      const got = ['paragraphs', 'dup_para_frac', 'dup_para_char_frac', 'dup_line_frac', 'dup_line_char_frac', 'char_dup_ratio', 'lines'].map(at);
      expect([t, ...got]).toEqual([t, 1, 0, 0, 0, 0, 0, t.length === 0 ? 0 : 1]);
    }
    for (const t of ['同一行同一行\n同一行同一行', '同一行同一行\n\n同一行同一行', '同一行同一行\n']) {
      const p = profile(t);
      expect(p.lineH1[0]).toBe(hashRange(t, p.lineStart[0], p.lineEnd[0])[0]);
      c.run(p);
      if (t.endsWith('\n')) expect([t, at('dup_line_frac'), at('paragraphs')]).toEqual([t, 0, 1]);
      else expect([t, at('dup_line_frac') > 0, at('char_dup_ratio') > 0]).toEqual([t, true, true]);
    }
    expect(at('dup_para_frac')).toBe(0);
    c.run(profile('同一行同一行\n\n同一行同一行'));
    expect(at('dup_para_frac')).toBe(0.5);
  });

  it("compute's C4 result is the caller's to keep; run's is the filter's own, reused by the next run", () => {
    const en = loadPreset('web-en');
    const c4 = new C4Lines(en.c4!);
    const c = new SignalComputer(en.signals, c4);
    const a = 'A first line that ends well.\nno end here\nAnother line that ends well.';
    const b = 'One line only, and it ends.';
    const first = c.compute(profile(a)).c4!;
    const second = c.compute(profile(b)).c4!;
    const kept = (r: C4Result) => [...r.kept.subarray(0, r.nKept)];
    expect([first.lines, kept(first), first.removed.no_terminal_punct]).toEqual([3, [0, 2], 1]);
    expect([second.lines, kept(second), second.removed.no_terminal_punct]).toEqual([1, [0], 0]);
    const r1 = c.run(profile(a))!;
    expect(c.run(profile(b))).toBe(r1);
    expect([r1.lines, kept(r1)]).toEqual([1, [0]]);
  });

  it('counts stop words of one character (a CJK character, a mark) and of several', () => {
    const c = new SignalComputer({ ...loadPreset('web-en').signals, stopWords: ['的', 'the', 'and', '&', '😀'] });
    c.run(profile('the cat and 的 dog 的的 & the😀 theme andes'));
    // the, and, 的, 的, 的, &, the, 😀 (an astral character is two code units: looked up by hash)
    expect(c.values[c.indexOf('stop_words')]).toBe(8);
  });
});

describe('quality: the memory of attrs.quality', () => {
  // Memory, not time: what a record's signals keep alive (and the garbage collector moves while
  // its batch lives), against an object of as many fields holding small integers (its size
  // alone, whatever the pointer size). In a process of its own, on the built stage as the CLI
  // runs it, from its first record: the boxing came from V8's code optimised early in a run (a
  // stage is made anew for each task and bench round), which other tests could have trained.
  it('holds a whole-number signal in place, not in a number object of its own', () => {
    const script = `
      const { defaultRegistry } = await import('./dist/stages/index.js');
      const { makeDoc } = await import('./dist/core/doc.js');
      const { emptyStageStats } = await import('./dist/core/stats.js');
      const sentences = ${JSON.stringify(ZH_SENTENCES)};
      const posts = (n) => Array.from({ length: n }, (_, i) => makeDoc({ text: sentences[i % sentences.length] + i }, 't:' + i));
      const stage = await defaultRegistry().create('quality', { preset: 'web-zh', tagOnly: true });
      const ctx = { stats: emptyStageStats('quality'), textField: undefined, reject() {} };
      async function* batch(d) { yield d; }
      const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
      const n = 20000;
      const docs = posts(n);
      const h0 = heap();
      for await (const _ of stage.run(batch(docs), ctx));
      const perRecord = (heap() - h0) / n;
      const keys = Object.keys(docs[0].attrs.quality);
      const plain = new Function('x', 'return { ' + keys.map((k, i) => 'f' + i + ': x').join(', ') + ' };');
      const h1 = heap();
      const objects = Array.from({ length: n }, (_, i) => plain(i & 1));
      const perObject = (heap() - h1) / n;
      const whole = Object.values(docs[0].attrs.quality).filter((v) => typeof v === 'number' && Number.isInteger(v)).length;
      console.log(JSON.stringify({ perRecord, perObject, whole, n: objects.length }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as { perRecord: number; perObject: number; whole: number };
    expect(out.whole).toBeGreaterThanOrEqual(35); // most signals of a short post are counts or 0
    // Before: every value a number object of its own, 0 and the counts too: about 1,400 bytes a
    // record against a 432-byte object of 51 fields on 64-bit Node 20 (3.2x); now the object, its
    // few fractions' numbers, its attrs and its failed list, about 770 bytes (1.8x).
    expect(out.perRecord, JSON.stringify(out)).toBeLessThan(2.2 * out.perObject);
  });
});

describe('top n-gram fractions are fractions of the text', () => {
  // A run of one character (Weibo "凸凸凸...", "嘿嘿嘿") or one word makes the top n-gram's
  // occurrences overlap; counting its length once per occurrence gave top_6gram_frac 5.78.
  const texts = [
    '凸'.repeat(300),
    '哈'.repeat(30),
    'ha '.repeat(100),
    'spam '.repeat(200),
    '母上：你笑什么。我：嘿嘿嘿嘿嘿嘿。母上：不就是他俩吗？我：嘿嘿嘿嘿嘿嘿，不用理我，你不懂。',
    'a b a b a b a b a b a b a b a b a b a b',
  ];
  for (const preset of ['web-en', 'web-zh']) {
    it(`never exceed 1 (${preset})`, async () => {
      const { out } = await run(texts, { preset, tagOnly: true });
      for (const o of out) for (const [k, v] of Object.entries(o.q)) if (/^top_\d+gram_frac$/.test(k)) expect(v, `${k} of ${o.text.slice(0, 20)}`).toBeLessThanOrEqual(1);
    });
  }
  it('count each character once: a run of one character is the whole text', async () => {
    const o = await one('凸'.repeat(300), { preset: 'web-zh', tagOnly: true });
    expect(o.q.top_6gram_frac).toBe(1);
    expect(o.q.top_3gram_frac).toBe(1);
  });
  it('count the covered characters of overlapping occurrences (嘿 x6 twice in 46 characters)', async () => {
    const t = '母上：你笑什么。我：嘿嘿嘿嘿嘿嘿。母上：不就是他俩吗？我：嘿嘿嘿嘿嘿嘿，不用理我，你不懂。';
    const o = await one(t, { preset: 'web-zh', tagOnly: true });
    // 嘿嘿嘿 occurs 4 times in each run of six, the runs cover 12 characters.
    expect(o.q.top_3gram_frac).toBeCloseTo(12 / t.length, 6);
  });
  it('without overlaps the value is datatrove\'s (length x count, a space between words)', async () => {
    const t = 'the cat sat on the mat while the cat ate the rat and the cat ran off';
    const o = await one(t, { preset: 'web-en', tagOnly: true });
    // "the cat" x3: (3 + 1 + 3) x 3 = 21 characters
    expect(o.q.top_2gram_frac).toBeCloseTo(21 / t.length, 6);
  });
});
