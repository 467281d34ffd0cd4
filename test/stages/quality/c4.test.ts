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

  it('tells which phrase a match is as the first alternative that matches there: lorem ipsum, then javascript (when on), then policy (with javascript off, a policy match was taken for javascript)', () => {
    const en = loadPreset('web-en').c4!;
    const text = 'We like JAVASCRIPT a lot here.\nLOREM Ipsum dolor sit amet.\nRead the TERMS of use today.';
    // javascript off, and a policy phrase that reads "javascript": the line goes as policy
    const off = summary(new C4Lines({ ...en, javascript: false, policy: ['javascript', 'terms of use'] }), text);
    expect(off.removed).toMatchObject({ javascript: 0, policy: 2 });
    expect(off.lorem).toBe(true);
    // javascript on and the same policy: javascript wins
    const on = summary(new C4Lines({ ...en, javascript: true, policy: ['javascript', 'terms of use'] }), text);
    expect(on.removed).toMatchObject({ javascript: 1, policy: 1 });
    // a policy phrase that reads "lorem ipsum" is lorem ipsum's: flagged, the line kept
    const lorem = summary(new C4Lines({ ...en, javascript: true, policy: ['lorem ipsum'] }), text);
    expect(lorem.removed).toMatchObject({ javascript: 1, policy: 0 });
    expect(lorem.lorem).toBe(true);
    expect(lorem.kept).toEqual([1, 2]);
    // javascript off: a policy line is judged as a policy line, its curly bracket seen first (C4's order)
    const curly = summary(new C4Lines({ ...en, javascript: false, policy: ['terms of use'] }), 'Read the terms of use {here} today.\nA plain line of prose here.');
    expect(curly.removed).toMatchObject({ javascript: 0, policy: 1 });
    expect(curly.curly).toBe(true);
  });
});
