import type { RunStats, StageStats } from '../core/stats.js';

/**
 * A quality rule that dominated a run: it dropped more than half of the records the stage judged.
 * That is what a rule does to a kind of text it was not made for (C4's line rule on Wikipedia
 * articles stored as one line each), so the end of the run says so and how to turn it off.
 */
export interface Dominant {
  /** Index of the stage in the run. */
  index: number;
  /** Its reason code (`c4:min_sentences`). */
  reason: string;
  /** Records it dropped. */
  dropped: number;
  /** Records the stage judged. */
  seen: number;
  /** Other rules those records also fail, most first: `[rule, records]`. */
  also: [string, number][];
  /** Of the dropped records: one line of text (no newline). */
  oneLine: number;
  /** Of the dropped records: the C4 line rules keep none of their lines. */
  noC4Line: number;
}

/** Share of a stage's records above which one rule dominates. */
export const DOMINANT_SHARE = 0.5;
/** A stage must drop this many records with one rule before the rule is said to dominate. */
export const DOMINANT_MIN = 10;

/** What else was true of the records a quality stage dropped as `reason` (`StageStats.why`). */
function why(st: StageStats, reason: string): Omit<Dominant, 'index' | 'reason' | 'dropped' | 'seen'> {
  const pre = `${reason}|`;
  const w = st.why ?? {};
  const also: [string, number][] = [];
  for (const [k, n] of Object.entries(w)) if (k.startsWith(pre + 'also:')) also.push([k.slice(pre.length + 5), n]);
  also.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { also, oneLine: w[pre + 'one_line'] ?? 0, noC4Line: w[pre + 'no_c4_line'] ?? 0 };
}

/** The quality rules that dominated their stage in this run. */
export function dominantRules(s: RunStats): Dominant[] {
  const out: Dominant[] = [];
  s.stages.forEach((st, index) => {
    if (st.stage !== 'quality') return;
    const top = Object.entries(st.dropped).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (top === undefined) return;
    const [reason, dropped] = top;
    if (dropped < DOMINANT_MIN || dropped <= DOMINANT_SHARE * st.in) return;
    out.push({ index, reason, dropped, seen: st.in, ...why(st, reason) });
  });
  return out;
}

/**
 * The rules to leave out to keep the records dropped as `reason`: the rule itself and every other
 * rule that more than half of them also fail (leaving out only the first moves them to the next).
 * `quality:low_score` is not a rule: none.
 */
export function rulesToSkip(st: StageStats, reason: string): { skip: string[]; also: [string, number][]; dropped: number } {
  const dropped = st.dropped[reason] ?? 0;
  if (!reason.includes(':') || reason === 'quality:low_score') return { skip: [], also: [], dropped };
  const also = why(st, reason).also.filter(([, n]) => n > dropped / 2);
  return { skip: [reason, ...also.map(([r]) => r)], also, dropped };
}

function pct(n: number, of: number): string {
  return of > 0 ? ((100 * n) / of).toFixed(1) : '0';
}

/** How to leave rules out: flags for a stage command, the recipe form for `run` and the library. */
export function skipAdvice(skip: readonly string[], command: string): string {
  const recipe = `skip: [${skip.join(', ')}]`;
  return command === 'quality' ? `--skip ${skip.join(',')} (in a recipe's quality stage: ${recipe})` : `${recipe} in the recipe's quality stage`;
}

function setAdvice(reason: string, command: string): string {
  return command === 'quality' ? `--set ${reason}=VALUE` : `set: [${reason}=VALUE]`;
}

/** Line-based rules: they judge a text by its lines, so a text without line breaks fails them all. */
export const LINE_RULE = /^(zh_)?c4:|^fineweb:line_punct_ratio$/;

/** The end-of-run notes (without the `corpus-clean CMD: note: ` prefix) for the dominant rules. */
export function dominantNotes(s: RunStats, command: string): string[] {
  const out: string[] = [];
  for (const d of dominantRules(s)) {
    const st = s.stages[d.index];
    const where = s.stages.filter((x) => x.stage === 'quality').length > 1 ? `quality (stage ${d.index + 1})` : 'quality';
    const parts = [`one rule dominated ${where}: ${d.reason} dropped ${d.dropped} of the ${d.seen} records it judged (${pct(d.dropped, d.seen)} %)`];
    const facts: string[] = [];
    if (d.oneLine > d.dropped / 2) facts.push(`${d.oneLine} of them are a single line of text`);
    if (d.noC4Line > d.dropped / 2) facts.push(`the C4 line rules keep no line of ${d.noC4Line} (a kept line must end in terminal punctuation)`);
    const { skip, also } = rulesToSkip(st, d.reason);
    if (also.length > 0) facts.push(also.map(([r, n]) => `${n} also fail ${r}`).join(', '));
    if (facts.length > 0) parts.push(facts.join('; '));
    const lineRules = skip.length > 0 && skip.every((r) => LINE_RULE.test(r));
    if (lineRules) parts.push('C4 and datatrove drop such texts too, Data-Juicer has no such rule: see README "When one rule dominates"');
    out.push(parts.join('; '));
    if (skip.length > 0) {
      const relax = skip.length === 1 ? `, or relax it with ${setAdvice(d.reason, command)}` : '';
      const look = command === 'quality' ? 'look at a few first (--rejects FILE)' : 'look at a few first (the rejects, _report.html)';
      out.push(`if these are good texts of a kind the rule was not made for${lineRules ? ' (e.g. articles stored without line breaks)' : ''}, keep them with ${skipAdvice(skip, command)}${relax}; ${look}`);
    } else if (d.reason === 'quality:low_score') {
      out.push(`lower ${command === 'quality' ? '--drop-below-score' : 'drop_below_score'} to keep more`);
    }
  }
  return out;
}
