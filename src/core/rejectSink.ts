import { hasOwn, table } from './own.js';
import type { ClosableRejectSink } from './pipeline.js';
import type { Reject, RejectWithJson } from './stage.js';
import { RECORD_JSON } from './stage.js';
import type { Threshold } from './stats.js';

/** Which signals a reject keeps: those of the rule that failed (default), or every signal. */
export type RejectAttrs = 'failing' | 'all';

/**
 * The `attrs` a stage writes about its own decision, kept whole in its rejects when only the
 * failing rule's signals are kept (they are small: a count, a ratio, the list that matched).
 */
const OWN_ATTRS: Record<string, readonly string[]> = table({
  langid: ['lang', 'lang_score'],
  'flagged-words': ['flagged_words'],
  pii: ['pii'],
  'url-filter': ['url_filter'],
});

/**
 * The reject as written when only the failing rule's signals are kept: the record, stage,
 * reason, source and detail as they are, and from `attrs` only the signals that the failing
 * rule compares (with the header of their family: preset, score, failed), or for stages with
 * a small record of their decision (langid, flagged-words, pii, url-filter) that record. A
 * rejects file of a web crawl is then about the size of the records it holds, not four times that.
 */
export function slimReject(r: Reject, thresholds: readonly Threshold[] | undefined): Reject {
  return rejectSlimmer(thresholds ?? [])(r);
}

/**
 * False when `rejectSlimmer(thresholds)` gives every reject of stage `stage` back without `attrs`
 * (a stage with no rule on its signals and no small record of its decision, such as exact dedup):
 * its rejects need not carry them.
 */
export function slimKeepsAttrs(stage: string, thresholds: readonly Threshold[]): boolean {
  return thresholds.length > 0 || OWN_ATTRS[stage] !== undefined;
}

const HEADER = ['preset', 'score', 'failed'] as const;

/** Combinations of failing codes whose signals a slimmer remembers. */
const MEMO_LIMIT = 10_000;

/** Uses of a remembered combination after which its signals get a compiled picker (`picker`). */
const COMPILE_AFTER = 8;

/**
 * The part of one `attrs` family a slim reject keeps: undefined when the family holds none of the
 * signals, else its header fields (`preset`, `score`, `failed`, those it has, in that order)
 * followed by the signals it has, in the order given.
 */
type Picker = (v: Record<string, unknown>) => Record<string, unknown> | undefined;

/** `Picker` by reading each name held in a variable (any signals, any family). */
function pickAny(signals: readonly string[]): Picker {
  return (v) => {
    let part: Record<string, unknown> | undefined;
    for (const s of signals) {
      if (!(s in v)) continue;
      if (part === undefined) {
        part = {};
        for (const h of HEADER) if (h in v) part[h] = v[h];
      }
      part[s] = v[s];
    }
    return part;
  };
}

/**
 * `pickAny(signals)` as one function whose reads are by constant names and whose result, when the
 * family holds the header and every signal (the stage wrote it: the usual case), is one object
 * literal: no property added by a name held in a variable, each a slow transition in V8 (this runs
 * for every record a run drops). Anything else goes the general way. Undefined for a name that an
 * object literal would read as something else (`__proto__`).
 */
function compilePicker(signals: readonly string[]): Picker | undefined {
  if (signals.includes('__proto__')) return undefined;
  // One picker per list of signals for the whole process, shared by the slimmers of every task: a
  // function made by `new Function` starts cold each time (no type feedback, not optimised), and a
  // run makes a slimmer per stage and task (21 tasks per phase on the 171 MB bench).
  const key = JSON.stringify(signals);
  const known = PICKERS.get(key);
  if (known !== undefined) return known;
  const made = makePicker(signals);
  if (PICKERS.size < PICKERS_KEPT) PICKERS.set(key, made);
  return made;
}

/** The picker `compilePicker` made for `signals` already in this process, if any. */
function compiledPicker(signals: readonly string[]): Picker | undefined {
  return PICKERS.size === 0 ? undefined : PICKERS.get(JSON.stringify(signals));
}

/** Compiled pickers by their list of signals (JSON), at most PICKERS_KEPT. */
const PICKERS = new Map<string, Picker>();
const PICKERS_KEPT = 4096;

