import type { Piece, SentencePieceModel } from './sentencepiece-model.js';
import { ModelType, PieceType } from './sentencepiece-model.js';

/** U+2581 LOWER ONE EIGHTH BLOCK: how SentencePiece writes a space inside pieces. */
export const SPACE_SYMBOL = '\u2581';

const HEX = '0123456789ABCDEF';

/** Options of `BpeEncoder`. */
export interface BpeEncoderOptions {
  /**
   * Most chunks kept in the chunk → ids cache before it is emptied. Default 200,000 (some tens
   * of MB); 0 turns it off. bench/tokenize.ts shows what it buys on a given machine.
   */
  cacheSize?: number;
  /** Chunks longer than this (UTF-16 units) are not cached. Default 48. */
  maxCachedChunk?: number;
}

/**
 * Everything `BpeEncoder` needs from a model, as flat arrays: what `buildBpeTables` derives from
 * the pieces, and what `compiled.ts` writes to and reads from a file, so that a process can skip
 * the derivation (about 0.5 CPU s for InternLM2's 92,544 pieces).
 */
export interface BpeTables {
  /** Number of pieces. */
  vocab: number;
  /** Score and type of each piece. */
  scores: Float64Array;
  types: Uint8Array;
  /** Unknown, control and byte pieces: text and id, in id order. */
  reserved: [string, number][];
  /** User-defined pieces: text and id, in id order. */
  userDefined: [string, number][];
  unkId: number;
  hasUnused: boolean;
  byteFallback: boolean;
  /** Id of the piece `<0xNN>` for each byte, -1 when missing. */
  byteIds: Int32Array;
  /** Texts of the symbols past the vocabulary (characters that are no piece), from id `vocab` up. */
  extraSymbols: string[];
  /** (code point, symbol, dense index) of each character occurring in a mergeable piece. */
  chars: Int32Array;
  /** (left, right) dense indexes of the characters adjacent in some mergeable piece. */
  bigrams: Int32Array;
  /** Final id of each symbol: reserved piece first, then piece, else -1. */
  symFinal: Int32Array;
  /** (left symbol, right symbol, merged piece id) of every split of a mergeable piece into two symbols. */
  pairs: Int32Array;
}

/** Slots of the open-addressing table for `count` keys: a power of two at least twice the count. */
function tableSize(count: number): number {
  let cap = 1;
  while (cap < count * 2) cap *= 2;
  return cap;
}

/**
 * The `width`-int records of `flat` reordered by the home slot of their first two ints in a table
 * of `tableSize` slots (stable), as compiled tables store `pairs` and `bigrams`: inserted in this
 * order the table is written front to back, which costs far fewer cache misses than scattered
 * writes; lookups find the same keys in any order.
 */
export function slotOrder(flat: ArrayLike<number>, width: number): Int32Array {
  const count = flat.length / width;
  const mask = tableSize(count) - 1;
  const start = new Int32Array(mask + 2);
  const home = new Int32Array(count);
  for (let e = 0; e < count; e++) {
    home[e] = pairHash(flat[e * width], flat[e * width + 1]) & mask;
    start[home[e] + 1]++;
  }
  for (let h = 0; h <= mask; h++) start[h + 1] += start[h];
  const out = new Int32Array(flat.length);
  for (let e = 0; e < count; e++) {
    const at = start[home[e]]++ * width;
    for (let k = 0; k < width; k++) out[at + k] = flat[e * width + k];
  }
  return out;
}

/** An open-addressing table of `width`-int records keyed by their first two ints (-1: empty slot), filled in the given order. */
function fillTable(records: Int32Array, width: number): Int32Array {
  const count = records.length / width;
  const mask = tableSize(count) - 1;
  const table = new Int32Array((mask + 1) * width).fill(-1);
  for (let e = 0; e < records.length; e += width) {
    let h = pairHash(records[e], records[e + 1]) & mask;
    while (table[h * width] >= 0) h = (h + 1) & mask;
    for (let k = 0; k < width; k++) table[h * width + k] = records[e + k];
  }
  return table;
}

function isMergeable(type: number): boolean {
  return type === PieceType.normal || type === PieceType.userDefined || type === PieceType.unused;
}

