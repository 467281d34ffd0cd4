import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyCounts, hanScript, isCodeLine, proseOf, scanScripts } from '../../../src/stages/langid/index.js';

const fixture = (name: string): { text: string; source: string }[] =>
  readFileSync(new URL(`../../../fixtures/langid/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string; source: string });
const count = (t: string) => {
  const s = emptyCounts();
  scanScripts(t, 0, t.length, s);
  return s;
};

describe('scanScripts', () => {
  it('counts Han, kana, Hangul, Latin and other letters; spaces, digits and punctuation are none', () => {
    expect(count('初中生作文一本通')).toMatchObject({ han: 8, kana: 0, hangul: 0, latin: 0, other: 0 });
    expect(count('Kindle for PCをCtrl＋Alt')).toMatchObject({ kana: 1, latin: 18 });
    expect(count('얼마나놀랐는지 ㅠㅠ')).toMatchObject({ hangul: 9, han: 0 });
    expect(count('Диета Аткинса, 14 дней!')).toMatchObject({ other: 16, latin: 0 });
    expect(count('Ｃｏｍｏ 𠀀')).toMatchObject({ latin: 4, han: 1 });
  });

  it('Vietnamese letters of Latin Extended Additional (U+1E00-1EFF) are Latin; Greek Extended (U+1F00-1FFF) is not', () => {
    // "Tiếng Việt có dấu": ế (U+1EBF) and ệ (U+1EC7) were counted as another script.
    expect(count('Tiếng Việt có dấu')).toMatchObject({ latin: 14, other: 0 });
    expect(count('ἀρχή')).toMatchObject({ latin: 0, other: 4 });
  });

  it('the middle dot and long-vowel mark of Chinese transliterations are not kana', () => {
    expect(count('威廉・莎士比亚').kana).toBe(0);
    expect(count('卡布奇诺ー').kana).toBe(0);
  });

  it('Simplified and Traditional marks decide lang_script on real posts', () => {
    for (const r of fixture('zh_hant.jsonl')) expect(hanScript(count(r.text)), r.source).toBe('Hant');
    for (const r of fixture('zh_short.jsonl').slice(0, 10)) expect(hanScript(count(r.text)), r.source).toBe('Hans');
  });

  it('Cantonese marks and Simplified forms Japanese does not use are counted', () => {
    for (const r of fixture('zh_yue.jsonl')) expect(count(r.text).dialect, r.source).toBeGreaterThanOrEqual(3);
    for (const r of fixture('zh_kana.jsonl')) expect(count(r.text).notJa, r.source).toBeGreaterThanOrEqual(2);
    expect(count('お客様のブランドをお守りします。商標登録出願で弁理士をお探しなら').notJa).toBe(0);
  });
});

describe('prose', () => {
  const listing = 'crw------T 1 root root   108, 0 Oct 16 20:57 /dev/ppp';
  it('isCodeLine: shell prompts, listings and code are code; prose, and any line with Chinese, is not', () => {
    const line = (t: string) => isCodeLine(t, 0, t.length);
    expect(line('$ ls -l /etc/passwd /etc/shadow /dev/ppp /usr/sbin/exim4')).toBe(true);
    expect(line(listing)).toBe(true);
    expect(line('console.log(p.nombreCompleto1());')).toBe(true);
    expect(line('This book is developed like a free software project, your input and help are welcome.')).toBe(false);
    expect(line('$ echo "你好" > foo')).toBe(false);
    expect(line('ok')).toBe(false);
  });

  it('proseOf stays linear on a long run of word characters next to an @ (it was quadratic: 200k chars took minutes)', () => {
    const run = 'a'.repeat(200000);
    expect(proseOf(`${run} x@`, null)).toBe(`${run} x@`);
    expect(proseOf(`${'a.'.repeat(100000)}! mail me: a.b+c@example.com.`, null)).toBe(`${'a.'.repeat(100000)}! mail me:  .`);
  });

  it('proseOf drops URLs, tags and code lines, and returns the text itself when there is nothing to drop', () => {
    const zh = '该文档的简体中文翻译，具体翻译工作通过 weblate 进行。欢迎参加翻译: https://hosted.weblate.org/projects/debian-reference/';
    expect(proseOf(zh, null)).toBe('该文档的简体中文翻译，具体翻译工作通过 weblate 进行。欢迎参加翻译:  ');
    expect(proseOf('<p>这里有一点有趣的文件权限例子。</p>', null)).toBe(' 这里有一点有趣的文件权限例子。 ');
    const mixed = '这里有一点有趣的文件权限例子。\n\n$ ls -l /dev/ppp\n' + listing;
    expect(proseOf(mixed, null)).toBe('这里有一点有趣的文件权限例子。\n');
    const plain = 'Quite inspiring and interesting book.\nThe author offers an outside view.';
    expect(proseOf(plain, null)).toBe(plain);
    expect(proseOf(plain, 5)).toBe('Quite');
  });
});
