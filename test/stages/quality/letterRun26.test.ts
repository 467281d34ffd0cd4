import { describe, expect, it } from 'vitest';
import { hashRange, profile, warmRarePaths } from '../../../src/stages/quality/profile.js';

// The tokeniser reads a run of plain letters (or of CJK characters) in a tight loop and hashes a contraction's first
// part again when "n't" splits off (speed26a): the tokens and their hashes stay those of their
// definition. A guard for that refactor (it passes before and after it).

/** Each token's text, kind and whether its hashes are hashRange's of its text. */
function tokens(t: string): [string, number, boolean][] {
  const p = profile(t);
  const out: [string, number, boolean][] = [];
  for (let i = 0; i < p.nTokens; i++) {
    const [h1, h2] = hashRange(t, p.tokStart[i], p.tokEnd[i]);
    out.push([t.slice(p.tokStart[i], p.tokEnd[i]), p.tokKind[i], p.tokH1[i] === h1 && p.tokH2[i] === h2]);
  }
  return out;
}

describe('letter runs in the tokeniser', () => {
  it('splits contractions and keeps every token hash that of its text', () => {
    const cases: [string, string[]][] = [
      ["don't", ['do', "n't"]],
      ["DON'T stop", ['DO', "N'T", 'stop']],
      ["can't've", ['ca', "n't", "'ve"]],
      ['won\u2019T.', ['wo', 'n\u2019T', '.']],
      ["John's cat", ['John', "'s", 'cat']],
      ["\ud835\udc00\ud835\udc01n't", ['\ud835\udc00\ud835\udc01', "n't"]],
      ['U.S. e.g. 3.14 end.', ['U.S.', 'e.g.', '3.14', 'end', '.']],
      ['caf\u00e9 na\u0131\u0308ve x', ['caf\u00e9', 'na\u0131\u0308ve', 'x']],
      ['abc', ['abc']],
    ];
    for (const [t, want] of cases) {
      const got = tokens(t);
      expect(got.map((g) => g[0]), t).toEqual(want);
      expect(got.every((g) => g[2]), t).toBe(true);
    }
  });

  it('counts letters and non-space characters of letter runs as before', () => {
    const p = profile("Don't 12 caf\u00e9s, \ud835\udc00bc!");
    expect([p.letterChars, p.digitChars, p.punctChars, p.nonSpaceChars]).toEqual([12, 2, 3, 17]);
  });

  it('gives each character of a CJK run a token of its own, with the hashes of its text', () => {
    const t = '\u4e2d\u6587\u3002\u3072\u3089\u304c\u306a\ud840\udc00\u5b57 abc\u5b57\u3005';
    expect(tokens(t).map((g) => g[0])).toEqual(['\u4e2d', '\u6587', '\u3002', '\u3072', '\u3089', '\u304c', '\u306a', '\ud840\udc00', '\u5b57', 'abc', '\u5b57', '\u3005']);
    expect(tokens(t).every((g) => g[2])).toBe(true);
    const p = profile(t);
    expect([p.cjkChars, p.letterChars, p.nonSpaceChars, p.punctChars]).toEqual([10, 13, 14, 1]);
  });

  it('warmRarePaths leaves the tokeniser giving the same tokens', () => {
    const t = 'A long enough line of words, with a contraction: it isn\u2019t short.';
    const before = tokens(t);
    warmRarePaths();
    expect(tokens(t)).toEqual(before);
  });
});
