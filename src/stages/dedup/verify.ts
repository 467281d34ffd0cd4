/**
 * Verification of a MinHash candidate: is the record really within `threshold` of the record
 * that would be kept in its place?
 *
 * A band match only says that 8 signature values agree. Checking the estimate over all 112
 * values (`verify: 'signature'`) still has a standard error of about 0.04 at J = 0.72, so about
 * half of the candidates with a true J just under the threshold pass. `verify: 'exact'` (the
 * default) computes the exact Jaccard similarity of the two records' shingle-hash sets, which
 * are what the signature estimates: a record is removed only when its exact J with its
 * survivor is at least the threshold. The cost is memory (in-memory mode: 4 bytes per shingle
 * of every kept record, about 0.5-0.7 bytes per byte of English text) or disk (on-disk mode:
 * the same, per signed record), a copy of the shingles per record, and a sort and a merge per
 * record taking part in a check.
 */
/** How a candidate pair is checked before a record is removed. */
export type VerifyMode = 'exact' | 'signature' | 'none';

/** The verification modes, default first. */
export const VERIFY_MODES: readonly VerifyMode[] = ['exact', 'signature', 'none'];

/**
 * The set of `shingles` as a new sorted (signed int32 order) array without repeats: what
 * `jaccardSorted` compares.
 */
export function shingleSet(shingles: Int32Array): Int32Array {
  const s = Int32Array.from(shingles).sort();
  let n = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) s[n++] = s[i];
  return n === s.length ? s : s.slice(0, n);
}

/** Exact Jaccard similarity of two sets made by `shingleSet` (one merge pass). */
export function jaccardSorted(a: Int32Array, b: Int32Array): number {
  const na = a.length;
  const nb = b.length;
  if (na === 0 && nb === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < na && j < nb) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      inter++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return inter / (na + nb - inter);
}

/** Whether a candidate with similarity `s` is removed. */
export function passes(mode: VerifyMode, s: number, threshold: number): boolean {
  return mode === 'none' || s >= threshold;
}

/**
 * The shingle sets of the in-memory mode, packed in fixed-size chunks (no object per record): 4
 * bytes per shingle plus 13 bytes per record. A record's shingles are stored as they come (a
 * copy) and turned into a set (sorted, repeats dropped, in place) only when the record first
 * takes part in a check, which few records do: signing pays a copy, not a sort. A set longer
 * than a chunk has a chunk of its own.
 *
 * Why chunks: one array that doubled copied every stored shingle again at each doubling, and
 * touched twice the memory it kept (page faults; `SetArena.add` and its growth were ~45 ms and
 * 14 % of the page faults of `corpus-clean dedup` on the 10 MB slice of issue #16). A chunk is
 * written once and never moved, except by compaction.
 *
 * Freed space: the set freed last, when it is the last one added (a streaming `keep: first`
 * run frees a duplicate's set right after adding it), is given back at once; a chunk whose sets
 * are all freed is dropped; once the chunks hold more than twice the live sets (and a chunk more),
 * the live sets are compacted into new chunks.
 */
export class SetArena {
  private readonly chunkInts: number;
  private chunks: (Int32Array | undefined)[] = [];
  /** Live sets in each chunk (an empty set counts: it still names its chunk). */
  private chunkSets: number[] = [];
  /** The chunk small sets go to, and ints used in it. */
  private cur = -1;
  private used = 0;
  /** Ints of live sets, and ints the chunks hold. */
  private live = 0;
  private held = 0;
  private chunk = new Int32Array(1024);
  private start = new Int32Array(1024);
  private len = new Int32Array(1024).fill(-1);
  private ready = new Uint8Array(1024);

  /** `chunkInts`: ints per chunk (default 256 Ki: 1 MiB). */
  constructor(chunkInts = 1 << 18) {
    if (!Number.isInteger(chunkInts) || chunkInts < 1) throw new Error(`SetArena: chunkInts must be a positive integer, got ${chunkInts}`);
    this.chunkInts = chunkInts;
  }

  /** Bytes of the live sets and the per-record index (without spare capacity). */
  get liveBytes(): number {
    return this.live * 4 + this.indexBytes;
  }

  /** Bytes held, spare capacity included. */
  get bytes(): number {
    return this.held * 4 + this.indexBytes;
  }

  private get indexBytes(): number {
    return this.chunk.byteLength + this.start.byteLength + this.len.byteLength + this.ready.byteLength;
  }