/** Derive the encoder's tables from a model. Throws when the model cannot be encoded with. */
export function buildBpeTables(model: SentencePieceModel): BpeTables {
  if (model.trainer.modelType !== ModelType.bpe) {
    throw new Error(`only BPE SentencePiece models are supported; this one has model_type ${model.trainer.modelType}`);
  }
  const n = model.pieces.length;
  const scores = new Float64Array(n);
  const types = new Uint8Array(n);
  /** Ids of mergeable pieces (normal, user-defined, unused), by piece text. */
  const mergeable = new Map<string, number>();
  /** Ids of unknown, control and byte pieces, by piece text. */
  const reserved = new Map<string, number>();
  const userDefined: [string, number][] = [];
  const byteIds = new Int32Array(256).fill(-1);
  let unk = -1;
  let hasUnused = false;
  model.pieces.forEach((p, id) => {
    scores[id] = p.score;
    types[id] = p.type;
    if (p.piece.length === 0) throw new Error(`piece ${id} is empty`);
    const map = isMergeable(p.type) ? mergeable : reserved;
    if (map.has(p.piece)) throw new Error(`piece ${JSON.stringify(p.piece)} is defined twice (ids ${map.get(p.piece)} and ${id})`);
    map.set(p.piece, id);
    if (p.type === PieceType.unknown) unk = id;
    if (p.type === PieceType.unused) hasUnused = true;
    if (p.type === PieceType.byte) {
      const m = /^<0x([0-9A-F]{2})>$/.exec(p.piece);
      if (m) byteIds[parseInt(m[1], 16)] = id;
    }
    if (p.type === PieceType.userDefined) userDefined.push([p.piece, id]);
  });
  if (unk < 0) throw new Error('the model has no <unk> piece');
  const byteFallback = model.trainer.byteFallback;
  if (byteFallback) {
    for (let b = 0; b < 256; b++) {
      if (byteIds[b] < 0) throw new Error(`byte_fallback is on but piece <0x${HEX[b >> 4]}${HEX[b & 15]}> is missing`);
    }
  }

  // Symbols: every mergeable piece, plus each character of a mergeable piece that is no piece.
  const charSym = new Int32Array(0x110000).fill(-1);
  const charDense = new Int32Array(0x110000).fill(-1);
  const symText = model.pieces.map((p) => p.piece);
  /** The characters in order of their dense index. */
  const charList: number[] = [];
  let dense = 0;
  for (const [piece] of mergeable) {
    for (const ch of piece) {
      const cp = ch.codePointAt(0)!;
      if (charDense[cp] < 0) {
        charDense[cp] = dense++;
        charList.push(cp);
      }
      if (charSym[cp] < 0) {
        const id = mergeable.get(ch);
        if (id !== undefined) charSym[cp] = id;
        else {
          charSym[cp] = symText.length;
          symText.push(ch);
        }
      }
    }
  }
  const bigramSet = new Set<number>();
  const bigrams: number[] = [];
  for (const [piece] of mergeable) {
    let prev = -1;
    for (const ch of piece) {
      const d = charDense[ch.codePointAt(0)!];
      if (prev >= 0) {
        const size = bigramSet.size;
        if (bigramSet.add(prev * dense + d).size > size) bigrams.push(prev, d);
      }
      prev = d;
    }
  }
  const chars = new Int32Array(3 * dense);
  charList.forEach((cp, d) => {
    chars[3 * d] = cp;
    chars[3 * d + 1] = charSym[cp];
    chars[3 * d + 2] = d;
  });
  const symFinal = new Int32Array(symText.length);
  symText.forEach((t, sym) => {
    symFinal[sym] = reserved.get(t) ?? mergeable.get(t) ?? -1;
  });

  // Merge table: every split of a mergeable piece into two symbols.
  const symOf = (t: string): number => {
    const id = mergeable.get(t);
    if (id !== undefined) return id;
    const cp = t.codePointAt(0)!;
    return t.length === (cp > 0xffff ? 2 : 1) ? charSym[cp] : -1;
  };
  const entries: number[] = [];
  for (const [piece, id] of mergeable) {
    for (let k = 1; k < piece.length; k++) {
      const u = piece.charCodeAt(k);
      if (u >= 0xdc00 && u <= 0xdfff) continue; // never split a surrogate pair
      const l = symOf(piece.slice(0, k));
      const r = symOf(piece.slice(k));
      if (l >= 0 && r >= 0) entries.push(l, r, id);
    }
  }
  return {
    vocab: n,
    scores,
    types,
    reserved: [...reserved],
    userDefined,
    unkId: unk,
    hasUnused,
    byteFallback,
    byteIds,
    extraSymbols: symText.slice(n),
    chars,
    bigrams: Int32Array.from(bigrams),
    symFinal,
    pairs: Int32Array.from(entries),
  };
}

