import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPreset, profile } from '../../../src/stages/quality/index.js';
import type { TextProfile } from '../../../src/stages/quality/profile.js';
import { SignalComputer } from '../../../src/stages/quality/signals.js';

/**
 * The n-gram repetition signals against their plain definitions over the profile's tokens
 * (n-grams as strings in a Map): the candidate lists, their narrowing from one size to the next
 * and the bit tables (signals.ts) are shortcuts that must give the same values.
 */

function tokens(p: TextProfile): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.nTokens; i++) out.push(p.text.slice(p.tokStart[i], p.tokEnd[i]));
  return out;
}

const round6 = (x: number) => (Number.isInteger(x) ? x : Math.round(x * 1e6) / 1e6);
const key = (t: string[], i: number, n: number) => t.slice(i, i + n).join('\u0000');
const chars = (t: string[], from: number, to: number) => t.slice(from, to).reduce((s, w) => s + w.length, 0);

/** `top_<n>gram_frac`: characters of the most frequent n-gram (first seen on a tie), each once. */
function topRef(p: TextProfile, n: number, sep: boolean): number {
  const t = tokens(p);
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= t.length; i++) counts.set(key(t, i, n), (counts.get(key(t, i, n)) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 1;
  // Map order is first-seen order: a later n-gram wins only with a higher count.
  for (const [k, c] of counts) if (c > bestCount) [best, bestCount] = [k, c];
  if (best === undefined) return 0;
  let covered = 0;
  let end = 0;
  for (let i = 0; i + n <= t.length; i++) {
    if (key(t, i, n) !== best) continue;
    const s = Math.max(i, end);
    covered += chars(t, s, i + n);
    if (sep) for (let k = s === i ? i : s - 1; k < i + n - 1; k++) if (p.tokStart[k + 1] > p.tokEnd[k]) covered++;
    end = i + n;
  }
  return p.text.length > 0 ? round6(covered / p.text.length) : 0;
}

/** `dup_<n>gram_frac`: characters of n-grams repeating an earlier one, jumping past each repeat. */
function dupRef(p: TextProfile, n: number): number {
  const t = tokens(p);
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i + n <= t.length; ) {
    const k = key(t, i, n);
    if (seen.has(k)) {
      repeated += chars(t, i, i + n);
      i += n;
    } else {
      seen.add(k);
      i++;
    }
  }
  return p.text.length > 0 ? round6(repeated / p.text.length) : 0;
}

function check(preset: 'web-en' | 'web-zh', text: string): void {
  const set = loadPreset(preset);
  const computer = new SignalComputer(set.signals);
  const p = profile(text);
  const { signals } = computer.compute(p);
  for (const n of set.signals.topNgrams) expect([n, signals[`top_${n}gram_frac`]]).toEqual([n, topRef(p, n, set.signals.ngramSeparator)]);
  for (const n of set.signals.dupNgrams) expect([n, signals[`dup_${n}gram_frac`]]).toEqual([n, dupRef(p, n)]);
}

// Few distinct tokens, so n-grams of every size repeat, overlap and run into each other.
const enText = fc.array(fc.constantFrom('a', 'the', 'cat', 'sat', 'on', 'mat', '.', ',', '!!', 'a-b'), { maxLength: 400, size: 'max' }).map((w) => w.join(' '));
const zhText = fc.array(fc.constantFrom('的', '是', '好', '很', '不', '，', '。', 'ab', ' '), { maxLength: 400, size: 'max' }).map((w) => w.join(''));

describe('quality n-gram signals', () => {
  it('web-en: top and duplicate n-gram fractions are those of the plain definitions (property)', () => {
    fc.assert(fc.property(enText, (text) => check('web-en', text)), { numRuns: 300 });
  });

  it('web-zh: the same for character n-grams (property)', () => {
    fc.assert(fc.property(zhText, (text) => check('web-zh', text)), { numRuns: 300 });
  });

  it('the same over texts with thousands of candidates (partitioned counting)', () => {
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16;
    const words = ['a', 'the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', '.', ','];
    const en = Array.from({ length: 12000 }, () => words[next() % words.length]).join(' ');
    const zh = Array.from({ length: 12000 }, () => '的是好很不，。了'[next() % 8]).join('');
    check('web-en', en);
    check('web-zh', zh);
  });
});
