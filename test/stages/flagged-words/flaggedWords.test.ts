import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { AhoCorasick, builtinList, parseList } from '../../../src/stages/flagged-words/index.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { HAS_SHARED, SHARED } from '../../helpers/run.js';
import { runStage } from '../../helpers/runStage.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/flagged-words/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('AhoCorasick', () => {
  it('finds every term, overlapping ones too, in end order', () => {
    const ac = new AhoCorasick(['他妈', '他妈的', '妈的', '的话']);
    const hits = ac.findAll('你他妈的话').map((h) => `${ac.terms[h.term]}@${h.start}`);
    expect(hits).toEqual(['他妈@1', '他妈的@1', '妈的@2', '的话@3']);
  });
  it('matches Latin terms on word boundaries only, case-insensitively', () => {
    const ac = new AhoCorasick(['ass', 'bad word']);
    expect(ac.findAll('class assignment').length).toBe(0);
    expect(ac.findAll('an ASS, a Bad Word.').length).toBe(2);
    expect(ac.findAll('中文ass中文').length).toBe(1);
  });
  it('matches CJK terms anywhere, and agrees with a naive search on random text', () => {
    const terms = ['威尼斯人', '威尼', '斯人', '现金网', '网'];
    const ac = new AhoCorasick(terms);
    const alphabet = '威尼斯人现金网的是';
    let seed = 7;
    for (let k = 0; k < 200; k++) {
      let s = '';
      for (let i = 0; i < 30; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        s += alphabet[seed % alphabet.length];
      }
      const naive: string[] = [];
      for (let e = 1; e <= s.length; e++) for (const t of terms) if (e >= t.length && s.slice(e - t.length, e) === t) naive.push(`${t}@${e}`);
      const got = ac.findAll(s).map((h) => `${terms[h.term]}@${h.end}`);
      expect(got.sort()).toEqual(naive.sort());
    }
  });
});

describe('word lists', () => {
  it('parses comments and JSON lists', () => {
    expect(parseList('# c\nfoo\n  bar  # tail\nc#\n\n', 'x')).toEqual(['foo', 'bar', 'c#']);
    expect(parseList('["a", " b "]', 'x')).toEqual(['a', 'b']);
  });
  it('loads LDNOOBW from naughty-words, less the ordinary-word exclusions', () => {
    const zh = builtinList('ldnoobw-zh').terms;
    expect(zh).toContain('傻逼');
    expect(zh).not.toContain('成人');
    expect(zh).not.toContain('13.');
    expect(builtinList('ldnoobw-en').terms).toContain('bitch');
  });
});

