import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { C4Lines } from '../../../src/stages/quality/c4.js';
import { profileShared } from '../../../src/stages/quality/profile.js';
import { loadPreset } from '../../../src/stages/quality/ruleset.js';

/** The parts of a C4 result that decisions and the line filter read. */
function summary(c4: C4Lines, text: string) {
  const r = c4.run(profileShared(text));
  return { lines: r.lines, kept: [...r.kept.subarray(0, r.nKept)], changed: r.changed && [...r.changed], removed: { ...r.removed }, sentences: r.sentences, lorem: r.loremIpsum, curly: r.curlyBracket };
}

describe('C4 line rules: the phrase scan', () => {
  // A policy phrase holding a newline makes the filter scan the whole text for phrases (a phrase
  // could then span lines); this one never occurs in the texts below, so both filters must agree.
  const pieces = fc.constantFrom(
    'word', ' ', ' ', '\n', '\n\n', '.', '!', '?', '"', '...', 'Lorem ipsum', 'lorem IPSUM', 'JavaScript', 'javascript',
    'privacy policy', 'Terms of Use', 'uses cookies', 'use cookies', 'cookie', '{', '}', '[1]', '[edit]', '-{', '\u9690\u79c1\u653f\u7b56',
    '\u4e2d\u6587\u53e5\u5b50', '\u3002', '\uff01', 'a b c', 'x'.repeat(300),
  );
  const texts = fc.array(pieces, { maxLength: 60 }).map((a) => a.join(''));
  for (const name of ['web-en', 'web-zh']) {
    it(`${name}: scanning only the lines that reach the phrase checks finds what a whole-text scan finds (property)`, () => {
      const cfg = loadPreset(name).c4!;
      const byLine = new C4Lines(cfg);
      const whole = new C4Lines({ ...cfg, policy: [...cfg.policy, 'zq\nzq'] });
      fc.assert(
        fc.property(texts, (t) => {
          expect(summary(byLine, t)).toEqual(summary(whole, t));
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('flags a phrase on a line that reaches the checks, between lines that do not', () => {
    const c4 = new C4Lines(loadPreset('web-en').c4!);
    const menu = 'Home\nAbout us\n'.repeat(200);
    const r = summary(c4, `${menu}We use cookies on this site, see below.\n${menu}Please enable JavaScript to see the rest.\nA line of prose that is kept here.\n${menu}Lorem ipsum dolor sit amet, one two.`);
    expect(r.removed).toMatchObject({ policy: 1, javascript: 1, no_terminal_punct: 1200 });
    expect(r.lorem).toBe(true);
    expect(r.kept.length).toBe(2);
  });
});
