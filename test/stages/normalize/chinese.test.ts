import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { chineseConverter } from '../../../src/stages/normalize/chinese.js';
import { runStage } from '../../helpers/runStage.js';

describe('normalize: chinese (Traditional/Simplified)', () => {
  it('is off by default: Traditional text stays as written', async () => {
    const r = await runStage('normalize', [{ text: '這是一個測試。' }]);
    expect(r.docs[0].data.text).toBe('這是一個測試。');
  });
  it('t2s converts characters; tw2s also converts Taiwan phrases; s2t goes back', async () => {
    const r = await runStage('normalize', [{ text: '這是軟體與網路的頭髮測試。' }, { text: '简体不变。' }], { chinese: 't2s' });
    expect(r.docs[0].data.text).toBe('这是软体与网路的头发测试。');
    expect(r.docs[1].data.text).toBe('简体不变。');
    expect(r.stats.counters['text:chinese']).toBe(1);
    const tw = await runStage('normalize', [{ text: '這是軟體與網路。' }], { chinese: 'tw2s' });
    expect(tw.docs[0].data.text).toBe('这是软件与网络。');
    const s2t = await runStage('normalize', [{ text: '后来的头发' }], { chinese: 's2t' });
    expect(s2t.docs[0].data.text).toBe('後來的頭髮');
  });
  it('passes Simplified and non-Chinese text through unchanged (the same string)', () => {
    const t2s = chineseConverter('t2s')!;
    const s = 'Plain English and 简体中文 only.';
    expect(t2s(s)).toBe(s);
    expect(chineseConverter('none')).toBeNull();
  });
  it('rejects an unknown mode before the first record', async () => {
    await expect(defaultRegistry().create('normalize', { chinese: 'zh-hans' })).rejects.toThrow(UsageError);
  });
});
