/**
 * Exact deduplication: a 64-bit xxHash of the normalised text; the first record with a given
 * hash is kept, later ones are dropped with reason `dedup:exact` and the survivor's source.
 */
import { getText } from '../../core/doc.js';
import type { Stage } from '../../core/stage.js';
import { KeyTable } from './buckets.js';
import { loadXxh64 } from '../../core/xxh64.js';
import { normalizeBounded } from '../../core/streamSafe.js';

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
 * NFC is taken of the Stream-Safe form (core/streamSafe.ts): a run of more than 30 combining marks
 * would otherwise cost time quadratic in its length.
 */
export function normalizeForExact(text: string): string {
  return normalizeBounded(text, 'NFC').replace(SPACE_RUNS, ' ').trim();
}

type Hasher = (s: string) => bigint;
let hasher: Promise<Hasher> | undefined;

/** xxHash64 of a string (UTF-8 bytes), seed 0; the WebAssembly module is loaded once. */
export function loadHash64(): Promise<Hasher> {
  hasher ??= loadXxh64().then((x) => (s: string) => x.string(s));
  return hasher;
}

/** White space as `\s` and `trim` see it. */
function isJsSpace(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

let keyBytes = new Uint8Array(1 << 16);

/**
 * The UTF-8 bytes of `normalizeForExact(text)` (as TextEncoder writes them: a lone surrogate as
 * U+FFFD), written straight from the NFC text into a reused buffer: the white-space collapse and
 * the trim made two whole copies of every text before its hash read it a third time.
 */
export function exactKeyBytes(text: string): Uint8Array {
  const s = normalizeBounded(text, 'NFC');
  const n = s.length;
  if (keyBytes.length < 3 * n) keyBytes = new Uint8Array(Math.max(3 * n, keyBytes.length * 2));
  const b = keyBytes;
  let w = 0;
  let space = false;
  for (let i = 0; i < n; i++) {
    // String.prototype.charCodeAt.call: `s.charCodeAt` goes megamorphic on texts of many string
    // kinds (see Shingler.tokenize, which reads its units the same way)
    let c = String.prototype.charCodeAt.call(s, i);
    if (c < 0x80) {
      if (c === 32 || (c >= 9 && c <= 13)) {
        space = w > 0;
        continue;
      }
      if (space) {
        b[w++] = 32;
        space = false;
      }
      b[w++] = c;
      continue;
    }
    if (isJsSpace(c)) {
      space = w > 0;
      continue;
    }
    if (space) {
      b[w++] = 32;
      space = false;
    }
    if (c < 0x800) {
      b[w++] = 0xc0 | (c >> 6);
      b[w++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = String.prototype.charCodeAt.call(s, i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        b[w++] = 0xf0 | (c >> 18);
        b[w++] = 0x80 | ((c >> 12) & 63);
        b[w++] = 0x80 | ((c >> 6) & 63);
        b[w++] = 0x80 | (c & 63);
        continue;
      }
      c = 0xfffd;
    }
    b[w++] = 0xe0 | (c >> 12);
    b[w++] = 0x80 | ((c >> 6) & 63);
    b[w++] = 0x80 | (c & 63);
  }
  return b.subarray(0, w);
}

/**
 * The exact-dedup key of a text: `xxh64(normalizeForExact(text))`, from `exactKeyBytes` (hashed
 * through core/xxh64, in pieces that never grow the WebAssembly memory).
 */
export async function loadExactKey(): Promise<(text: string) => bigint> {
  const x = await loadXxh64();
  return (text: string) => x.bytes(exactKeyBytes(text));
}

/** The exact-dedup stage; its key is `xxh64(normalizeForExact(text))`. */
export async function exactStage(options: Record<string, unknown>): Promise<Stage> {
  const key = await loadExactKey();
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
          const h = key(getText(doc, ctx.textField));
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
