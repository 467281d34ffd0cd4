import type { SentencePieceModel } from './sentencepiece-model.js';
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
  /** Ids of mergeable pieces (normal, user-defined, unused), by piece text. */
  private readonly mergeable = new Map<string, number>();
  /** Ids of unknown, control and byte pieces, by piece text (looked up first, as upstream does). */
  private readonly reserved = new Map<string, number>();
  /** Piece scores; for symbol ids past the vocabulary (characters that are no piece) unused. */
  private readonly scores: Float64Array;
  private readonly types: Uint8Array;
  /**
   * Symbols are mergeable pieces (their ids) and characters occurring in some mergeable piece
   * without being one themselves (ids from the vocabulary size up). `charSym[cp]` is a
   * character's symbol, -1 when it occurs in no mergeable piece (it can never merge).
   */
  private readonly charSym: Int32Array;
  /** The text of each symbol id, for the final id lookup. */
  private readonly symText: string[];
  /** Final id of a symbol that ends a merge loop: reserved piece first, then piece, else -1 (unknown). */
  private readonly symFinal: Int32Array;
  /** Open-addressing table (left symbol, right symbol) → merged piece id. */
  private readonly pairL: Int32Array;
  private readonly pairR: Int32Array;
  private readonly pairV: Int32Array;
  private readonly pairMask: number;
  /** Dense index of characters inside mergeable pieces, and the pairs of them adjacent in some piece. */
  private readonly charDense: Int32Array;
  private readonly bigrams = new Set<number>();
  private readonly denseCount: number;
  /** First UTF-16 unit of some user-defined piece: 1. */
  private readonly udFirst = new Uint8Array(0x10000);
  /** User-defined pieces by their first UTF-16 unit, longest first. */
  private readonly userDefined = new Map<number, string[]>();
  private readonly byteIds = new Int32Array(256).fill(-1);
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

  constructor(model: SentencePieceModel, options: BpeEncoderOptions = {}) {
    if (model.trainer.modelType !== ModelType.bpe) {
      throw new Error(`only BPE SentencePiece models are supported; this one has model_type ${model.trainer.modelType}`);
    }
    this.cacheSize = options.cacheSize ?? 200_000;
    this.maxCachedChunk = options.maxCachedChunk ?? 48;
    const n = model.pieces.length;
    this.scores = new Float64Array(n);
    this.types = new Uint8Array(n);
    let unk = -1;
    let hasUnused = false;
    model.pieces.forEach((p, id) => {
      this.scores[id] = p.score;
      this.types[id] = p.type;
      if (p.piece.length === 0) throw new Error(`piece ${id} is empty`);
      const mergeable = p.type === PieceType.normal || p.type === PieceType.userDefined || p.type === PieceType.unused;
      const map = mergeable ? this.mergeable : this.reserved;
      if (map.has(p.piece)) throw new Error(`piece ${JSON.stringify(p.piece)} is defined twice (ids ${map.get(p.piece)} and ${id})`);
      map.set(p.piece, id);
      if (p.type === PieceType.unknown) unk = id;
      if (p.type === PieceType.unused) hasUnused = true;
      if (p.type === PieceType.byte) {
        const m = /^<0x([0-9A-F]{2})>$/.exec(p.piece);
        if (m) this.byteIds[parseInt(m[1], 16)] = id;
      }
      if (p.type === PieceType.userDefined) {
        const first = p.piece.charCodeAt(0);
        this.udFirst[first] = 1;
        const list = this.userDefined.get(first) ?? [];
        list.push(p.piece);
        list.sort((a, b) => b.length - a.length);
        this.userDefined.set(first, list);
      }
    });
    if (unk < 0) throw new Error('the model has no <unk> piece');
    this.unkId = unk;
    this.hasUnused = hasUnused;
    this.byteFallback = model.trainer.byteFallback;
    if (this.byteFallback) {
      for (let b = 0; b < 256; b++) {
        if (this.byteIds[b] < 0) throw new Error(`byte_fallback is on but piece <0x${HEX[b >> 4]}${HEX[b & 15]}> is missing`);
      }
    }

    // Symbols: every mergeable piece, plus each character of a mergeable piece that is no piece.
    this.charSym = new Int32Array(0x110000).fill(-1);
    this.charDense = new Int32Array(0x110000).fill(-1);
    this.symText = model.pieces.map((p) => p.piece);
    let dense = 0;
    for (const [piece] of this.mergeable) {
      for (const ch of piece) {
        const cp = ch.codePointAt(0)!;
        if (this.charDense[cp] < 0) this.charDense[cp] = dense++;
        if (this.charSym[cp] < 0) {
          const id = this.mergeable.get(ch);
          if (id !== undefined) this.charSym[cp] = id;
          else {
            this.charSym[cp] = this.symText.length;
            this.symText.push(ch);
          }
        }
      }
    }
    this.denseCount = dense;
    for (const [piece] of this.mergeable) {
      let prev = -1;
      for (const ch of piece) {
        const d = this.charDense[ch.codePointAt(0)!];
        if (prev >= 0) this.bigrams.add(prev * dense + d);
        prev = d;
      }
    }
    this.symFinal = new Int32Array(this.symText.length);
    this.symText.forEach((t, sym) => {
      this.symFinal[sym] = this.reserved.get(t) ?? this.mergeable.get(t) ?? -1;
    });

    // Merge table: every split of a mergeable piece into two symbols.
    const symOf = (t: string): number => {
      const id = this.mergeable.get(t);
      if (id !== undefined) return id;
      const cp = t.codePointAt(0)!;
      return t.length === (cp > 0xffff ? 2 : 1) ? this.charSym[cp] : -1;
    };
    const entries: number[] = [];
    for (const [piece, id] of this.mergeable) {
      for (let k = 1; k < piece.length; k++) {
        const c = piece.charCodeAt(k);
        if (c >= 0xdc00 && c <= 0xdfff) continue; // never split a surrogate pair
        const l = symOf(piece.slice(0, k));
        const r = symOf(piece.slice(k));
        if (l >= 0 && r >= 0) entries.push(l, r, id);
      }
    }
    let cap = 1;
    while (cap < (entries.length / 3) * 2) cap *= 2;
    this.pairMask = cap - 1;
    this.pairL = new Int32Array(cap).fill(-1);
    this.pairR = new Int32Array(cap);
    this.pairV = new Int32Array(cap);
    for (let e = 0; e < entries.length; e += 3) {
      let h = pairHash(entries[e], entries[e + 1]) & this.pairMask;
      while (this.pairL[h] >= 0) h = (h + 1) & this.pairMask;
      this.pairL[h] = entries[e];
      this.pairR[h] = entries[e + 1];
      this.pairV[h] = entries[e + 2];
    }
  }

  /** The merged piece of two adjacent symbols, or -1. */
  private pairOf(l: number, r: number): number {
    let h = pairHash(l, r) & this.pairMask;
    for (;;) {
      const k = this.pairL[h];
      if (k < 0) return -1;
      if (k === l && this.pairR[h] === r) return this.pairV[h];
      h = (h + 1) & this.pairMask;
    }
  }

  /** Encode normalised text (spaces already escaped), appending ids to `out`. */
  encode(text: string, out: number[] = []): number[] {
    const len = text.length;
    const charDense = this.charDense;
    const bigrams = this.bigrams;
    const dense = this.denseCount;
    const udFirst = this.udFirst;
    let chunkStart = 0;
    let prevD = -1;
    let i = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      // User-defined pieces are matched first, longest first, and never merge with neighbours.
      if (udFirst[c] === 1) {
        const hit = this.userDefined.get(c)!.find((p) => text.startsWith(p, i));
        if (hit !== undefined) {
          if (i > chunkStart) this.encodeChunk(text, chunkStart, i, out);
          out.push(this.mergeable.get(hit)!);
          i += hit.length;
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
      const dCur = charDense[cp];
      if (i > chunkStart && (prevD < 0 || dCur < 0 || !bigrams.has(prevD * dense + dCur))) {
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
      sSym[n] = this.charSym[cp];
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
    const id = this.reserved.get(w) ?? this.mergeable.get(w) ?? this.unkId;
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