/**
 * Encodes normalised text with a SentencePiece BPE model, giving the same ids as the reference
 * C++ `bpe_model.cc` (greedy merge of the adjacent pair whose concatenation is the
 * highest-scoring piece, ties to the leftmost; user-defined pieces frozen; unknown characters
 * split into `<0xNN>` byte pieces when the model has byte fallback).
 *
 * Speed comes from cutting the text into chunks where no piece can ever span the cut (the two
 * characters either side never appear next to each other in any piece), so a chunk's ids do not
 * depend on its neighbours and can be cached: the output is identical to merging the whole
 * text, while each merge loop stays short. Candidate pairs are found in an integer hash table
 * keyed by the two symbols' ids, so the loop allocates no strings.
 */
export class BpeEncoder {
  /** Ids of unknown, control and byte pieces, by piece text (looked up first, as upstream does). */
  private readonly reserved: Map<string, number>;
  /** Ids of mergeable pieces (normal, user-defined, unused) by piece text; made from `pieces` when first needed. */
  private mergeable: Map<string, number> | null = null;
  private readonly pieces: () => readonly Piece[];
  private readonly vocab: number;
  /** Piece scores; for symbol ids past the vocabulary (characters that are no piece) unused. */
  private readonly scores: Float64Array;
  private readonly types: Uint8Array;
  /**
   * Symbols are mergeable pieces (their ids) and characters occurring in some mergeable piece
   * without being one themselves (ids from the vocabulary size up). `charSym[cp] - 1` is a
   * character's symbol, -1 when it occurs in no mergeable piece (it can never merge). Stored
   * plus one so that the 4.4 MB array needs no fill: pages of characters no piece holds are
   * never written, so never touched.
   */
  private readonly charSym = new Int32Array(0x110000);
  /** Final id of a symbol that ends a merge loop: reserved piece first, then piece, else -1 (unknown). */
  private readonly symFinal: Int32Array;
  /** Open-addressing table (left symbol, right symbol) → merged piece id, as (left, right, id) slots of 3 ints. */
  private readonly pairs: Int32Array;
  private readonly pairMask: number;
  /** Dense index of characters inside mergeable pieces (plus one, as `charSym`), and the pairs of them adjacent in some piece. */
  private readonly charDense = new Int32Array(0x110000);
  /** Open-addressing set of (left, right) dense indexes, as slots of 2 ints. */
  private readonly bigrams: Int32Array;
  private readonly bigramMask: number;
  /** First UTF-16 unit of some user-defined piece: 1. */
  private readonly udFirst = new Uint8Array(0x10000);
  /** User-defined pieces (text, id) by their first UTF-16 unit, longest first. */
  private readonly userDefined = new Map<number, [string, number][]>();
  private readonly byteIds: Int32Array;
  private readonly hasUnused: boolean;
  private readonly unkId: number;
  private readonly byteFallback: boolean;
  private readonly cache = new Map<string, number[]>();
  private readonly cacheSize: number;
  private readonly maxCachedChunk: number;
  // Work buffers of the merge loop, grown on demand.
  private sBegin = new Int32Array(64);
  private sEnd = new Int32Array(64);
  private sSym = new Int32Array(64);
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  private readonly heap = new PairHeap();

  /**
   * An encoder for `model`, with the tables `tables` when given (they must be what
   * `buildBpeTables(model)` gives; `compiled.ts` reads them from a file), else derived from the
   * model. With `tables`, `model.pieces` is only read for a text the tables cannot answer.
   */
  constructor(model: SentencePieceModel, options: BpeEncoderOptions = {}, tables: BpeTables = buildBpeTables(model)) {
    this.cacheSize = options.cacheSize ?? 200_000;
    this.maxCachedChunk = options.maxCachedChunk ?? 48;
    this.pieces = () => model.pieces;
    this.vocab = tables.vocab;
    this.scores = tables.scores;
    this.types = tables.types;
    this.reserved = new Map(tables.reserved);
    for (const [piece, id] of tables.userDefined) {
      const first = piece.charCodeAt(0);
      this.udFirst[first] = 1;
      const list = this.userDefined.get(first) ?? [];
      list.push([piece, id]);
      list.sort((a, b) => b[0].length - a[0].length);
      this.userDefined.set(first, list);
    }
    this.unkId = tables.unkId;
    this.hasUnused = tables.hasUnused;
    this.byteFallback = tables.byteFallback;
    this.byteIds = tables.byteIds;
    const chars = tables.chars;
    for (let c = 0; c < chars.length; c += 3) {
      this.charSym[chars[c]] = chars[c + 1] + 1;
      this.charDense[chars[c]] = chars[c + 2] + 1;
    }
    this.bigrams = fillTable(tables.bigrams, 2);
    this.bigramMask = this.bigrams.length / 2 - 1;
    this.symFinal = tables.symFinal;
    this.pairs = fillTable(tables.pairs, 3);
    this.pairMask = this.pairs.length / 3 - 1;
  }

