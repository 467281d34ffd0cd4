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
  return rule.min !== undefined ? minScore(rule.min, isFraction(rule.signal), v) : maxScore(rule.max!, isFraction(rule.signal), v);
}

/** `ruleScore` of a `min` rule with threshold `t`. */
function minScore(t: number, frac: boolean, v: number): number {
  if (v < t) return t > 0 ? Math.max(0, (0.5 * v) / t) : 0;
  const best = frac ? 1 : 2 * t;
  return best > t ? 0.5 + 0.5 * Math.min(1, (v - t) / (best - t)) : 1;
}

/** `ruleScore` of a `max` rule with threshold `t`. */
function maxScore(t: number, frac: boolean, v: number): number {
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

/**
 * A rule list compiled against a signal computer's value array: the per-record rule loop and
 * score read typed arrays by index instead of looking signals up by name.
 */
export class CompiledRules {
  private readonly codes: string[];
  private readonly signal: Int32Array;
  private readonly isMin: Uint8Array;
  private readonly limit: Float64Array;
  private readonly frac: Uint8Array;
  /** Each rule's place in the drop-reason order (`ranking`; rules of one code share it). */
  private readonly rank: Int32Array;

  /**
   * `names[i]` is the signal whose value `values[i]` holds; a rule on a missing signal reads 0.
   * `ranking`: the rule codes in drop-reason order (`reasonRanking`; default: file order).
   */
  constructor(rules: readonly Rule[], names: readonly string[], ranking?: readonly string[]) {
    const n = rules.length;
    this.codes = rules.map((r) => r.code);
    this.signal = new Int32Array(n);
    this.isMin = new Uint8Array(n);
    this.limit = new Float64Array(n);
    this.frac = new Uint8Array(n);
    this.rank = new Int32Array(n);
    this.failing = new Int32Array(n);
    rules.forEach((r, i) => {
      this.signal[i] = names.indexOf(r.signal);
      this.isMin[i] = r.min !== undefined ? 1 : 0;
      this.limit[i] = r.min !== undefined ? r.min : r.max!;
      this.frac[i] = isFraction(r.signal) ? 1 : 0;
      const at = ranking === undefined ? this.codes.indexOf(r.code) : ranking.indexOf(r.code);
      this.rank[i] = at >= 0 ? at : 0x7fffffff;
    });
  }

  /** Indices of the failing rules of the last `judge` call (scratch); `nFailing` of them. */
  readonly failing: Int32Array;
  nFailing = 0;

  /**
   * Judge one record's values in one pass over the rules: returns the codes of the failing rules
   * in rule order (a new array; up to three made as an array literal of their length: a list
   * grown by `push` gets room for 17 entries, ~100 bytes of garbage for a dropped record, which
   * fails one or two rules). Also sets `lastScore` and `lastWeakest` (the first of the lowest
   * rule scores below 1, or -1) and `lastReason`: the failing rule that names the drop (the
   * first of the lowest `ranking` place), or -1.
   */
  judge(values: Float64Array): string[] {
    const f = this.failing;
    let n = 0;
    let score = 1;
    let weakest = -1;
    let reason = -1;
    let best = 0x7fffffff;
    for (let i = 0; i < this.codes.length; i++) {
      const at = this.signal[i];
      const v = at >= 0 ? values[at] : 0;
      const t = this.limit[i];
      const min = this.isMin[i] === 1;
      if (min ? v < t : v > t) {
        f[n++] = i;
        if (reason < 0 || this.rank[i] < best) {
          best = this.rank[i];
          reason = i;
        }
      }
      const s = min ? minScore(t, this.frac[i] === 1, v) : maxScore(t, this.frac[i] === 1, v);
      if (s < score) {
        score = s;
        weakest = i;
      }
    }
    this.nFailing = n;
    this.lastScore = Math.round(score * 1e4) / 1e4;
    this.lastWeakest = weakest;
    this.lastReason = reason;
    const c = this.codes;
    if (n === 0) return [];
    if (n === 1) return [c[f[0]]];
    if (n === 2) return [c[f[0]], c[f[1]]];
    if (n === 3) return [c[f[0]], c[f[1]], c[f[2]]];
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(c[f[k]]);
    return out;
  }

  /** The overall score computed by the last `judge` call (rounded to 4 decimals, as `overallScore`). */
  lastScore = 1;
  /** Index of the weakest rule of the last `judge` call, or -1. */
  lastWeakest = -1;
  /** Index of the failing rule that names the drop, of the last `judge` call, or -1. */
  lastReason = -1;

  /** The code of rule `i`, or null for -1. */
  code(i: number): string | null {
    return i >= 0 ? this.codes[i] : null;
  }
}
