/**
 * Step 5 of MinHash, in memory: decide which records are near duplicates and drop them.
 *
 * Records are visited in survival order (the run's input order for `keep: first`; quality
 * descending, then input order, for `best-quality`). Each band key is looked up in one table
 * that remembers the first record visited with that key. Every band where that first record
 * exists is a candidate; its cluster's survivor (the root of the first record's tree, a kept
 * record) is checked against the visited record, lowest band first, each survivor once. With
 * `verify: 'exact'` (default) the check is the exact Jaccard similarity of the two shingle-hash
 * sets, with `'signature'` the share of signature values that agree, with `'none'` any band
 * match passes. The first survivor that passes takes the record (it is removed in its favour);
 * a record that passes with none is kept. Because the check is made against the survivor
 * itself, every removed record is within `threshold` of the record kept in its place (no
 * chains of near duplicates drifting apart), and a kept record is never removed afterwards:
 * with `keep: first` the stage streams, and the on-disk mode, which collects the same
 * candidates band by band and checks them in the same order, makes the same decisions.
 *
 * Memory per record: its signature (4 bytes × bands × rows = 448 bytes by default; not kept
 * when the stage streams with `verify: 'exact'`, the default), its band
 * keys in the table (12 bytes per slot, 2-4 slots per key at a load of 1/4 to 1/2), its source
 * string, with `verify: 'exact'` the shingles of each kept record (4 bytes per shingle
 * plus 13 bytes, packed in 1 MiB chunks; freed when the record is removed), plus the
 * whole record while `best-quality` holds records until the end.
 */