  /** The id of the mergeable piece `t`, or undefined. */
  private mergeableId(t: string): number | undefined {
    // A single character is a mergeable piece exactly when its symbol is a piece id.
    const cp = t.codePointAt(0);
    if (cp !== undefined && t.length === (cp > 0xffff ? 2 : 1)) {
      const sym = this.charSym[cp] - 1;
      return sym >= 0 && sym < this.vocab ? sym : undefined;
    }
    if (this.mergeable === null) {
      const map = new Map<string, number>();
      this.pieces().forEach((p, id) => {
        if (isMergeable(p.type)) map.set(p.piece, id);
      });
      this.mergeable = map;
    }
    return this.mergeable.get(t);
  }

  /** The merged piece of two adjacent symbols, or -1. */
  private pairOf(l: number, r: number): number {
    const pairs = this.pairs;
    let h = pairHash(l, r) & this.pairMask;
    for (;;) {
      const k = pairs[h * 3];
      if (k < 0) return -1;
      if (k === l && pairs[h * 3 + 1] === r) return pairs[h * 3 + 2];
      h = (h + 1) & this.pairMask;
    }
  }

  /** Whether the characters of dense indexes `a`, `b` are adjacent in some mergeable piece. */
  private bigram(a: number, b: number): boolean {
    const bigrams = this.bigrams;
    let h = pairHash(a, b) & this.bigramMask;
    for (;;) {
      const k = bigrams[h * 2];
      if (k < 0) return false;
      if (k === a && bigrams[h * 2 + 1] === b) return true;
      h = (h + 1) & this.bigramMask;
    }
  }

