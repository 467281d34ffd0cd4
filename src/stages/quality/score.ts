import type { Rule } from './ruleset.js';
import { isFraction } from './ruleset.js';

/**
 * How far a signal is from its rule's threshold, as a number in [0, 1]:
 * exactly 0.5 at the threshold, above 0.5 when the rule passes, below when it fails.
 *
 * Piecewise linear. For a `max` rule: 1 at 0, 0.5 at the limit, 0 at the worst value (1 for a
 * fraction, twice the limit for a count). For a `min` rule: 0 at 0, 0.5 at the limit, 1 at the
 * best value (1 for a fraction, twice the limit for a count).
 */
export function ruleScore(rule: Rule, v: number): number {
  const frac = isFraction(rule.signal);
  if (rule.min !== undefined) {
    const t = rule.min;
    if (v < t) return t > 0 ? Math.max(0, (0.5 * v) / t) : 0;
    const best = frac ? 1 : 2 * t;
    return best > t ? 0.5 + 0.5 * Math.min(1, (v - t) / (best - t)) : 1;
  }
  const t = rule.max!;
  if (v > t) {
    const worst = frac ? 1 : 2 * t;
    return worst > t ? 0.5 * Math.max(0, 1 - (v - t) / (worst - t)) : 0;
  }
  return t > 0 ? 1 - (0.5 * Math.max(0, v)) / t : 1;
}

/** The overall score of a document: the lowest rule score (the weakest link) and that rule. */
export function overallScore(rules: readonly Rule[], signals: Readonly<Record<string, number>>): { score: number; weakest: string | null } {
  let score = 1;
  let weakest: string | null = null;
  for (const r of rules) {
    const s = ruleScore(r, signals[r.signal] ?? 0);
    if (s < score) {
      score = s;
      weakest = r.code;
    }
  }
  return { score: Math.round(score * 1e4) / 1e4, weakest };
}
