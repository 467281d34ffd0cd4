/**
 * Step 5 of MinHash, in memory: decide which records are near duplicates and drop them.
 *
 * Records are visited in survival order (the run's input order for `keep: first`; quality
 * descending, then input order, for `best-quality`). Each band key is looked up in one table
 * that remembers the first record visited with that key. A record is a duplicate when, in
 * some band (the lowest-numbered one decides), that first record exists and — with `verify` —
 * the two signatures agree on at least `threshold` of their values. It is linked under that
 * record in the union-find forest; the root it reaches is its survivor. A record that matches
 * nothing better is kept. So a record is only ever removed because of a direct, verified
 * match with a better record, and a kept record is never removed afterwards: with
 * `keep: first` the stage streams (a record is emitted as soon as it is judged), and the
 * on-disk mode, which sees the same buckets band by band, makes the same decisions.
 *
 * Memory per record: its signature (4 bytes × bands × rows = 448 bytes by default), its band
 * keys in the table (12 bytes per slot, 2-4 slots per key at a load of 1/4 to 1/2), its source
 * string, plus the whole record while `best-quality` holds records until the end.
 */
import type { Doc } from '../../core/doc.js';
import { getText } from '../../core/doc.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { count, emptySummary, observe } from '../../core/stats.js';
import type { MinHashConfig } from './options.js';
import { Shingler } from './shingle.js';
import type { Permutations } from './signature.js';
import { makePermutations, signatureInto, similarity } from './signature.js';
import { KeyTable, bandKeys } from './buckets.js';
import { UnionFind } from './cluster.js';
import type { KeepPolicy } from './policy.js';
import { compareSurvival, docScore } from './policy.js';

/** Reject reason of a near duplicate. */
export const MINHASH_REASON = 'dedup:minhash';

/** What `MinHashIndex.visit` decided about a record. */
export interface Verdict {
  /** Index of the survivor (a kept record), or -1 when the record is kept. */
  survivor: number;
  /** Estimated Jaccard similarity with the survivor (1 when kept). */
  similarity: number;
}

/**
 * The in-memory MinHash state: signatures of all records seen, the band-key table and the
 * union-find forest. Records are numbered 0, 1, 2, ... in the order `sign` is called; `visit`
 * must then be called in survival order (for streaming, right after `sign`).
 */
export class MinHashIndex {
  readonly k: number;
  readonly perm: Permutations;
  private readonly shingler: Shingler;
  private sigs: Int32Array;
  private readonly keys: Int32Array;
  private readonly table = new KeyTable(1024);
  private readonly forest = new UnionFind();
  /** Records signed so far. */
  count = 0;
  /** Band matches checked, and those that failed verification (for stats). */
  candidates = 0;
  unverified = 0;

  constructor(readonly config: MinHashConfig) {
    this.k = config.bands * config.rows;
    this.perm = makePermutations(this.k, config.seed);
    this.shingler = new Shingler(config);
    this.sigs = new Int32Array(this.k * 1024);
    this.keys = new Int32Array(2 * config.bands);
  }

  /** Bytes held by signatures and the band table (not counting records or sources). */
  get bytes(): number {
    return this.sigs.byteLength + this.table.bytes;
  }

  /**
   * Compute and store the signature of `text`; returns its record number, or -1 when the text
   * has no word or CJK character (such a record is neither deduplicated nor a survivor).
   */
  sign(text: string): number {
    const sh = this.shingler.shingle(text);
    if (sh.length === 0) return -1;
    const i = this.count++;
    const k = this.k;
    if ((i + 1) * k > this.sigs.length) {
      const grown = new Int32Array(this.sigs.length * 2);
      grown.set(this.sigs);
      this.sigs = grown;
    }
    signatureInto(sh, this.perm, this.sigs.subarray(i * k, (i + 1) * k));
    return i;
  }