  /** Encode normalised text (spaces already escaped), appending ids to `out`. */
  encode(text: string, out: number[] = []): number[] {
    const len = text.length;
    const charDense = this.charDense;
    const udFirst = this.udFirst;
    let chunkStart = 0;
    let prevD = -1;
    let i = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      // User-defined pieces are matched first, longest first, and never merge with neighbours.
      if (udFirst[c] === 1) {
        const hit = this.userDefined.get(c)!.find((p) => text.startsWith(p[0], i));
        if (hit !== undefined) {
          if (i > chunkStart) this.encodeChunk(text, chunkStart, i, out);
          out.push(hit[1]);
          i += hit[0].length;
          chunkStart = i;
          prevD = -1;
          continue;
        }
      }
      let cp = c;
      let w = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
          w = 2;
        }
      }
      // Cut where no piece holds these two characters side by side: no merge can cross the cut.
      const dCur = charDense[cp] - 1;
      if (i > chunkStart && (prevD < 0 || dCur < 0 || !this.bigram(prevD, dCur))) {
        this.encodeChunk(text, chunkStart, i, out);
        chunkStart = i;
      }
      prevD = dCur;
      i += w;
    }
    if (len > chunkStart) this.encodeChunk(text, chunkStart, len, out);
    return out;
  }

  private encodeChunk(text: string, start: number, end: number, out: number[]): void {
    const cacheable = this.cacheSize > 0 && end - start <= this.maxCachedChunk && end - start > 1;
    if (cacheable) {
      const key = text.slice(start, end);
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        for (let k = 0; k < hit.length; k++) out.push(hit[k]);
        return;
      }
      const ids: number[] = [];
      this.merge(key, 0, key.length, ids);
      if (this.cache.size >= this.cacheSize) this.cache.clear();
      this.cache.set(key, ids);
      for (let k = 0; k < ids.length; k++) out.push(ids[k]);
      return;
    }
    this.merge(text, start, end, out);
  }

  private grow(n: number): void {
    if (this.sBegin.length >= n) return;
    let cap = this.sBegin.length;
    while (cap < n) cap *= 2;
    this.sBegin = new Int32Array(cap);
    this.sEnd = new Int32Array(cap);
    this.sSym = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.prev = new Int32Array(cap);
  }

  /** The BPE merge loop of one chunk: a linked list of symbols and a max-heap of candidate pairs. */
  private merge(text: string, start: number, end: number, out: number[]): void {
    this.grow(end - start);
    const { sBegin, sEnd, sSym, next, prev, heap } = this;
    // One symbol per code point, as [begin, end) offsets into `text`; merged-away ones get length 0.
    let n = 0;
    for (let i = start; i < end; ) {
      const c = text.charCodeAt(i);
      let cp = c;
      let w = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
          w = 2;
        }
      }
      sBegin[n] = i;
      sEnd[n] = i + w;
      sSym[n] = this.charSym[cp] - 1;
      prev[n] = n - 1;
      next[n] = n + 1;
      n++;
      i += w;
    }
    next[n - 1] = -1;

    // Upstream keeps, for unused pieces, how each was last formed, to split it back at the end.
    const rev = this.hasUnused ? new Map<number, [string, string]>() : null;
    heap.size = 0;
    for (let s = 1; s < n; s++) this.consider(text, s - 1, s, rev);

    while (heap.size > 0) {
      const l = heap.topLeft();
      const size = heap.topSize();
      const merged = heap.topPiece();
      heap.pop();
      if (sEnd[l] === sBegin[l]) continue;
      const r = next[l];
      // A stale pair: the left symbol grew, was absorbed, or its neighbour changed.
      if (r < 0 || sEnd[r] - sBegin[l] !== size) continue;
      sEnd[l] = sEnd[r];
      sSym[l] = merged;
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      sEnd[r] = sBegin[r];
      if (prev[l] >= 0) this.consider(text, prev[l], l, rev);
      if (next[l] >= 0) this.consider(text, l, next[l], rev);
    }

    for (let s = 0; s >= 0; s = next[s]) {
      const sym = sSym[s];
      const id = sym >= 0 ? this.symFinal[sym] : -1;
      if (id >= 0 && !(rev !== null && this.types[id] === PieceType.unused)) out.push(id);
      else this.emit(text.slice(sBegin[s], sEnd[s]), out, rev);
    }
  }

  private consider(text: string, l: number, r: number, rev: Map<number, [string, string]> | null): void {
    const a = this.sSym[l];
    const b = this.sSym[r];
    if (a < 0 || b < 0) return;
    const id = this.pairOf(a, b);
    if (id < 0) return;
    this.heap.push(this.scores[id], l, this.sEnd[r] - this.sBegin[l], id);
    if (rev !== null && this.types[id] === PieceType.unused) {
      rev.set(id, [text.slice(this.sBegin[l], this.sEnd[l]), text.slice(this.sBegin[r], this.sEnd[r])]);
    }
  }

  /** Map a final symbol to ids: split unused pieces back, fall back to bytes for unknowns. */
  private emit(w: string, out: number[], rev: Map<number, [string, string]> | null): void {
    const id = this.reserved.get(w) ?? this.mergeableId(w) ?? this.unkId;
    if (rev !== null && this.types[id] === PieceType.unused) {
      const parts = rev.get(id);
      if (parts !== undefined) {
        this.emit(parts[0], out, rev);
        this.emit(parts[1], out, rev);
        return;
      }
    }
    if (id === this.unkId && this.byteFallback) {
      for (const b of Buffer.from(w, 'utf8')) out.push(this.byteIds[b]);
      return;
    }
    out.push(id);
  }
}

function pairHash(l: number, r: number): number {
  return (Math.imul(l, 0x9e3779b1) ^ Math.imul(r, 0x85ebca6b)) >>> 0;
}

/**
 * A binary max-heap of merge candidates ordered by score, then by leftmost position: the same
 * order as SentencePiece's `SymbolPairComparator`.
 */
class PairHeap {
  private score: number[] = [];
  private left: number[] = [];
  private len: number[] = [];
  private piece: number[] = [];
  size = 0;

  private above(i: number, j: number): boolean {
    const a = this.score[i];
    const b = this.score[j];
    return a > b || (a === b && this.left[i] < this.left[j]);
  }

  private swap(i: number, j: number): void {
    let t = this.score[i];
    this.score[i] = this.score[j];
    this.score[j] = t;
    t = this.left[i];
    this.left[i] = this.left[j];
    this.left[j] = t;
    t = this.len[i];
    this.len[i] = this.len[j];
    this.len[j] = t;
    t = this.piece[i];
    this.piece[i] = this.piece[j];
    this.piece[j] = t;
  }

  push(score: number, left: number, len: number, piece: number): void {
    let i = this.size++;
    this.score[i] = score;
    this.left[i] = left;
    this.len[i] = len;
    this.piece[i] = piece;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  topLeft(): number {
    return this.left[0];
  }

  topSize(): number {
    return this.len[0];
  }

  topPiece(): number {
    return this.piece[0];
  }

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.score[0] = this.score[last];
    this.left[0] = this.left[last];
    this.len[0] = this.len[last];
    this.piece[0] = this.piece[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.above(l, m)) m = l;
      if (r < last && this.above(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