describe('flagged-words stage', () => {
  it('drops the gambling pages of ChineseWebText cc2021-43 (text in raw_content, title scanned too)', async () => {
    const r = await runStage('flagged-words', fixture('zh_gambling_cc2021-43.jsonl'), { fields: ['title'] }, { textField: 'raw_content' });
    expect(r.reasons).toEqual(['flagged_words:zh_ratio', 'flagged_words:zh_ratio', 'flagged_words:zh_ratio', 'flagged_words:zh_ratio']);
    const a = r.docs[0].attrs.flagged_words as { lang: string; count: number; lists: Record<string, number>; terms: string[] };
    expect(a.lang).toBe('zh');
    expect(a.lists['zh-gambling']).toBe(a.count);
    expect(a.terms).toContain('威尼斯人');
    expect(r.stats.counters['list:zh-gambling']).toBe(4);
  });
  it('keeps fluent Chinese web pages and Wikipedia', async () => {
    const web = await runStage('flagged-words', fixture('zh_fluent_cc2021-43.jsonl'), { fields: ['title'] }, { textField: 'raw_content' });
    expect(web.reasons.every((x) => x === undefined)).toBe(true);
    const wiki = await runStage('flagged-words', fixture('zh_wiki.jsonl'));
    expect(wiki.kept.length).toBe(20);
  });
  it('keeps news that names a crime or vice (topic terms count only beside another hit); explicit terms still drop', async () => {
    // Xinhua (色情 x4, ratio 0.0101), the Baiyin murder case (强奸 x8), illegal surrogacy (代孕 x20): dropped before.
    const news = await runStage('flagged-words', fixture('zh_news_cluecorpussmall.jsonl'));
    expect(news.reasons).toEqual([undefined, undefined, undefined]);
    expect(news.docs.map((d) => (d.attrs.flagged_words as { count: number; weak: number }).weak)).toEqual([4, 8, 20]);
    expect(news.stats.counters['topic_only_kept']).toBe(3);
    const sex = await runStage('flagged-words', fixture('zh_sex_cluecorpussmall.jsonl'));
    expect(sex.reasons).toEqual(['flagged_words:zh_ratio', 'flagged_words:zh_ratio']);
    // A topic term beside a profanity counts: 2 hits.
    const both = await runStage('flagged-words', [{ text: '他妈的，这简直是强奸民意。' }]);
    expect(both.reasons).toEqual(['flagged_words:zh_ratio']);
    // English news: "rape allegation" and "sex" name the case.
    const en = 'Sweden has dropped its investigation into the rape allegation against him. Prosecutors said the sex crime case could not go on after so many years, and lawyers for the woman said they were disappointed by the decision today.';
    expect((await runStage('flagged-words', [{ text: en }])).reasons).toEqual([undefined]);
    // topic_terms: false counts them alone, as before.
    const old = await runStage('flagged-words', [...fixture('zh_news_cluecorpussmall.jsonl'), { text: en }], { topicTerms: false });
    expect(old.reasons).toEqual(['flagged_words:zh_ratio', 'flagged_words:zh_ratio', 'flagged_words:zh_count', 'flagged_words:en_ratio']);
  });
  it('English-list hits in Chinese text count only beside another hit: XXX is a name placeholder there', async () => {
    const r = await runStage('flagged-words', [{ text: '在群里发口令红包，内容是祝XXX生日快乐，然后XXX刷屏了。' }, { text: '祝XXX生日快乐，你个傻逼。' }]);
    expect(r.reasons).toEqual([undefined, 'flagged_words:zh_ratio']);
  });
  it('one mild word in a short review is kept (min_hits); two insults in a short post are not', async () => {
    const r = await runStage('flagged-words', [{ text: '这本书写得像狗屎一样，不推荐。' }, { text: '你个傻逼，真是傻逼一个。' }, { text: '他是个傻逼。' }]);
    expect(r.reasons).toEqual([undefined, 'flagged_words:zh_ratio', undefined]);
  });
  it('ignores hits inside ordinary words of the exception list (水乳交融, 他妈妈), unless exceptions is off', async () => {
    const text = '叙事与描写水乳交融，水乳交融。他妈妈来了，他妈妈走了。';
    const r = await runStage('flagged-words', [{ text }], { tagOnly: true });
    expect((r.docs[0].attrs.flagged_words as { count: number }).count).toBe(0);
    const off = await runStage('flagged-words', [{ text }], { exceptions: false });
    expect(off.reasons).toEqual(['flagged_words:zh_ratio']);
  });
  it('counts overlapping terms once (他妈 inside 他妈的)', async () => {
    const r = await runStage('flagged-words', [{ text: '他妈的' }], { tagOnly: true });
    expect((r.docs[0].attrs.flagged_words as { count: number }).count).toBe(1);
  });
  it('English: hits per word against max_ratio_en, on word boundaries', async () => {
    const clean = 'The class assignment was passed to the assistant. '.repeat(5);
    const dirty = 'what a bitch of a day, damn bastard traffic and more bitch talk';
    const r = await runStage('flagged-words', [{ text: clean }, { text: dirty }]);
    expect(r.reasons).toEqual([undefined, 'flagged_words:en_ratio']);
    expect((r.docs[0].attrs.flagged_words as { count: number }).count).toBe(0);
  });
  it('takes the language from attrs.lang when langid ran', async () => {
    const text = '他妈的 bitch bitch bitch 的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的的';
    const r = await runStage('flagged-words', [{ text }, { text }], { tagOnly: true }, { attrs: [{ lang: 'zh' }, { lang: 'en' }] });
    expect((r.docs[0].attrs.flagged_words as { lang: string }).lang).toBe('zh');
    expect((r.docs[1].attrs.flagged_words as { lang: string }).lang).toBe('en');
  });
  it('reads user lists, names the hits after the file, and checks options before the first record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-fw-'));
    try {
      const p = join(dir, 'my-brands.txt');
      writeFileSync(p, '# mine\n某某娱乐\nacme casino\n');
      const r = await runStage('flagged-words', [{ text: '欢迎来到某某娱乐，某某娱乐，某某娱乐，acme casino！' }], { lists: [], extraLists: [p] });
      expect(r.reasons).toEqual(['flagged_words:zh_ratio']);
      expect((r.docs[0].attrs.flagged_words as { lists: Record<string, number> }).lists).toEqual({ 'my-brands': 4 });
      await expect(defaultRegistry().create('flagged-words', { extraLists: [join(dir, 'missing.txt')] })).rejects.toThrow(UsageError);
      await expect(defaultRegistry().create('flagged-words', { lists: ['nope'] })).rejects.toThrow(UsageError);
      await expect(defaultRegistry().create('flagged-words', { lists: [] })).rejects.toThrow(/no terms/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(HAS_SHARED)('flagged-words on ../shared/data', () => {
  const read = (f: string) =>
    readFileSync(join(SHARED, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  it('loses under 3 % of fluent Chinese (zhwiki, Debian handbook, book reviews)', async () => {
    for (const f of ['web/zh/zhwiki_cmrc2018_contexts.jsonl', 'web/zh/debian_handbook_zh-CN.jsonl', 'web/zh/douban_book_review_uer.jsonl']) {
      const r = await runStage('flagged-words', read(f));
      const lost = r.docs.length - r.kept.length;
      expect(lost / r.docs.length, f).toBeLessThan(0.03);
    }
  });
  it('drops at least 10 of the gambling pages of cc2021-43', async () => {
    const r = await runStage('flagged-words', read('web/zh/chinesewebtext_cc2021-43_cleared1.jsonl'), { fields: ['title'] }, { textField: 'raw_content' });
    expect(r.docs.length - r.kept.length).toBeGreaterThanOrEqual(10);
  });
});