  /** The signature of record `i` (a view). */
  signatureOf(i: number): Int32Array {
    return this.sigs.subarray(i * this.k, (i + 1) * this.k);
  }

  /** Estimated Jaccard similarity of records `i` and `j`. */
  similarity(i: number, j: number): number {
    return similarity(this.sigs, i * this.k, this.sigs, j * this.k, this.k);
  }

  /** Judge record `i`, given that every better record has been visited already. */
  visit(i: number): Verdict {
    const { bands, rows, threshold, verify } = this.config;
    const keys = bandKeys(this.sigs, i * this.k, bands, rows, this.keys);
    let parent = -1;
    for (let band = 0; band < bands; band++) {
      const first = this.table.putIfAbsent(keys[2 * band], keys[2 * band + 1], i);
      if (first === i || parent >= 0) continue;
      this.candidates++;
      if (!verify || this.similarity(i, first) >= threshold) parent = first;
      else this.unverified++;
    }
    if (parent < 0) return { survivor: -1, similarity: 1 };
    this.forest.link(i, parent);
    const survivor = this.forest.find(i);
    return { survivor, similarity: this.similarity(i, survivor) };
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The in-memory MinHash stage. `keep: first` streams; `best-quality` (and `auto` when the first
 * record carries `attrs.quality.score`) holds every record until the input ends, then emits the
 * kept ones in input order.
 */
export function minhashStage(config: MinHashConfig, keep: KeepPolicy, options: Record<string, unknown>): Stage {
  return {
    name: 'dedup',
    needsText: true,
    options: Object.freeze({ ...options }),
    async *run(batches, ctx) {
      const index = new MinHashIndex(config);
      const sources: string[] = [];
      const summary = (ctx.stats.summaries.similarity ??= emptySummary());
      let byQuality: boolean | undefined = keep === 'first' ? false : keep === 'best-quality' ? true : undefined;
      const drop = (doc: Doc, v: Verdict): void => {
        observe(summary, v.similarity);
        ctx.reject(doc, MINHASH_REASON, { survivor: sources[v.survivor], similarity: round3(v.similarity) });
      };
      const held: Doc[] = [];
      const heldIndex: number[] = [];
      for await (const batch of batches) {
        if (byQuality === undefined && batch.length > 0) byQuality = !Number.isNaN(docScore(batch[0]));
        const out: Doc[] = [];
        for (const doc of batch) {
          const i = index.sign(getText(doc, ctx.textField));
          if (i < 0) count(ctx.stats.counters, 'no_shingles');
          else sources.push(doc.source);
          if (byQuality) {
            held.push(doc);
            heldIndex.push(i);
            continue;
          }
          if (i < 0) {
            out.push(doc);
            continue;
          }
          const v = index.visit(i);
          if (v.survivor < 0) out.push(doc);
          else drop(doc, v);
        }
        if (out.length > 0) yield out;
      }
      if (byQuality && held.length > 0) {
        const n = index.count;
        const scores = new Float64Array(n);
        const docOf: Doc[] = new Array(n);
        held.forEach((d, h) => {
          const i = heldIndex[h];
          if (i >= 0) {
            scores[i] = docScore(d);
            docOf[i] = d;
          }
        });
        const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareSurvival(true, scores[a], a, scores[b], b));
        const verdicts: Verdict[] = new Array(n);
        for (const i of order) verdicts[i] = index.visit(i);
        let out: Doc[] = [];
        for (let h = 0; h < held.length; h++) {
          const i = heldIndex[h];
          const doc = held[h];
          if (i >= 0 && verdicts[i].survivor >= 0) drop(doc, verdicts[i]);
          else out.push(doc);
          if (out.length >= 1000) {
            yield out;
            out = [];
          }
        }
        if (out.length > 0) yield out;
      }
      count(ctx.stats.counters, 'candidates', index.candidates);
      count(ctx.stats.counters, 'candidates_unverified', index.unverified);
    },
  };
}