function makePicker(signals: readonly string[]): Picker {
  const own = signals.filter((s) => !(HEADER as readonly string[]).includes(s));
  const all = [...HEADER, ...own].map((n) => `${JSON.stringify(n)} in v`).join(' && ');
  const fields = [...HEADER, ...own].map((n) => `${JSON.stringify(n)}: v[${JSON.stringify(n)}]`).join(', ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fast = new Function('v', 'slow', `return ${all} ? { ${fields} } : slow(v);`) as (v: Record<string, unknown>, slow: Picker) => Record<string, unknown> | undefined;
  const slow = pickAny(signals);
  return (v) => fast(v, slow);
}

/** The keys of a reject as `StageContext.reject` makes it, in that order (`detail` when given). */
const REJECT_KEYS = ['stage', 'reason', 'source', 'record', 'attrs', 'detail'] as const;

/**
 * `slimReject` for one stage's thresholds, made once: which thresholds each rule code has is
 * looked up, not found by scanning every threshold per reject (this runs for every record a
 * run drops, most of a web crawl).
 */
export function rejectSlimmer(thresholds: readonly Threshold[]): (r: Reject) => Reject {
  // The signal each threshold compares (without its `<preset>/`), and the thresholds of each code.
  const names = thresholds.map((t) => t.signal.slice(t.signal.indexOf('/') + 1));
  const byCode = new Map<string, number[]>();
  thresholds.forEach((t, i) => {
    const list = byCode.get(t.code);
    if (list === undefined) byCode.set(t.code, [i]);
    else list.push(i);
  });
  /** The signals the failing rules compare, in threshold order, without repeats. */
  const signalsOf = (codes: readonly string[]): string[] => {
    const at: number[] = [];
    for (const code of codes) for (const i of byCode.get(code) ?? []) at.push(i);
    at.sort((a, b) => a - b);
    const out: string[] = [];
    for (const i of at) if (!out.includes(names[i])) out.push(names[i]);
    return out;
  };
  // The answer for each reason and list of failing codes, found once: a run drops most records
  // for a handful of combinations. A path of maps, one step per code (no key string per reject).
  interface Memo {
    next: Map<string, Memo> | undefined;
    signals: string[] | undefined;
    /**
     * The picker of `signals`: compiled once the combination has been used COMPILE_AFTER times,
     * or at once when the process has compiled it already (another task's slimmer did); until
     * then `pickAny`'s, made once for the combination.
     */
    pick: Picker | undefined;
    uses: number;
    /** False for a combination past MEMO_LIMIT (made anew for each reject: never compiled). */
    kept: boolean;
  }
  const node = (kept: boolean): Memo => ({ next: undefined, signals: undefined, pick: undefined, uses: 0, kept });
  const memo: Memo = node(true);
  let memoSize = 0;
  const step = (from: Memo, code: string): Memo => {
    let next = from.next?.get(code);
    if (next === undefined) {
      // Records that came with attrs of their own may name any codes: the memo stays bounded.
      next = node(from.kept && memoSize < MEMO_LIMIT);
      if (next.kept) ((from.next ??= new Map()).set(code, next), memoSize++);
    }
    return next;
  };
  const codes: string[] = [];
  const failing = (reason: string, attrs: Record<string, unknown>): Memo => {
    // The reason is the first rule that failed; the others that failed are kept too (a record
    // dropped for repetition may also be short). Codes without a threshold change nothing.
    codes.length = 0;
    codes.push(reason);
    let at = step(memo, reason);
    for (const k in attrs) {
      const v = attrs[k];
      const failed = v !== null && typeof v === 'object' ? (v as Record<string, unknown>).failed : undefined;
      if (!Array.isArray(failed)) continue;
      for (const c of failed) {
        const code = typeof c === 'string' ? c : String(c);
        if (!byCode.has(code) || codes.includes(code)) continue;
        codes.push(code);
        at = step(at, code);
      }
    }
    if (at.signals === undefined) {
      at.signals = signalsOf(codes);
      // A combination past the memo is a node of this reject's own: no compiling for it.
      if (at.kept) at.pick = compiledPicker(at.signals);
      at.pick ??= pickAny(at.signals);
    }
    if (at.kept && at.uses < COMPILE_AFTER && ++at.uses === COMPILE_AFTER) at.pick = compilePicker(at.signals) ?? at.pick;
    return at;
  };
  return (r) => {
    const attrs = r.attrs;
    if (attrs === undefined) return r;
    const kept: Record<string, unknown> = {};
    let any = false;
    const own = OWN_ATTRS[r.stage];
    if (own !== undefined) {
      for (const k of own) if (attrs[k] !== undefined) ((kept[k] = attrs[k]), (any = true));
    } else {
      const m = failing(r.reason, attrs);
      const signals = m.signals!;
      if (signals.length > 0) {
        const pick = m.pick!;
        for (const family in attrs) {
          if (!hasOwn(attrs, family)) continue;
          const value = attrs[family];
          // A signal stored flat (`attrs.lang_score`) is kept when a failing rule compares it.
          if (signals.includes(family)) ((kept[family] = value), (any = true));
          if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
          const part = pick(value as Record<string, unknown>);
          if (part !== undefined) ((kept[family] = part), (any = true));
        }
      }
    }
    // The reject's own keys in their order, `attrs` last (as `{ ...rest, attrs }`): as one object
    // literal for a reject as the stage context makes it, else key by key.
    let n = 0;
    for (const k in r) {
      if (n === REJECT_KEYS.length || k !== REJECT_KEYS[n]) {
        n = -1;
        break;
      }
      n++;
    }
    if (n === 5) return withJson(r, (any ? { stage: r.stage, reason: r.reason, source: r.source, record: r.record, attrs: kept } : { stage: r.stage, reason: r.reason, source: r.source, record: r.record }) as Reject);
    if (n === 6) return withJson(r, (any ? { stage: r.stage, reason: r.reason, source: r.source, record: r.record, detail: r.detail, attrs: kept } : { stage: r.stage, reason: r.reason, source: r.source, record: r.record, detail: r.detail }) as Reject);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(r)) if (k !== 'attrs') out[k] = (r as unknown as Record<string, unknown>)[k];
    if (any) out.attrs = kept;
    return withJson(r, out as unknown as Reject);
  };
}

