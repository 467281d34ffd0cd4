import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tidy } from '../../../src/stages/normalize/tidy.js';
import type { TidySteps } from '../../../src/stages/normalize/tidy.js';
import { TextNormalizer, changeKinds } from '../../../src/stages/normalize/index.js';
import type { TextNormalizeConfig } from '../../../src/stages/normalize/index.js';

/*
 * The normaliser's character-level steps, one after another, as they were written before they
 * became one scan (tidy): regex replaces and the zero-width rule. tidy must give the same text
 * and the same change kinds for every combination of steps.
 */
const CONTROL_G = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/g;
const CONTROL_WITH_CR_G = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/g;
const ZW = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const FULLWIDTH_G = /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g;
const TRAILING_G = /[ \t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+(?=\n|$)/g;
const keep = (c: number, prev: number) =>
  c === 0x200d ? (prev >= 0xdc00 && prev <= 0xdfff) || prev === 0xfe0f || (prev >= 0x2600 && prev <= 0x27bf) || (prev >= 0x0900 && prev <= 0x0dff) : c === 0x200c && prev >= 0x0600 && prev <= 0x0dff;
const BITS = { newlines: 1, controls: 2, zeroWidth: 4, fullwidth: 8, trailingSpace: 16, blankLines: 32 };

/** The steps one by one: text and change bits. `unicode` runs between full-width and trailing spaces. */
function stepwise(s0: string, st: TidySteps, unicode: 'NFC' | 'NFKC' | 'none' = 'none'): { text: string; bits: number } {
  let s = s0;
  let bits = 0;
  const step = (bit: number, f: (x: string) => string) => {
    const t = f(s);
    if (t !== s) bits |= bit;
    s = t;
  };
  if (st.newlines) step(BITS.newlines, (x) => x.replace(/\r\n?/g, '\n'));
  if (st.controls) step(BITS.controls, (x) => x.replace(st.newlines ? CONTROL_G : CONTROL_WITH_CR_G, ''));
  if (st.zeroWidth) step(BITS.zeroWidth, (x) => x.replace(ZW, (m: string, at: number) => ((m === '\u200C' || m === '\u200D') && at > 0 && keep(m.charCodeAt(0), x.charCodeAt(at - 1)) ? m : '')));
  if (st.fullwidth) step(BITS.fullwidth, (x) => x.replace(FULLWIDTH_G, (m) => String.fromCharCode(m.charCodeAt(0) - 0xfee0)));
  if (unicode !== 'none') step(64, (x) => x.normalize(unicode));
  if (st.trailingSpace) step(BITS.trailingSpace, (x) => x.replace(TRAILING_G, ''));
  if (st.maxNewlines !== Infinity) step(BITS.blankLines, (x) => x.replace(new RegExp(`\\n{${st.maxNewlines + 1},}`, 'g'), '\n'.repeat(st.maxNewlines)));
  return { text: s, bits };
}

const pieces = fc.constantFrom(
  'a', 'x', ' ', '  ', '\t', '\n', '\n\n', '\r', '\r\n', '\u0000', '\u0007', '\u0085', '\u200B', '\u200C', '\u200D', '\uFEFF', '\u00AD',
  '\u3000', '\u00A0', '\u2003', 'Ａ', '１', '，', '中', '\u{1F468}', '\u{1F600}', '\uFE0F', '\u2764', '\u0915', '\u0645', 'e', '\u0301', '\uD83D',
);
const texts = fc.oneof(fc.array(pieces, { maxLength: 30 }).map((a) => a.join('')), fc.string({ unit: 'binary', maxLength: 30 }));

/** Every combination of the five switches, with blank-line runs off, cut to 1 or 2 newlines. */
function* allSteps(): Generator<TidySteps> {
  for (let m = 0; m < 32; m++)
    for (const maxNewlines of [Infinity, 1, 2])
      yield { newlines: !!(m & 1), controls: !!(m & 2), zeroWidth: !!(m & 4), fullwidth: !!(m & 8), trailingSpace: !!(m & 16), maxNewlines };
}

describe('tidy: the character-level steps in one scan', () => {
  it('gives the text and the change kinds of the steps run one by one, for every combination of steps (property)', () => {
    for (const st of allSteps()) {
      fc.assert(
        fc.property(texts, (s) => {
          const out = { bits: 0 };
          const text = tidy(s, st, BITS, out);
          const ref = stepwise(s, st);
          expect(text).toBe(ref.text);
          expect(out.bits).toBe(ref.bits);
          if (ref.bits === 0) expect(text).toBe(s);
        }),
        { numRuns: 400 },
      );
    }
  });

  it('handles the cases where order matters', () => {
    const all: TidySteps = { newlines: true, controls: true, zeroWidth: true, fullwidth: true, trailingSpace: true, maxNewlines: 2 };
    const t = (s: string) => tidy(s, all, BITS, { bits: 0 });
    // A removed control between a space and the line end makes a trailing space.
    expect(t('a \u0007\nb')).toBe('a\nb');
    // Spaces on otherwise blank lines go, then the blank run is cut.
    expect(t('a\n \n\t\n\u3000\nb')).toBe('a\n\nb');
    // CRLF and a lone CR are line ends for the trailing-space and blank-line steps.
    expect(t('a \r\n\r\n\r\n\rb ')).toBe('a\n\nb');
    // A joiner is judged by the character before it once controls are gone, removed ones counted.
    expect(t('\u{1F468}\u0007\u200D\u{1F469}')).toBe('\u{1F468}\u200D\u{1F469}');
    expect(t('\u{1F468}\u200B\u200D\u{1F469}')).toBe('\u{1F468}\u{1F469}');
  });

  it('is the normaliser\'s pass, Unicode normalisation between full-width and trailing spaces (property)', () => {
    const chars = fc.constantFrom('a', ' ', '\n', '\r\n', '\u0007', '\u200B', '\u200D', 'e', '\u0301', '\u0323', 'Ａ', 'ﬁ', '\u2000', '\u{1F600}', '\u{1F100}', '\u{1D15E}', '\uD83D', '\u1100', '\u1161', '\u11A8');
    const configs: Array<Partial<TextNormalizeConfig>> = [
      { mojibake: false },
      { mojibake: false, unicode: 'NFKC', fullwidth: true },
      { mojibake: false, unicode: 'none', maxBlankLines: 0 },
      { mojibake: false, trailingSpace: false, maxBlankLines: null },
    ];
    for (const cfg of configs) {
      const tn = new TextNormalizer(cfg);
      const c = tn.config;
      const st: TidySteps = { newlines: c.newlines, controls: c.controls, zeroWidth: c.zeroWidth, fullwidth: c.fullwidth, trailingSpace: c.trailingSpace, maxNewlines: c.maxBlankLines === null ? Infinity : c.maxBlankLines + 1 };
      fc.assert(
        fc.property(fc.array(chars, { maxLength: 25 }).map((a) => a.join('')), (s) => {
          const ch = { bits: 0 };
          // The normaliser replaces lone surrogates (U+FFFD) before its other steps.
          const ref = stepwise((s as string & { toWellFormed(): string }).toWellFormed(), st, c.unicode);
          expect(tn.normalize(s, ch)).toBe(ref.text);
          expect(changeKinds(ch.bits).includes('unicode')).toBe((ref.bits & 64) !== 0);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('removes trailing spaces in linear time: a long run of spaces inside a line is looked at once', () => {
    const s = 'A page. ' + ' '.repeat(1 << 20) + 'footer \nlast';
    const st: TidySteps = { newlines: false, controls: false, zeroWidth: false, fullwidth: false, trailingSpace: true, maxNewlines: Infinity };
    expect(tidy(s, st, BITS, { bits: 0 })).toBe(s.replace(' \nlast', '\nlast'));
  });
});
