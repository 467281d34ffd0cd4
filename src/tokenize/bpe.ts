import type { SentencePieceModel } from './sentencepiece-model.js';
import { ModelType, PieceType } from './sentencepiece-model.js';

/** U+2581 LOWER ONE EIGHTH BLOCK: how SentencePiece writes a space inside pieces. */
export const SPACE_SYMBOL = '\u2581';

const HEX = '0123456789ABCDEF';

/** Options of `BpeEncoder`. */
export interface BpeEncoderOptions {
  /** Most chunks kept in the chunk → ids cache before it is emptied. Default 200,000; 0 disables. */
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
 * depend on its neighbours and can be cached: the output is identical to merging the whole text.
 */
export class BpeEncoder {
  /** Ids of mergeable pieces (normal, user-defined, unused), by piece text. */
  private readonly mergeable = new Map<string, number>();
  /** Ids of unknown, control and byte pieces, by piece text (looked up first, as upstream does). */
  private readonly reserved = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly types: Uint8Array;
  /** Code-point pairs that occur inside some mergeable piece: key `a * 0x110000 + b`. */
  private readonly bigrams = new Set<number>();
  /** User-defined pieces by their first UTF-16 unit, longest first. */
  private readonly userDefined = new Map<number, string[]>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly hasUnused: boolean;
  private readonly unkId: number;
  private readonly byteFallback: boolean;
  private readonly cache = new Map<string, number[]>();
  private readonly cacheSize: number;
  private readonly maxCachedChunk: number;

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
      if (mergeable) {
        let prev = -1;
        for (const ch of p.piece) {
          const cp = ch.codePointAt(0)!;
          if (prev >= 0) this.bigrams.add(prev * 0x110000 + cp);
          prev = cp;
        }
      }
      if (p.type === PieceType.userDefined) {
        const first = p.piece.charCodeAt(0);
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
  }

  /** Encode normalised text (spaces already escaped), appending ids to `out`. */
  encode(text: string, out: number[] = []): number[] {
    const len = text.length;
    let chunkStart = 0;
    let prevCp = -1;
    let i = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      // User-defined pieces are matched first, longest first, and never merge with neighbours.
      const ud = this.userDefined.size > 0 ? this.userDefined.get(c) : undefined;
      if (ud !== undefined) {
        const hit = ud.find((p) => text.startsWith(p, i));
        if (hit !== undefined) {
          if (i > chunkStart) this.encodeChunk(text, chunkStart, i, out);
          out.push(this.mergeable.get(hit)!);
          i += hit.length;
          chunkStart = i;
          prevCp = -1;
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
      if (prevCp >= 0 && !this.bigrams.has(prevCp * 0x110000 + cp)) {
        this.encodeChunk(text, chunkStart, i, out);
        chunkStart = i;
      }
      prevCp = cp;
      i += w;
    }
    if (len > chunkStart) this.encodeChunk(text, chunkStart, len, out);
    return out;
  }

  private encodeChunk(text: string, start: number, end: number, out: number[]): void {
    const cacheable = this.cacheSize > 0 && end - start <= this.maxCachedChunk;
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

  /** The BPE merge loop of one chunk: a linked list of symbols and a max-heap of candidate pairs. */
  private merge(text: string, start: number, end: number, out: number[]): void {
    // Symbols: one per code point, as [begin, end) offsets into `text`; merged-away ones get len 0.
    const n0 = end - start;
    if (n0 === 1) {
      this.emit(text.slice(start, end), out, null);
      return;
    }
    const sBegin = new Int32Array(n0);
    const sEnd = new Int32Array(n0);
    const next = new Int32Array(n0);
    const prev = new Int32Array(n0);
    let n = 0;
    for (let i = start; i < end; ) {
      const c = text.charCodeAt(i);
      let w = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) w = 2;
      }
      sBegin[n] = i;
      sEnd[n] = i + w;
      prev[n] = n - 1;
      next[n] = n + 1;
      n++;
      i += w;
    }
    next[n - 1] = -1;

    // Heap of candidate pairs (left symbol, merged length, score).
    const heap = new PairHeap();
    const rev = this.hasUnused ? new Map<string, [string, string]>() : null;
    const consider = (l: number, r: number): void => {
      if (l < 0 || r < 0) return;
      const piece = text.slice(sBegin[l], sEnd[r]);
      const id = this.mergeable.get(piece);
      if (id === undefined) return;
      heap.push(this.scores[id], l, sEnd[r] - sBegin[l]);
      if (rev !== null && this.types[id] === PieceType.unused) {
        rev.set(piece, [text.slice(sBegin[l], sEnd[l]), text.slice(sBegin[r], sEnd[r])]);
      }
    };
    for (let s = 1; s < n; s++) consider(s - 1, s);

    while (heap.size > 0) {
      const l = heap.topLeft();
      const size = heap.topSize();
      heap.pop();
      if (sEnd[l] === sBegin[l]) continue;
      const r = next[l];
      // A stale pair: the left symbol grew, was absorbed, or its neighbour changed.
      if (r < 0 || sEnd[r] - sBegin[l] !== size) continue;
      sEnd[l] = sEnd[r];
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      sEnd[r] = sBegin[r];
      consider(prev[l], l);
      consider(l, next[l]);
    }

    for (let s = 0; s >= 0; s = next[s]) this.emit(text.slice(sBegin[s], sEnd[s]), out, rev);
  }

  /** Map a final symbol to ids: split unused pieces back, fall back to bytes for unknowns. */
  private emit(w: string, out: number[], rev: Map<string, [string, string]> | null): void {
    const id = this.reserved.get(w) ?? this.mergeable.get(w) ?? this.unkId;
    if (rev !== null && this.types[id] === PieceType.unused) {
      const parts = rev.get(w);
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

/**
 * A binary max-heap of merge candidates ordered by score, then by leftmost position: the same
 * order as SentencePiece's `SymbolPairComparator`.
 */
class PairHeap {
  private score: number[] = [];
  private left: number[] = [];
  private len: number[] = [];
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
  }

  push(score: number, left: number, len: number): void {
    let i = this.size++;
    this.score[i] = score;
    this.left[i] = left;
    this.len[i] = len;
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

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.score[0] = this.score[last];
    this.left[0] = this.left[last];
    this.len[0] = this.len[last];
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