/** `slim`, the slimmed copy of `r`, with the record's JSON text as read that `r` carries (`RECORD_JSON`). */
function withJson(r: Reject, slim: Reject): Reject {
  const json = (r as RejectWithJson)[RECORD_JSON];
  if (json !== undefined) (slim as RejectWithJson)[RECORD_JSON] = json;
  return slim;
}

/**
 * A rejects sink that passes on the first `perReason` rejects of each `stage/reason` and counts
 * the rest, so a huge run keeps examples of every decision without a copy of every record. The
 * run's stats still count every reject.
 */
export class SampledRejects implements ClosableRejectSink {
  /** Rejects left out, by `stage/reason`. */
  readonly skipped: Record<string, number> = {};
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly inner: ClosableRejectSink,
    private readonly perReason: number,
  ) {}

  /** As the sink it passes rejects to. */
  get takesLeanRejects(): boolean {
    return this.inner.takesLeanRejects === true;
  }

  keeps(r: Reject): boolean {
    return (this.seen.get(`${r.stage}/${r.reason}`) ?? 0) < this.perReason;
  }

  push(r: Reject): void {
    const key = `${r.stage}/${r.reason}`;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (n <= this.perReason) this.inner.push(r);
    else this.skipped[key] = (this.skipped[key] ?? 0) + 1;
  }

  flush(): Promise<void> {
    return this.inner.flush?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  abort(): Promise<void> {
    return this.inner.abort();
  }
}

/**
 * The lean reject (Issue #16): a stage with rules (quality) that rejects a record whose own attrs
 * hold nothing a slim reject keeps gives the sink, instead of a slim attrs object made per reject,
 * the values it computed (`LEAN_REJECT`) and a plan made once per combination of failing rules.
 * Only a sink that says so (`ClosableRejectSink.takesLeanRejects`) is given such a reject, and it
 * must encode it in `push` (the values are the stage's, overwritten by its next record):
 * `leanToSlim(r)` is the slim reject it stands for, byte for byte as written.
 */
export const LEAN_REJECT = Symbol('corpus-clean:leanReject');

/** What a lean reject carries under `LEAN_REJECT`. */
export interface LeanAttrs {
  readonly plan: LeanPlan;
  /** `attrs[family].score`. */
  readonly score: number;
  /** The stage's values: `attrs[family][plan.signals[j]]` is `values[plan.at[j]]`. */
  readonly values: Float64Array;
}

/** The slim attrs of a combination (family, rule set, reason and failing codes), found once. */
export interface LeanPlan {
  readonly family: string;
  readonly preset: string;
  readonly failed: readonly string[];
  /** The failing rules' signals kept, in the slimmer's order; never empty. */
  readonly signals: readonly string[];
  /** Where each of `signals` is in the values. */
  readonly at: readonly number[];
  /** The writer's bytes for the plan (made by it once). */
  encoded?: Buffer[];
}

/** A reject that carries `LeanAttrs`. */
export type LeanReject = Reject & { [LEAN_REJECT]?: LeanAttrs };

/** `Stage.rejecting` of a stage that can give lean rejects: `lean` holds the failing codes while it does. */
export interface LeanRejecting {
  record: unknown;
  preset: string;
  score: number;
  names: readonly string[];
  values: Float64Array;
  lean: readonly string[] | undefined;
}

/** The stage context's flag (set by the pipeline on the context it makes) that a stage may give lean rejects. */
export interface LeanContext {
  leanRejects?: boolean;
}

/** True when `rejecting` is a stage's that can give lean rejects. */
export function isLeanRejecting(rejecting: unknown): rejecting is LeanRejecting {
  return rejecting !== null && typeof rejecting === 'object' && 'lean' in rejecting;
}

