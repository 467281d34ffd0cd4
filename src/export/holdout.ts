import type { Doc, TextField } from '../core/doc.js';
import type { DocSink } from '../core/pipeline.js';
import { loadExactKey } from '../stages/dedup/exact.js';
import { sampleText } from './lang-split.js';

/** The two data folders a hold-out writes. */
export const HOLDOUT_SPLITS = ['train', 'valid'] as const;
export type HoldoutSplit = (typeof HOLDOUT_SPLITS)[number];

/** 2^53: the top 53 bits of a 64-bit hash, as a fraction of this, are a number in [0, 1) a double holds exactly. */
const TWO_53 = 2 ** 53;

/**
 * Parse `--valid-fraction F`: a number strictly between 0 and 1 (`0.01`, `1e-3`, `5%`).
 * Returns undefined for a value that is none, for the caller's message.
 */
export function parseFraction(s: string): number | undefined {
  const t = s.trim();
  const pct = t.endsWith('%');
  const body = pct ? t.slice(0, -1).trim() : t;
  if (!/^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(body)) return undefined;
  const f = Number(body) / (pct ? 100 : 1);
  return Number.isFinite(f) && f > 0 && f < 1 ? f : undefined;
}

/** How many records a hold-out sends to valid/: about a fraction of them, or a count. */
export type HoldoutRule = { fraction: number } | { records: number };

/** The key a record is held out by (see `loadHoldoutKey`). */
export type HoldoutKey = (doc: Doc, textField: TextField | undefined) => bigint;

/**
 * The key a record is held out by, from its text alone: the exact-dedup key of the text
 * (`xxh64(normalizeForExact(text))`, the key `dedup --method exact` compares). A function of the
 * text, not of the record's place: the same records are held out on a rerun, with the inputs in
 * another order, with any tokenizer, and two records that exact dedup would call duplicates have
 * the same key, so they land on the same side (no validation text is also training text under
 * another record). The text is a chat's messages joined, else the text field; a record with none
 * is keyed by its token ids.
 */
export async function loadHoldoutKey(): Promise<HoldoutKey> {
  const key = await loadExactKey();
  return (doc, textField) => {
    let text = sampleText(doc.data, textField);
    if (text === '') {
      const t = doc.attrs.tokens;
      text = Array.isArray(t) || t instanceof Int32Array ? `tokens:${Array.from(t as ArrayLike<number>).join(',')}` : '';
    }
    return key(text);
  };
}

type Finishing = DocSink & { finish?(): Promise<void> };

/** A record kept as a candidate for valid/ under `{records: N}`. */
interface Held {
  key: bigint;
  seq: number;
  doc: Doc;
}

/** The order a hold-out publishes its splits in (see HoldoutSink.close). */
const PUBLISH_ORDER: readonly HoldoutSplit[] = ['valid', 'train'];

/** Records handed to the valid sink at a time, at close. */
const VALID_BATCH = 1024;

/**
 * A sink that hands each record to the sink of its split, keeping the order of the records
 * within each. `{fraction: F}`: a record goes to valid/ when its key's top 53 bits, as a number
 * in [0, 1), are below F (about F of them; both sides written as the records come). `{records: N}`:
 * valid/ gets the records of the N smallest keys: those whose key is below the smallest key that
 * more than N records have or pass, so records of one key (duplicates) are held out together or
 * not at all, and a tie at the boundary leaves fewer than N. The candidates are held in memory
 * (a heap of at most N + the records of one key) and written to valid/ at close in input order;
 * a record pushed out of them by a smaller key goes to train/ then, later than its place in the
 * input. Either way the choice depends on the keys alone, not on the records' order.
 * Closing finishes every sink's last shard before any is published (as LangSplitSink does for its
 * type folders), then publishes valid/ before train/, so a kill between leaves no train/ published
 * beside an unfinished valid/.
 * `textField` is the text field the export reads (set once it is known).
 */
export class HoldoutSink implements DocSink {
  /** Records given to each split (valid: once closed, under `{records: N}`). */
  readonly counts: Record<HoldoutSplit, number> = { train: 0, valid: 0 };
  textField: TextField | undefined;
  /** `{records: N}`: the candidates, a max-heap on key. */
  private readonly heap: Held[] = [];
  /** `{records: N}`: a key at or above which no record is held out (set once more than N were). */
  private cutoff: bigint | undefined;
  private seq = 0;
  private readonly below: number;

  constructor(
    private readonly sinks: Record<HoldoutSplit, Finishing>,
    private readonly key: HoldoutKey,
    private readonly rule: HoldoutRule,
    textField?: TextField,
  ) {
    this.textField = textField;
    this.below = 'fraction' in rule ? rule.fraction * TWO_53 : 0;
  }

  async write(batch: Doc[]): Promise<void> {
    const parts: Record<HoldoutSplit, Doc[]> = { train: [], valid: [] };
    if ('fraction' in this.rule) {
      for (const d of batch) parts[Number(this.key(d, this.textField) >> 11n) < this.below ? 'valid' : 'train'].push(d);
    } else {
      for (const d of batch) this.hold(d, this.rule.records, parts.train);
    }
    for (const s of HOLDOUT_SPLITS) {
      if (parts[s].length === 0) continue;
      this.counts[s] += parts[s].length;
      await this.sinks[s].write(parts[s]);
    }
  }

  /** `{records: n}`: take `d` among the candidates, or put it (or those it pushes out) in `train`. */
  private hold(d: Doc, n: number, train: Doc[]): void {
    const key = this.key(d, this.textField);
    if (this.cutoff !== undefined && key >= this.cutoff) {
      train.push(d);
      return;
    }
    this.push({ key, seq: this.seq++, doc: d });
    if (this.heap.length <= n) return;
    // More than n: every record of the largest key goes (a key is held out whole), and no later
    // record of that key or above is taken.
    const top = this.heap[0].key;
    const out: Held[] = [];
    while (this.heap.length > 0 && this.heap[0].key === top) out.push(this.pop());
    this.cutoff = top;
    for (const h of out.sort((a, b) => a.seq - b.seq)) train.push(h.doc);
  }

  private push(h: Held): void {
    const a = this.heap;
    let i = a.length;
    a.push(h);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].key >= h.key) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = h;
  }

  private pop(): Held {
    const a = this.heap;
    const top = a[0];
    const last = a.pop()!;
    if (a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const c = l + 1 < a.length && a[l + 1].key > a[l].key ? l + 1 : l;
      if (a[c].key <= last.key) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
    return top;
  }

  async finish(): Promise<void> {
    // {records: N}: the candidates left are valid/'s, in input order.
    if (this.heap.length > 0) {
      const held = this.heap.splice(0).sort((a, b) => a.seq - b.seq);
      this.counts.valid += held.length;
      for (let i = 0; i < held.length; i += VALID_BATCH) await this.sinks.valid.write(held.slice(i, i + VALID_BATCH).map((h) => h.doc));
    }
    for (const s of HOLDOUT_SPLITS) await this.sinks[s].finish?.();
  }

  async close(): Promise<void> {
    await this.finish();
    // valid/ is published first, then train/ (hostile review 25 N5: a kill -9 while train/ was
    // published left it complete-looking beside a valid/ of temporaries only): a train/ that looks
    // complete has its hold-out complete beside it. What a kill between leaves is journaled in each
    // type folder's lock (the files renamed into place), and the next export settles both.
    for (const s of PUBLISH_ORDER) await this.sinks[s].close();
  }

  async abort(): Promise<void> {
    this.heap.length = 0;
    await Promise.allSettled(HOLDOUT_SPLITS.map((s) => this.sinks[s].abort()));
  }
}
