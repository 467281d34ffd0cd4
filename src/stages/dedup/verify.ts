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
 * The shingle sets of the in-memory mode, packed in one growing array (no object per record):
 * 4 bytes per shingle plus 13 bytes per record. A record's shingles are stored as they come (a
 * copy) and turned into a set (sorted, repeats dropped, in place) only when the record first
 * takes part in a check, which few records do: signing pays a copy, not a sort. A freed set's
 * space is reclaimed by compaction once freed space exceeds the live sets.
 */
export class SetArena {
  private data = new Int32Array(1 << 16);
  private used = 0;
  private live = 0;
  private start = new Float64Array(1024);
  private len = new Int32Array(1024).fill(-1);
  private ready = new Uint8Array(1024);

  /** Bytes of the live sets and the per-record index (without spare capacity). */
  get liveBytes(): number {
    return this.live * 4 + this.start.byteLength + this.len.byteLength + this.ready.byteLength;
  }

  /** Bytes held, spare capacity included. */
  get bytes(): number {
    return this.data.byteLength + this.start.byteLength + this.len.byteLength + this.ready.byteLength;
  }

  /** Store the shingles of record `i` (records are added in increasing order). */
  add(i: number, shingles: Int32Array): void {
    if (i >= this.len.length) {
      let cap = this.len.length;
      while (cap <= i) cap *= 2;
      const st = new Float64Array(cap);
      st.set(this.start);
      const ln = new Int32Array(cap).fill(-1);
      ln.set(this.len);
      const rd = new Uint8Array(cap);
      rd.set(this.ready);
      this.start = st;
      this.len = ln;
      this.ready = rd;
    }
    const n = shingles.length;
    if (this.used + n > this.data.length) this.reserve(n);
    this.data.set(shingles, this.used);
    this.start[i] = this.used;
    this.len[i] = n;
    this.ready[i] = 0;
    this.used += n;
    this.live += n;
  }

  /** Record `i`'s set, sorted without repeats (a view, valid until the next `add` or `free`); throws when absent. */
  get(i: number): Int32Array {
    const n = this.len[i];
    if (n === undefined || n < 0) throw new Error(`SetArena: no set for record ${i}`);
    const at = this.start[i];
    if (this.ready[i] === 0) {
      const view = this.data.subarray(at, at + n).sort();
      let m = 0;
      for (let j = 0; j < n; j++) if (j === 0 || view[j] !== view[j - 1]) view[m++] = view[j];
      this.len[i] = m;
      this.live -= n - m;
      this.ready[i] = 1;
      return view.subarray(0, m);
    }
    return this.data.subarray(at, at + n);
  }

  /** Forget record `i`'s set. */
  free(i: number): void {
    const n = this.len[i];
    if (n === undefined || n < 0) return;
    this.len[i] = -1;
    this.live -= n;
    if (this.used - this.live > Math.max(this.live, 1 << 20)) this.compact(this.data.length);
  }

  private reserve(n: number): void {
    if (this.used - this.live > this.live) this.compact(this.data.length);
    if (this.used + n <= this.data.length) return;
    let cap = this.data.length;
    while (this.used + n > cap) cap *= 2;
    const d = new Int32Array(cap);
    d.set(this.data.subarray(0, this.used));
    this.data = d;
  }

  /** Move the live sets to the front (in record order, which is also their order in `data`). */
  private compact(cap: number): void {
    const d = new Int32Array(cap);
    let at = 0;
    for (let i = 0; i < this.len.length; i++) {
      const n = this.len[i];
      if (n < 0) continue;
      d.set(this.data.subarray(this.start[i], this.start[i] + n), at);
      this.start[i] = at;
      at += n;
    }
    this.data = d;
    this.used = at;
  }
}