import type { Doc } from '../../core/doc.js';
import { getText } from '../../core/doc.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { count, emptySummary, observe } from '../../core/stats.js';
import type { MinHashConfig } from './options.js';
import { Shingler } from './shingle.js';
import type { Permutations } from './signature.js';
import { WARM_AFTER, warmMinHash } from './warm.js';
import { makePermutations, signatureInto, similarity } from './signature.js';
import { KeyTable, bandKeys } from './buckets.js';
import { UnionFind } from './cluster.js';
import type { KeepPolicy } from './policy.js';
import { SetArena, jaccardSorted, passes } from './verify.js';
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
  /** Characters left to read before the warm-up (warm.ts). */
  private unwarmed = WARM_AFTER;
  private sigs: Int32Array;
  private readonly keys: Int32Array;
  private readonly table = new KeyTable(1024);
  private readonly forest = new UnionFind();
  /** With `verify: 'exact'`: the shingle set of each record not (yet) removed. */
  private readonly sets: SetArena | undefined;
  /** Records signed so far. */
  count = 0;
  /** Band matches (candidates), and survivor checks that failed (for stats). */
  candidates = 0;
  unverified = 0;

  /**
   * With `streaming: true` (only valid with `verify: 'exact'`, and when every `sign` is
   * followed by its `visit` before the next `sign`), signatures are not kept: the one being
   * judged is all the index needs, because checks use the shingle sets. Saves 4 bytes × k per
   * record.
   */
  private readonly streaming: boolean;

  constructor(
    readonly config: MinHashConfig,
    opts: { streaming?: boolean } = {},
  ) {
    this.k = config.bands * config.rows;
    this.perm = makePermutations(this.k, config.seed);
    this.shingler = new Shingler(config);
    this.streaming = opts.streaming === true && config.verify === 'exact';
    this.sigs = new Int32Array(this.k * (this.streaming ? 1 : 1024));
    this.keys = new Int32Array(2 * config.bands);
    if (config.verify === 'exact') this.sets = new SetArena();
  }

  /** Bytes held by signatures, the band table and the shingle sets (not records or sources). */
  get bytes(): number {
    return this.sigs.byteLength + this.table.bytes + (this.sets?.bytes ?? 0);
  }

  /**
   * Compute and store the signature of `text` (and its shingle set, with `verify: 'exact'`);
   * returns its record number, or -1 when the text has no word or CJK character (such a record
   * is neither deduplicated nor a survivor).
   */
  sign(text: string): number {
    // warm.ts: once the input is long enough for V8 to optimise the loops at all
    if (this.unwarmed > 0 && (this.unwarmed -= text.length) <= 0) warmMinHash(this.shingler, this.perm);
    const sh = this.shingler.shingle(text);
    if (sh.length === 0) return -1;
    const i = this.count++;
    const k = this.k;
    const at = this.offset(i);
    if (at + k > this.sigs.length) {
      const grown = new Int32Array(this.sigs.length * 2);
      grown.set(this.sigs);
      this.sigs = grown;
    }
    signatureInto(sh, this.perm, this.sigs.subarray(at, at + k));
    this.sets?.add(i, sh);
    return i;
  }

  /** Where record `i`'s signature starts in `sigs`. */
  private offset(i: number): number {
    return this.streaming ? 0 : i * this.k;
  }

  /** The signature of record `i` (a view); in streaming mode only the last record signed has one. */
  signatureOf(i: number): Int32Array {
    if (this.streaming && i !== this.count - 1) throw new Error('MinHashIndex: signatures are not kept in streaming mode');
    return this.sigs.subarray(this.offset(i), this.offset(i) + this.k);
  }

  /** Estimated Jaccard similarity of records `i` and `j` (not available in streaming mode). */
  similarity(i: number, j: number): number {
    if (this.streaming) throw new Error('MinHashIndex: signatures are not kept in streaming mode');
    return similarity(this.sigs, i * this.k, this.sigs, j * this.k, this.k);
  }

  /** The similarity the decision uses: exact over the shingle sets with `verify: 'exact'`, else the estimate. */
  private decisive(i: number, j: number): number {
    if (this.sets === undefined) return this.similarity(i, j);
    return jaccardSorted(this.sets.get(i), this.sets.get(j));
  }

  /** Judge record `i`, given that every better record has been visited already. */
  visit(i: number): Verdict {
    const { bands, rows, threshold, verify } = this.config;
    if (this.streaming && i !== this.count - 1) throw new Error('MinHashIndex: in streaming mode visit each record right after signing it');
    const keys = bandKeys(this.sigs, this.offset(i), bands, rows, this.keys);
    let survivor = -1;
    let sim = 1;
    let tried: number[] | undefined;
    for (let band = 0; band < bands; band++) {
      const first = this.table.putIfAbsent(keys[2 * band], keys[2 * band + 1], i);
      if (first === i) continue;
      this.candidates++;
      if (survivor >= 0) continue;
      const root = this.forest.find(first);
      if (tried?.includes(root)) continue;
      const s = this.decisive(i, root);
      if (passes(verify, s, threshold)) {
        survivor = root;
        sim = s;
      } else {
        this.unverified++;
        (tried ??= []).push(root);
      }
    }
    if (survivor < 0) return { survivor: -1, similarity: 1 };
    this.forest.link(i, survivor);
    this.sets?.free(i);
    return { survivor, similarity: sim };
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
    // It keeps or drops records as they are: the writer copies a kept record's input bytes, and
    // its rejects may take a record's JSON as read (JSON.stringify of every record was a third
    // of the dedup command's CPU on the 10 MB slice).
    keepsRecords: true,
    async *run(batches, ctx) {
      let index: MinHashIndex | undefined;
      const sources: string[] = [];
      const summary = (ctx.stats.summaries.similarity ??= emptySummary());
      ctx.stats.lsh = { bands: config.bands, rows: config.rows };
      let byQuality: boolean | undefined = keep === 'first' ? false : keep === 'best-quality' ? true : undefined;
      const drop = (doc: Doc, v: Verdict): void => {
        observe(summary, v.similarity);
        ctx.reject(doc, MINHASH_REASON, { survivor: sources[v.survivor], similarity: round3(v.similarity) });
      };
      const held: Doc[] = [];
      const heldIndex: number[] = [];
      for await (const batch of batches) {
        if (byQuality === undefined && batch.length > 0) byQuality = !Number.isNaN(docScore(batch[0]));
        // Streaming (keep first) with exact checks keeps no signatures.
        index ??= new MinHashIndex(config, { streaming: byQuality === false });
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
      if (index !== undefined && byQuality && held.length > 0) {
        // Every record was held until the input ended (to keep the best-quality copy): counted, so
        // the command can say so (its memory grows with the input; `keep: first` streams).
        count(ctx.stats.counters, 'held_for_quality', held.length);
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
      count(ctx.stats.counters, 'candidates', index?.candidates ?? 0);
      count(ctx.stats.counters, 'candidates_unverified', index?.unverified ?? 0);
    },
  };
}
