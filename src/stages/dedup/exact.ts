/**
 * Exact deduplication: a 64-bit xxHash of the normalised text; the first record with a given
 * hash is kept, later ones are dropped with reason `dedup:exact` and the survivor's source.
 */
import { getText } from '../../core/doc.js';
import type { Stage } from '../../core/stage.js';
import { KeyTable } from './buckets.js';
import { loadXxh64 } from '../../core/xxh64.js';

/** Reject reason of an exact duplicate. */
export const EXACT_REASON = 'dedup:exact';

/**
 * The white space that changes under "every run collapsed to one space": runs of two or more, and
 * a single white-space character other than a space. A lone space (most of them, one per word of
 * prose) is already what its run becomes: `/\s+/g` matched and replaced each one anew (~2.4x the
 * time of this over the mix's texts; bench/RESULTS.md, sixteenth pass).
 */
const SPACE_RUNS = /\s{2,}|[^\S ]/g;

/**
 * The text exact deduplication compares: Unicode NFC, every run of white space (including
 * CR/LF and no-break spaces) collapsed to one space, leading and trailing space removed. Case,
 * punctuation and digits are kept: like Data-Juicer's `document_deduplicator` and NeMo
 * Curator's exact dedup (which hash the raw text), records that differ in wording are never
 * merged here; near duplicates are MinHash's job. The normalisation only absorbs what readers
 * and platforms change without an author's intent (line endings, trailing spaces, NFD vs NFC).
 */
export function normalizeForExact(text: string): string {
  return text.normalize('NFC').replace(SPACE_RUNS, ' ').trim();
}

type Hasher = (s: string) => bigint;
let hasher: Promise<Hasher> | undefined;

/** xxHash64 of a string (UTF-8 bytes), seed 0; the WebAssembly module is loaded once. */
export function loadHash64(): Promise<Hasher> {
  hasher ??= loadXxh64().then((x) => (s: string) => x.string(s));
  return hasher;
}

/** The exact-dedup stage; its key is `xxh64(normalizeForExact(text))`. */
export async function exactStage(options: Record<string, unknown>): Promise<Stage> {
  const h64 = await loadHash64();
  return {
    name: 'dedup',
    needsText: true,
    options: Object.freeze({ ...options }),
    // It keeps or drops records as they are (see minhashStage).
    keepsRecords: true,
    async *run(batches, ctx) {
      const seen = new KeyTable(1024);
      const sources: string[] = [];
      for await (const batch of batches) {
        const out = [];
        for (const doc of batch) {
          const h = h64(normalizeForExact(getText(doc, ctx.textField)));
          const hi = Number(BigInt.asIntN(32, h >> 32n));
          const lo = Number(BigInt.asIntN(32, h));
          const first = seen.putIfAbsent(hi, lo, sources.length);
          if (first === sources.length) {
            sources.push(doc.source);
            out.push(doc);
          } else ctx.reject(doc, EXACT_REASON, { survivor: sources[first] });
        }
        if (out.length > 0) yield out;
      }
    },
  };
}