  /** Store the shingles of record `i` (records are added in increasing order). */
  add(i: number, shingles: Int32Array): void {
    if (i >= this.len.length) this.growIndex(i);
    const n = shingles.length;
    if (!this.fits(n) && this.held > 2 * this.live + this.chunkInts) this.compact();
    const c = this.place(n);
    const at = this.at;
    this.chunks[c]!.set(shingles, at);
    this.chunk[i] = c;
    this.start[i] = at;
    this.len[i] = n;
    this.ready[i] = 0;
    this.chunkSets[c]++;
    this.live += n;
  }

  /** Record `i`'s set, sorted without repeats (a view, valid until the next `add` or `free`); throws when absent. */
  get(i: number): Int32Array {
    const n = this.len[i];
    if (n === undefined || n < 0) throw new Error(`SetArena: no set for record ${i}`);
    const at = this.start[i];
    const data = this.chunks[this.chunk[i]]!;
    if (this.ready[i] === 0) {
      const view = data.subarray(at, at + n).sort();
      let m = 0;
      for (let j = 0; j < n; j++) if (j === 0 || view[j] !== view[j - 1]) view[m++] = view[j];
      this.len[i] = m;
      this.live -= n - m;
      this.ready[i] = 1;
      return view.subarray(0, m);
    }
    return data.subarray(at, at + n);
  }

  /** Forget record `i`'s set. */
  free(i: number): void {
    const n = this.len[i];
    if (n === undefined || n < 0) return;
    const c = this.chunk[i];
    this.len[i] = -1;
    this.live -= n;
    this.chunkSets[c]--;
    // the last set added to the current chunk: its space is free again (a set made ready
    // shrank in place, so its end is not `used`; its space waits for compaction)
    if (c === this.cur && this.start[i] + n === this.used) this.used = this.start[i];
    if (this.chunkSets[c] === 0 && c !== this.cur) this.dropChunk(c);
  }

  private growIndex(i: number): void {
    let cap = this.len.length;
    while (cap <= i) cap *= 2;
    const ch = new Int32Array(cap);
    ch.set(this.chunk);
    const st = new Int32Array(cap);
    st.set(this.start);
    const ln = new Int32Array(cap).fill(-1);
    ln.set(this.len);
    const rd = new Uint8Array(cap);
    rd.set(this.ready);
    this.chunk = ch;
    this.start = st;
    this.len = ln;
    this.ready = rd;
  }

  /** Whether a set of `n` ints fits in the current chunk. */
  private fits(n: number): boolean {
    return this.cur >= 0 && this.used + n <= this.chunks[this.cur]!.length;
  }

  /** Offset of the set `place` placed last. */
  private at = 0;

  /** Find room for a set of `n` ints: returns its chunk, its offset in `at`. */
  private place(n: number): number {
    if (this.fits(n)) {
      this.at = this.used;
      this.used += n;
      return this.cur;
    }
    this.at = 0;
    // a set longer than a chunk gets one of its own size, beside the chunk of small sets
    if (n > this.chunkInts) return this.newChunk(n);
    this.cur = this.newChunk(this.chunkInts);
    this.used = n;
    return this.cur;
  }

  /** A new chunk of `ints`; returns its number (a dropped chunk's number is taken again). */
  private newChunk(ints: number): number {
    let c = this.chunks.indexOf(undefined);
    if (c < 0) c = this.chunks.length;
    this.chunks[c] = new Int32Array(ints);
    this.chunkSets[c] = 0;
    this.held += ints;
    return c;
  }

  private dropChunk(c: number): void {
    this.held -= this.chunks[c]!.length;
    this.chunks[c] = undefined;
  }

  /** Copy the live sets into new chunks (in record order); the old chunks are dropped. */
  private compact(): void {
    const old = this.chunks;
    this.chunks = [];
    this.chunkSets = [];
    this.held = 0;
    this.cur = -1;
    this.used = 0;
    for (let i = 0; i < this.len.length; i++) {
      const n = this.len[i];
      if (n < 0) continue;
      const c = this.place(n);
      const at = this.at;
      this.chunks[c]!.set(old[this.chunk[i]]!.subarray(this.start[i], this.start[i] + n), at);
      this.chunk[i] = c;
      this.start[i] = at;
      this.chunkSets[c]++;
    }
  }
}
