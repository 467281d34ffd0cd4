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

  /** `names[i]` is the signal whose value `values[i]` holds; a rule on a missing signal reads 0. */
  constructor(rules: readonly Rule[], names: readonly string[]) {
    const n = rules.length;
    this.codes = rules.map((r) => r.code);
    this.signal = new Int32Array(n);
    this.isMin = new Uint8Array(n);
    this.limit = new Float64Array(n);
    this.frac = new Uint8Array(n);
    this.failing = new Int32Array(n);
    rules.forEach((r, i) => {
      this.signal[i] = names.indexOf(r.signal);
      this.isMin[i] = r.min !== undefined ? 1 : 0;
      this.limit[i] = r.min !== undefined ? r.min : r.max!;
      this.frac[i] = isFraction(r.signal) ? 1 : 0;
    });
  }

  /** Indices of the failing rules of the last `failed` call (scratch). */
  private readonly failing: Int32Array;

  /**
   * Codes of the failing rules, in rule order (a new array). Up to three are made as an array
   * literal of their length: a list grown by `push` gets room for 17 entries (~100 bytes of
   * garbage for a dropped record, which fails one or two rules).
   */
  failed(values: Float64Array): string[] {
    const f = this.failing;
    let n = 0;
    for (let i = 0; i < this.codes.length; i++) {
      const at = this.signal[i];
      const v = at >= 0 ? values[at] : 0;
      const t = this.limit[i];
      if (this.isMin[i] === 1 ? v < t : v > t) f[n++] = i;
    }
    const c = this.codes;
    if (n === 0) return [];
    if (n === 1) return [c[f[0]]];
    if (n === 2) return [c[f[0]], c[f[1]]];
    if (n === 3) return [c[f[0]], c[f[1]], c[f[2]]];
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(c[f[k]]);
    return out;
  }

  /** Index of the weakest rule (the first of the lowest rule scores below 1), or -1; its score is `lastScore`. */
  weakest(values: Float64Array): number {
    let score = 1;
    let weakest = -1;
    for (let i = 0; i < this.codes.length; i++) {
      const at = this.signal[i];
      const v = at >= 0 ? values[at] : 0;
      const s = this.isMin[i] === 1 ? minScore(this.limit[i], this.frac[i] === 1, v) : maxScore(this.limit[i], this.frac[i] === 1, v);
      if (s < score) {
        score = s;
        weakest = i;
      }
    }
    this.lastScore = Math.round(score * 1e4) / 1e4;
    return weakest;
  }

  /** The overall score computed by the last `weakest` call (rounded to 4 decimals, as `overallScore`). */
  lastScore = 1;

  /** The code of rule `i`, or null for -1. */
  code(i: number): string | null {
    return i >= 0 ? this.codes[i] : null;
  }
}
