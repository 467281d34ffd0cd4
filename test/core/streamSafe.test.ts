import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CGJ, MAX_NON_STARTERS, mayHaveLongRun, normalizeBounded, streamSafe } from '../../src/core/streamSafe.js';
import { TextNormalizer, changeKinds } from '../../src/stages/normalize/index.js';
import { exactKeyBytes, normalizeForExact } from '../../src/stages/dedup/exact.js';

/** Whether the code point `x` has a combining class other than 0 (as the module finds it). */
function nonStarter(x: string): boolean {
  const a = '\u0345' + x;
  if (a.normalize('NFD') !== a) return true;
  const b = x + '\u0334';
  return b.normalize('NFD') !== b;
}

/** Longest run of non-starters in the canonical decomposition of `s` (CGJ is a starter). */
function longestRun(s: string, form: 'NFD' | 'NFKD' = 'NFD'): number {
  let run = 0;
  let most = 0;
  for (const c of Array.from(s)) {
    for (const d of Array.from(c.normalize(form))) {
      run = nonStarter(d) ? run + 1 : 0;
      most = Math.max(most, run);
    }
  }
  return most;
}

/** 'hello a' and n marks of alternating classes 230 and 220 (the order NFC must sort). */
const zalgo = (n: number): string => {
  let s = 'hello a';
  for (let i = 0; i < n; i++) s += i % 2 ? '\u0301' : '\u0323';
  return s;
};

describe('Stream-Safe Text Format before NFC (G6)', () => {
  it('holds, for every code point, the facts the quick scan relies on', () => {
    const mark = /\p{M}/u;
    const wrong: string[] = [];
    for (const form of ['NFD', 'NFKD'] as const) {
      for (let cp = 0xa0; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const ch = String.fromCodePoint(cp);
        const d = ch.normalize(form);
        if (d === ch && (cp < 0x300 || !mark.test(ch))) {
          if (nonStarter(ch)) wrong.push(`${form} ${cp.toString(16)}: a non-starter outside \\p{M}`);
          continue;
        }
        const flags = Array.from(d).map(nonStarter);
        if (flags.every(Boolean)) {
          if (flags.length > 2) wrong.push(`${form} ${cp.toString(16)}: ${flags.length} non-starters`);
          if (!mark.test(ch) && cp !== 0xff9e && cp !== 0xff9f) wrong.push(`${form} ${cp.toString(16)}: only non-starters, not \\p{M}`);
        } else {
          if (flags[0]) wrong.push(`${form} ${cp.toString(16)}: starts with a non-starter`);
          let trail = 0;
          while (flags[flags.length - 1 - trail]) trail++;
          if (trail > 3) wrong.push(`${form} ${cp.toString(16)}: ends with ${trail} non-starters`);
        }
      }
      // Below U+00A0 nothing decomposes to a non-starter.
      for (let c = 0; c < 0xa0; c++) if (Array.from(String.fromCharCode(c).normalize(form)).some(nonStarter)) wrong.push(`${form} ${c}`);
    }
    expect(wrong).toEqual([]);
  }, 60000);

  it('cuts a long run of marks with a CGJ every 30 in normalize, counted, idempotent', () => {
    const tn = new TextNormalizer();
    const ch = { bits: 0 };
    const out = tn.normalize(zalgo(20000), ch);
    expect(changeKinds(ch.bits)).toEqual(['unicode', 'mark_runs']);
    expect(longestRun(out)).toBe(MAX_NON_STARTERS);
    expect(out.split(CGJ).length).toBe(Math.ceil(20000 / MAX_NON_STARTERS));
    expect(out.startsWith('hello ')).toBe(true);
    expect(tn.normalize(out)).toBe(out);
    expect(out).toBe(out.normalize('NFC'));
    const nfkc = new TextNormalizer({ unicode: 'NFKC' }).normalize('\uff76' + '\uff9e'.repeat(100));
    expect(longestRun(nfkc, 'NFKD')).toBe(MAX_NON_STARTERS);
  });

  it('bounds exact dedup too: the same key for the same text in another order of marks', () => {
    const a = zalgo(5000);
    const b = 'hello a' + '\u0323\u0301'.repeat(2500);
    expect(longestRun(normalizeForExact(a))).toBe(MAX_NON_STARTERS);
    expect(Buffer.from(exactKeyBytes(a)).equals(Buffer.from(exactKeyBytes(b)))).toBe(true);
  });

  it('changes nothing in text without such a run (30 marks and fewer, any text)', () => {
    const s30 = 'a' + '\u0301\u0323'.repeat(15);
    expect(streamSafe(s30)).toBe(s30);
    expect(streamSafe(s30 + '\u0301')).toBe(s30 + CGJ + '\u0301');
    // é ends with one non-starter: 29 marks after it make 30, one more starts a new run.
    expect(streamSafe('\u00e9' + '\u0301'.repeat(29))).toBe('\u00e9' + '\u0301'.repeat(29));
    expect(streamSafe('\u00e9' + '\u0301'.repeat(30))).toBe('\u00e9' + '\u0301'.repeat(29) + CGJ + '\u0301');
    const alphabet = ['a', ' ', '中', '\u00e9', '\u0301', '\u0323', '\u0344', '\u05b0', '\ud834\udd65', '\u1e69', '\uff9e', '\ud83d\ude00'];
    const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 200 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, (s) => {
        for (const form of ['NFC', 'NFKC'] as const) {
          const r = normalizeBounded(s, form);
          expect(normalizeBounded(r, form)).toBe(r);
          if (streamSafe(s, form === 'NFKC') === s) expect(r).toBe(s.normalize(form));
          else expect(mayHaveLongRun(s)).toBe(true);
          expect(longestRun(r, form === 'NFKC' ? 'NFKD' : 'NFD')).toBeLessThanOrEqual(MAX_NON_STARTERS);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
