import type { ClosableRejectSink } from './pipeline.js';
import type { Reject } from './stage.js';
import type { Threshold } from './stats.js';

/** Which signals a reject keeps: those of the rule that failed (default), or every signal. */
export type RejectAttrs = 'failing' | 'all';

/**
 * The `attrs` a stage writes about its own decision, kept whole in its rejects when only the
 * failing rule's signals are kept (they are small: a count, a ratio, the list that matched).
 */
const OWN_ATTRS: Record<string, readonly string[]> = {
  langid: ['lang', 'lang_score'],
  'flagged-words': ['flagged_words'],
  pii: ['pii'],
  'url-filter': ['url_filter'],
};

/**
 * The reject as written when only the failing rule's signals are kept: the record, stage,
 * reason, source and detail as they are, and from `attrs` only the signals that the failing
 * rule compares (with the header of their family: preset, score, failed), or for stages with
 * a small record of their decision (langid, flagged-words, pii, url-filter) that record. A
 * rejects file of a web crawl is then about the size of the records it holds, not four times that.
 */
export function slimReject(r: Reject, thresholds: readonly Threshold[] | undefined): Reject {
  if (r.attrs === undefined) return r;
  const { attrs, ...rest } = r;
  const kept: Record<string, unknown> = {};
  for (const k of OWN_ATTRS[r.stage] ?? []) if (attrs[k] !== undefined) kept[k] = attrs[k];
  // The reason is the first rule that failed; the others that failed are kept too (a record
  // dropped for repetition may also be short).
  const codes = new Set([r.reason]);
  for (const v of Object.values(attrs)) {
    const failed = v !== null && typeof v === 'object' ? (v as Record<string, unknown>).failed : undefined;
    if (Array.isArray(failed)) for (const c of failed) codes.add(String(c));
  }
  const signals = OWN_ATTRS[r.stage] !== undefined ? [] : (thresholds ?? []).filter((t) => codes.has(t.code)).map((t) => t.signal.slice(t.signal.indexOf('/') + 1));
  for (const [family, value] of Object.entries(signals.length > 0 ? attrs : {})) {
    // A signal stored flat (`attrs.lang_score`) is kept when a failing rule compares it.
    if (signals.includes(family)) kept[family] = value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const v = value as Record<string, unknown>;
    const part: Record<string, unknown> = {};
    for (const k of ['preset', 'score', 'failed']) if (k in v) part[k] = v[k];
    let any = false;
    for (const s of signals) if (s in v) ((part[s] = v[s]), (any = true));
    if (any) kept[family] = part;
  }
  return Object.keys(kept).length > 0 ? { ...rest, attrs: kept } : rest;
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
