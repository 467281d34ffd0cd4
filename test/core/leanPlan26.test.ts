import { describe, expect, it } from 'vitest';
import { LEAN_REJECT, leanRejecter, leanToSlim, type LeanReject, type LeanRejecting } from '../../src/core/rejectSink.js';
import type { Reject } from '../../src/core/stage.js';
import type { Threshold } from '../../src/core/stats.js';

// Issue #16 (speed26b): the lean rejecter finds its plan for a preset, reason and list of failing
// codes by a path of maps (no key string joined per reject). The plans must be those the slimmer's
// rules give, for every combination, past the memo's bound too, and two lists that joined into
// the same key string (a code holding the separator) must not share a plan.

const THRESHOLDS: Threshold[] = [
  { code: 'r:short', signal: 'web/words', min: 50 },
  { code: 'r:long_words', signal: 'web/mean_word_length', max: 10 },
  { code: 'r:symbols', signal: 'web/symbol_ratio', max: 0.1 },
  { code: 'r:short', signal: 'web/chars', min: 200 },
  { code: 'z:short', signal: 'zh/chars', min: 100 },
];
const NAMES = ['words', 'mean_word_length', 'symbol_ratio', 'chars'];

/** The slim attrs the lean reject must stand for, by the slimmer's rule: the reason then the failing codes with thresholds, their signals in threshold order, those the preset's rule set has. */
function expected(preset: string, reason: string, failed: string[], values: Float64Array, score: number): Record<string, unknown> {
  const codes = [reason];
  for (const c of failed) if (THRESHOLDS.some((t) => t.code === c) && !codes.includes(c)) codes.push(c);
  const idx = THRESHOLDS.map((t, i) => i).filter((i) => codes.includes(THRESHOLDS[i].code));
  const part: Record<string, unknown> = { preset, score, failed: [...failed] };
  for (const i of idx) {
    const s = THRESHOLDS[i].signal.slice(THRESHOLDS[i].signal.indexOf('/') + 1);
    // A signal of the failing rules that the preset's rule set has (the values hold those).
    if (s in part || !THRESHOLDS.some((x) => x.signal === `${preset}/${s}`)) continue;
    part[s] = values[NAMES.indexOf(s)];
  }
  return part;
}

function reject(lean: (r: Reject, rejecting: LeanRejecting) => Reject, preset: string, reason: string, failed: string[], seed: number): { out: Reject; rejecting: LeanRejecting } {
  const values = Float64Array.from(NAMES, (_, i) => seed + i / 10);
  const rejecting: LeanRejecting = { record: { text: 'x' }, preset, score: seed / 100, names: NAMES, values, lean: failed };
  const r: Reject = { stage: 'quality', reason, source: `f:${seed}`, record: rejecting.record };
  return { out: lean(r, rejecting), rejecting };
}

describe('lean reject plans (issue #16, speed26b)', () => {
  it('are the slimmer rules for every combination, kept once each, and right past the memo bound', () => {
    const lean = leanRejecter(THRESHOLDS, 'quality')!;
    const combos: [string, string, string[]][] = [
      ['web', 'r:short', ['r:short']],
      ['web', 'r:short', ['r:short', 'r:symbols']],
      ['web', 'r:short', ['r:symbols', 'r:short']],
      ['web', 'r:symbols', ['r:symbols', 'r:long_words', 'z:short']],
      ['zh', 'z:short', ['z:short']],
      ['zh', 'r:short', ['r:short']],
      ['web', 'r:none', []],
    ];
    const kept = combos.length;
    // More combinations than the memo keeps (MEMO_LIMIT nodes, three each): their plans are made anew, still right.
    for (let i = 0; i < 4_000; i++) combos.push(['web', `r:extra${i}`, [`r:extra${i}`, 'r:short']]);
    let seed = 0;
    const first = new Map<string, unknown>();
    for (const pass of [0, 1]) {
      for (const [preset, reason, failed] of pass === 0 ? combos : [...combos.slice(0, kept), ...combos.slice(-3)]) {
        seed++;
        const { out, rejecting } = reject(lean, preset, reason, failed, seed);
        const slim = leanToSlim(out);
        const want = expected(preset, reason, failed, rejecting.values, rejecting.score);
        if (Object.keys(want).length === 3) {
          // No signal kept: no attrs at all.
          expect((out as LeanReject)[LEAN_REJECT]).toBeUndefined();
          expect(slim.attrs).toBeUndefined();
          continue;
        }
        expect(slim.attrs).toEqual({ quality: want });
        const plan = (out as LeanReject)[LEAN_REJECT]!.plan;
        const key = JSON.stringify([preset, reason, failed]);
        if (pass === 0) first.set(key, plan);
        // The first combinations are kept: the same plan object for the same combination; the last are not.
        else if (!reason.startsWith('r:extra')) expect(plan).toBe(first.get(key));
        else expect(plan).not.toBe(first.get(key));
      }
    }
  });

  it('keeps apart lists of codes that join into the same text', () => {
    const t: Threshold[] = [
      { code: 'a', signal: 'web/words', min: 1 },
      { code: 'b', signal: 'web/chars', min: 1 },
      { code: 'a\u0000b', signal: 'web/symbol_ratio', max: 1 },
    ];
    const lean = leanRejecter(t, 'quality')!;
    const values = Float64Array.from([1, 2, 3, 4]);
    const slimOf = (failed: string[]): Reject => {
      const rejecting: LeanRejecting = { record: {}, preset: 'web', score: 0.5, names: NAMES, values, lean: failed };
      return leanToSlim(lean({ stage: 'quality', reason: 'a', source: 's', record: rejecting.record }, rejecting));
    };
    const joined = slimOf(['a\u0000b']);
    const two = slimOf(['a', 'b']);
    expect(joined.attrs).toEqual({ quality: { preset: 'web', score: 0.5, failed: ['a\u0000b'], words: 1, symbol_ratio: 3 } });
    expect(two.attrs).toEqual({ quality: { preset: 'web', score: 0.5, failed: ['a', 'b'], words: 1, chars: 4 } });
  });
});
