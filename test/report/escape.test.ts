import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cut } from '../../src/report/escape.js';

/** The definition: code points as Array.from counts them. */
const byArray = (text: string, max: number): string => {
  const cps = Array.from(text);
  return cps.length <= max ? text : cps.slice(0, max).join('') + ` … [${cps.length - max} more characters]`;
};

describe('report: cut', () => {
  it('cuts by code point as Array.from counts them (pairs, lone surrogates, astral at the cut)', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['abc', 3],
      ['abcd', 3],
      ['😀😀😀', 2],
      ['😀😀😀', 3],
      ['a😀b', 1],
      ['a😀b', 2],
      ['\ud83d', 0],
      ['\ud83dx\ude00y', 2],
      ['\ude00\ud83d', 1],
      ['字'.repeat(700), 600],
      ['😀'.repeat(400), 300],
    ];
    for (const [t, max] of cases) expect([t, max, cut(t, max)]).toEqual([t, max, byArray(t, max)]);
  });

  it('agrees with the Array.from definition on any string', () => {
    const unit = fc.oneof(fc.constantFrom('a', '字', '😀', '\ud83d', '\ude00', ' '), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.nat(30), (parts, max) => {
        const t = parts.join('');
        expect(cut(t, max)).toBe(byArray(t, max));
      }),
      { numRuns: 500 },
    );
  });
});
