import { describe, expect, it } from 'vitest';
import { emptyCounts, scanScripts } from '../../../src/stages/langid/script.js';
import { unrunBlocks } from '../../helpers/coverage.js';

// scanScripts runs over every character langid looks at. A branch first met after V8 optimised it
// (a Hangul syllable, kana, a Traditional-only character ...) deoptimised it: 6 times over the
// first copy of the bench mix. Loading the module runs it over a character of every branch.
describe('langid script scan warm-up', () => {
  it('loading the module takes every branch of scanScripts (so no text meets one without type feedback)', async () => {
    const r = await unrunBlocks("await import(dist + '/stages/langid/script.js');", 'stages/langid/(script)\\.js$', ['scanScripts']);
    expect(r.stderr).toBe('');
    expect(r.blocks).toEqual([]);
  });

  it('the warm-up leaves no trace: a text is counted as before', () => {
    const s = emptyCounts();
    scanScripts('abc 中文', 0, 6, s);
    expect(s).toEqual({ han: 2, kana: 0, hangul: 0, latin: 3, other: 0, hans: 0, hant: 0, dialect: 0, notJa: 0 });
  });
});
