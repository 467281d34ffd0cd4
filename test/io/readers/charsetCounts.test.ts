import { describe, expect, it } from 'vitest';
import { CharsetCounts, ENCODING_SAMPLES } from '../../../src/io/readers/encoding.js';

const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
/** "中文测试，这是一段中文。" twice, in GBK. */
const GBK = b64('d6d0cec4b2e2cad4a3acd5e2cac7d2bbb6ced6d0cec4a1a3'.repeat(2));
const LATIN = Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade and r\xe9sum\xe9 of the \xe9t\xe9.', 'latin1').toString('base64');

// Issue #16, twentieth pass: the charset guesser loads at the first invalid_utf8 reject, not with
// every command; the counts are the same as when each reject was looked at as it came.
describe('CharsetCounts (FileStats.encodings of invalid_utf8 rejects)', () => {
  it('counts the samples of each file in the order seen, once settled', async () => {
    const c = new CharsetCounts();
    const a: { encodings?: Record<string, number> } = {};
    const b: { encodings?: Record<string, number> } = {};
    c.see(a, LATIN);
    c.see(a, GBK);
    c.see(b, GBK);
    c.see(a, LATIN);
    await c.settled();
    expect(Object.entries(a.encodings!)).toEqual([['windows-1252', 2], ['gb18030', 1]]);
    expect(Object.entries(b.encodings!)).toEqual([['gb18030', 1]]);
    // once loaded, a sample is counted as it comes
    c.see(b, LATIN);
    expect(Object.entries(b.encodings!)).toEqual([['gb18030', 1], ['windows-1252', 1]]);
  });

  it('looks at the first ENCODING_SAMPLES rejects of a file, those waiting included', async () => {
    const c = new CharsetCounts();
    const a: { encodings?: Record<string, number> } = {};
    const b: { encodings?: Record<string, number> } = {};
    for (let i = 0; i < ENCODING_SAMPLES + 50; i++) c.see(a, i === 0 ? GBK : LATIN);
    c.see(b, GBK);
    await c.settled();
    expect(a.encodings).toEqual({ gb18030: 1, 'windows-1252': ENCODING_SAMPLES - 1 });
    expect(b.encodings).toEqual({ gb18030: 1 });
    await c.settled(); // nothing waiting: resolves at once
  });
});
