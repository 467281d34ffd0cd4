import { table } from './own.js';
import type { ClosableRejectSink } from './pipeline.js';
import type { Reject } from './stage.js';
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

const HEADER = ['preset', 'score', 'failed'] as const;

/** Combinations of failing codes whose signals a slimmer remembers. */
const MEMO_LIMIT = 10_000;

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
  }
  const memo: Memo = { next: undefined, signals: undefined };
  let memoSize = 0;
  const step = (node: Memo, code: string): Memo => {
    let next = node.next?.get(code);
    if (next === undefined) {
      next = { next: undefined, signals: undefined };
      // Records that came with attrs of their own may name any codes: the memo stays bounded.
      if (memoSize < MEMO_LIMIT) ((node.next ??= new Map()).set(code, next), memoSize++);
    }
    return next;
  };
  const codes: string[] = [];
  const failingSignals = (reason: string, attrs: Record<string, unknown>): string[] => {
    // The reason is the first rule that failed; the others that failed are kept too (a record
    // dropped for repetition may also be short). Codes without a threshold change nothing.
    codes.length = 0;
    codes.push(reason);
    let node = step(memo, reason);
    for (const k in attrs) {
      const v = attrs[k];
      const failed = v !== null && typeof v === 'object' ? (v as Record<string, unknown>).failed : undefined;
      if (!Array.isArray(failed)) continue;
      for (const c of failed) {
        const code = typeof c === 'string' ? c : String(c);
        if (!byCode.has(code) || codes.includes(code)) continue;
        codes.push(code);
        node = step(node, code);
      }
    }
    return (node.signals ??= signalsOf(codes));
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
      const signals = failingSignals(r.reason, attrs);
      if (signals.length > 0) {
        for (const family of Object.keys(attrs)) {
          const value = attrs[family];
          // A signal stored flat (`attrs.lang_score`) is kept when a failing rule compares it.
          if (signals.includes(family)) ((kept[family] = value), (any = true));
          if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
          const v = value as Record<string, unknown>;
          let part: Record<string, unknown> | undefined;
          for (const s of signals) {
            if (!(s in v)) continue;
            if (part === undefined) {
              part = {};
              for (const h of HEADER) if (h in v) part[h] = v[h];
            }
            part[s] = v[s];
          }
          if (part !== undefined) ((kept[family] = part), (any = true));
        }
      }
    }
    // The reject's own keys in their order, `attrs` last (as `{ ...rest, attrs }`).
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(r)) if (k !== 'attrs') out[k] = (r as unknown as Record<string, unknown>)[k];
    if (any) out.attrs = kept;
    return out as unknown as Reject;
  };
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
