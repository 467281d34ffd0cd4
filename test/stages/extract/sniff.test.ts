import { describe, expect, it } from 'vitest';
import { decodeHtml } from '../../../src/stages/extract/charset.js';
import { htmlToText } from '../../../src/stages/extract/html.js';

// A Chinese page in GBK that declares no charset (no header, no <meta>) was decoded as UTF-8:
// its text became U+FFFD, exit 0, no reject (review F14).
const page = (meta = ''): string =>
  `<html><head>${meta}<title>测试页面</title></head><body><article><p>${'这是一段用于测试字符集的中文正文内容，包含足够多的文字。'.repeat(20)}</p></article></body></html>`;

describe('extract: the charset of a page that declares none', () => {
  it('valid UTF-8 stays UTF-8 (from default)', () => {
    const d = decodeHtml(Buffer.from(page(), 'utf8'));
    expect(d).toMatchObject({ charset: 'utf-8', from: 'default' });
    expect(d.html).toContain('测试页面');
  });

  it('GBK bytes are read as GB18030 (from sniffed), not as U+FFFD', () => {
    // Node has no GBK encoder: the bytes of '测试页面' and the body, encoded by Python's gbk codec.
    const title = Buffer.from('b2e2cad4d2b3c3e6', 'hex'); // 测试页面
    const body = Buffer.from('d5e2cac7d2bbb6ced3c3d3dab2e2cad4d7d6b7fbbcafb5c4d6d0cec4d5fdcec4c4dac8dda3ac', 'hex'); // 这是一段用于测试字符集的中文正文内容，
    const bytes = Buffer.concat([Buffer.from('<html><head><title>'), title, Buffer.from('</title></head><body><p>'), ...Array(30).fill(body), Buffer.from('</p></body></html>')]);
    const d = decodeHtml(bytes);
    expect(d).toMatchObject({ charset: 'gb18030', from: 'sniffed' });
    expect(d.html).toContain('<title>测试页面</title>');
    expect(d.html).not.toContain('\ufffd');
    expect(htmlToText(d.html).text).toContain('这是一段用于测试字符集的中文正文内容');
  });

  it('a declared charset still wins over the guess', () => {
    const d = decodeHtml(Buffer.from(page('<meta charset="utf-8">'), 'utf8'));
    expect(d).toMatchObject({ charset: 'utf-8', from: 'meta' });
    expect(decodeHtml(Buffer.from([0xc4, 0xe3]), 'text/html; charset=gbk')).toMatchObject({ html: '你', from: 'header' });
  });
});
