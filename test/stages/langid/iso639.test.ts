import { describe, expect, it } from 'vitest';
import { CHINESE_VARIETIES, fromCld2Code, fromFastTextLabel, fromFrancCode, iso1To3, toIso1, widenKeep } from '../../../src/stages/langid/index.js';
import { modelText } from '../../../src/stages/langid/index.js';

describe('ISO 639 mapping', () => {
  it('maps 639-3, 639-2/B and franc individual-language codes to 639-1', () => {
    expect(['zho', 'chi', 'cmn', 'eng', 'deu', 'ger', 'arb', 'pes', 'zlm', 'ekk', 'nob', 'nno', 'ind'].map(toIso1)).toEqual([
      'zh', 'zh', 'zh', 'en', 'de', 'de', 'ar', 'fa', 'ms', 'et', 'nb', 'nn', 'id',
    ]);
  });

  it('keeps codes without a 639-1 code, lower-cased', () => {
    expect(['yue', 'CEB', 'und'].map(toIso1)).toEqual(['yue', 'ceb', 'und']);
  });

  it('franc als is Tosk Albanian (sq); lid.176 als is Alemannic (gsw)', () => {
    expect(fromFrancCode('als')).toBe('sq');
    expect(fromFastTextLabel('als')).toBe('gsw');
    expect(fromFastTextLabel('zh')).toBe('zh');
    // lid.176 and CLD2 both say "no" for Bokmål text: reported as nb by every backend.
    expect(fromFastTextLabel('no')).toBe('nb');
  });

  it('CLD2 codes: old Hebrew/Javanese/Norwegian codes and zh-Hant mapped; the rest unchanged', () => {
    expect(['iw', 'jw', 'no', 'zh-Hant', 'zh', 'zu', 'nn'].map(fromCld2Code)).toEqual(['he', 'jv', 'nb', 'zh', 'zh', 'zu', 'nn']);
  });

  it('widenKeep: zh keeps the Chinese varieties, no keeps nb and nn; other codes stay alone', () => {
    const w = widenKeep(['zh', 'no', 'en']);
    for (const c of ['zh', 'yue', 'wuu', 'nb', 'nn', 'en']) expect(w.has(c), c).toBe(true);
    expect(w.has('ja')).toBe(false);
    expect([...widenKeep(['de'])]).toEqual(['de']);
    expect(CHINESE_VARIETIES.has('yue')).toBe(true);
  });

  it('639-1 to 639-3 round-trips', () => {
    for (const c of ['zh', 'en', 'ja', 'sq', 'nb']) expect(toIso1(iso1To3(c)!)).toBe(c);
  });
});

describe('modelText', () => {
  it('turns line breaks into spaces and cuts to maxChars without splitting a surrogate pair', () => {
    expect(modelText('a\nb\r\nc', null)).toBe('a b c');
    expect(modelText('ab😀c', 3)).toBe('ab');
    expect(modelText('abc', 10)).toBe('abc');
  });
});