/**
 * For one stage's thresholds: the lean reject of `r` (made by `StageContext.reject` for a record
 * whose own attrs hold neither an object nor a flat signal of a rule, with `rejecting.lean` the
 * failing codes and the family `family`), as the slimmer would have made its slim reject.
 * Undefined when a rule's signal has the name of a member of the family's header (`preset`,
 * `score`, `failed`, `preset_by`, `weakest`): such rejects are slimmed.
 */
export function leanRejecter(thresholds: readonly Threshold[], family: string): ((r: Reject, rejecting: LeanRejecting) => Reject) | undefined {
  const names = thresholds.map((t) => t.signal.slice(t.signal.indexOf('/') + 1));
  if (names.some((s) => s === 'preset' || s === 'score' || s === 'failed' || s === 'preset_by' || s === 'weakest' || s === '__proto__')) return undefined;
  const full = new Set(thresholds.map((t) => t.signal));
  const byCode = new Map<string, number[]>();
  thresholds.forEach((t, i) => {
    const list = byCode.get(t.code);
    if (list === undefined) byCode.set(t.code, [i]);
    else list.push(i);
  });
  // The plan of each preset, reason and list of failing codes, found once: a path of maps, one
  // step per string (a key string joined and hashed per reject was ~0.9 us: a third of a second
  // over the 345 k rejects of the sample recipe on the web mix, #16's twenty-sixth pass).
  interface PlanNode {
    next: Map<string, PlanNode> | undefined;
    plan: LeanPlan | undefined;
  }
  const root: PlanNode = { next: undefined, plan: undefined };
  let nodes = 0;
  /** The node after `from` for `s`; undefined past MEMO_LIMIT nodes (the plan is made anew, not kept). */
  const step = (from: PlanNode, s: string): PlanNode | undefined => {
    let next = from.next?.get(s);
    if (next === undefined && nodes < MEMO_LIMIT) {
      ((from.next ??= new Map()).set(s, (next = { next: undefined, plan: undefined })), nodes++);
    }
    return next;
  };
  const planOf = (preset: string, valueNames: readonly string[], reason: string, failed: readonly string[]): LeanPlan => {
    let at = step(root, preset);
    if (at !== undefined) at = step(at, reason);
    for (let i = 0; at !== undefined && i < failed.length; i++) at = step(at, failed[i]);
    let plan = at?.plan;
    if (plan !== undefined) return plan;
    // As the slimmer: the reason, then the failing codes that have thresholds, without repeats;
    // their thresholds' signals in threshold order, without repeats; those the family holds.
    const codes = [reason];
    for (const c of failed) if (byCode.has(c) && !codes.includes(c)) codes.push(c);
    const idx: number[] = [];
    for (const code of codes) for (const i of byCode.get(code) ?? []) idx.push(i);
    idx.sort((a, b) => a - b);
    const signals: string[] = [];
    for (const i of idx) if (!signals.includes(names[i])) signals.push(names[i]);
    const kept: string[] = [];
    const where: number[] = [];
    for (const s of signals) {
      // The family holds the rules' signals of its rule set (those the stage computes).
      const j = full.has(`${preset}/${s}`) ? valueNames.indexOf(s) : -1;
      if (j < 0) continue;
      kept.push(s);
      where.push(j);
    }
    plan = { family, preset, failed: [...failed], signals: kept, at: where };
    if (at !== undefined) at.plan = plan;
    return plan;
  };
  return (r, rejecting) => {
    const plan = planOf(rejecting.preset, rejecting.names, r.reason, rejecting.lean!);
    const out: LeanReject = { stage: r.stage, reason: r.reason, source: r.source, record: r.record } as LeanReject;
    const json = (r as RejectWithJson)[RECORD_JSON];
    if (json !== undefined) (out as RejectWithJson)[RECORD_JSON] = json;
    // No signal kept: the slim reject has no attrs.
    if (plan.signals.length > 0) out[LEAN_REJECT] = { plan, score: rejecting.score, values: rejecting.values };
    return out;
  };
}

/** The slim reject a lean reject stands for (the same as it when it carries no `LeanAttrs`). */
export function leanToSlim(r: Reject): Reject {
  const lean = (r as LeanReject)[LEAN_REJECT];
  if (lean === undefined) return r;
  const { plan, score, values } = lean;
  const part: Record<string, unknown> = { preset: plan.preset, score, failed: [...plan.failed] };
  for (let j = 0; j < plan.signals.length; j++) part[plan.signals[j]] = values[plan.at[j]];
  const out = { stage: r.stage, reason: r.reason, source: r.source, record: r.record, attrs: { [plan.family]: part } } as Reject;
  return withJson(r, out);
}
