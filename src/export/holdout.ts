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

/**
 * Which split a record goes to, by its text alone: `valid` when the exact-dedup key of the text
 * (`xxh64(normalizeForExact(text))`, the key `dedup --mode exact` compares), read as a number in
 * [0, 1), is below the fraction. A function of the text, not of the record's place: the same
 * records are held out on a rerun, with the inputs in another order, with any tokenizer, and two
 * records that exact dedup would call duplicates land on the same side (none of the validation
 * text is also training text under another record). A record with no text (none the sampler
 * reads) is keyed by its token ids.
 */
export async function loadHoldout(fraction: number): Promise<(doc: Doc, textField: TextField | undefined) => HoldoutSplit> {
  const key = await loadExactKey();
  const below = fraction * TWO_53;
  return (doc, textField) => {
    let text = sampleText(doc.data, textField);
    if (text === '') {
      const t = doc.attrs.tokens;
      text = Array.isArray(t) || t instanceof Int32Array ? `tokens:${Array.from(t as ArrayLike<number>).join(',')}` : '';
    }
    return Number(key(text) >> 11n) < below ? 'valid' : 'train';
  };
}

type Finishing = DocSink & { finish?(): Promise<void> };

/**
 * A sink that hands each record to the sink of its split (`loadHoldout`), keeping the order of
 * the records within each. Closing finishes every sink's last shard before any is published (as
 * LangSplitSink does for its type folders), so a kill between leaves no train/ published beside
 * an unfinished valid/. `textField` is the text field the export reads (set once it is known).
 */
export class HoldoutSink implements DocSink {
  /** Records given to each split. */
  readonly counts: Record<HoldoutSplit, number> = { train: 0, valid: 0 };
  textField: TextField | undefined;

  constructor(
    private readonly sinks: Record<HoldoutSplit, Finishing>,
    private readonly splitOf: (doc: Doc, textField: TextField | undefined) => HoldoutSplit,
    textField?: TextField,
  ) {
    this.textField = textField;
  }

  async write(batch: Doc[]): Promise<void> {
    const parts: Record<HoldoutSplit, Doc[]> = { train: [], valid: [] };
    for (const d of batch) parts[this.splitOf(d, this.textField)].push(d);
    for (const s of HOLDOUT_SPLITS) {
      if (parts[s].length === 0) continue;
      this.counts[s] += parts[s].length;
      await this.sinks[s].write(parts[s]);
    }
  }

  async finish(): Promise<void> {
    for (const s of HOLDOUT_SPLITS) await this.sinks[s].finish?.();
  }

  async close(): Promise<void> {
    await this.finish();
    for (const s of HOLDOUT_SPLITS) await this.sinks[s].close();
  }

  async abort(): Promise<void> {
    await Promise.allSettled(HOLDOUT_SPLITS.map((s) => this.sinks[s].abort()));
  }
}
