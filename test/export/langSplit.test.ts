import { describe, expect, it } from 'vitest';
import { makeDoc } from '../../src/core/doc.js';
import { langTypeOf } from '../../src/index.js';

describe('langTypeOf (export internevo --type by-lang)', () => {
  const of = (data: Record<string, unknown>, textField?: string): string => langTypeOf(makeDoc(data, 'x:1'), textField);

  it('follows attrs.lang: a Chinese variety is cn, any other language en, whatever the script', () => {
    expect(of({ text: 'English words only', attrs: { lang: 'zh' } })).toBe('cn');
    expect(of({ text: '全是汉字', attrs: { lang: 'ja' } })).toBe('en');
    for (const lang of ['yue', 'wuu', 'lzh', 'cmn']) expect(of({ text: 'x', attrs: { lang } })).toBe('cn');
    // Hostile review 13 H2: region and script subtags, and ISO 639-2/3 codes, went to en.
    for (const lang of ['zh-Hant', 'zh-TW', 'zh_CN', 'ZH', 'zho', 'chi', 'yue-HK']) expect(of({ text: 'x', attrs: { lang } }), lang).toBe('cn');
    for (const lang of ['en-US', 'ja-JP', 'zhx', 'z']) expect(of({ text: '全是汉字', attrs: { lang } }), lang).toBe('en');
  });

  it('without attrs.lang, the script of the text (or of a chat\'s messages) decides', () => {
    expect(of({ text: '这是一段比较长的中文句子 with words' })).toBe('cn');
    expect(of({ text: 'Mostly English with 中文 in it' })).toBe('en');
    // Hostile review 13 H1: Chinese technical text, its Latin letters counted one for one against
    // its Han characters, went to en (a Han character weighs about a word: 4 letters).
    expect(of({ text: '使用 apt-get install package 命令安装软件包，然后运行 systemctl restart service。' })).toBe('cn');
    expect(of({ text: 'The Debian package manager apt-get installs 软件包 from the configured sources list.' })).toBe('en');
    expect(of({ content: '内容字段里的中文' })).toBe('cn');
    expect(of({ body: '正文' }, 'body')).toBe('cn');
    expect(of({ messages: [{ role: 'user', content: '你好，请介绍一下自己' }, { role: 'assistant', content: '我是一个助手' }] })).toBe('cn');
    expect(of({ text: '' })).toBe('en');
    expect(of({ text: 'ひらがなとカタカナ' })).toBe('en');
  });
});
