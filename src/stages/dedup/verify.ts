/**
 * Verification of a MinHash candidate: is the record really within `threshold` of the record
 * that would be kept in its place?
 *
 * A band match only says that 8 signature values agree. Checking the estimate over all 112
 * values (`verify: 'signature'`) still has a standard error of about 0.04 at J = 0.72, so about
 * half of the candidates with a true J just under the threshold pass. `verify: 'exact'` (the
 * default) computes the exact Jaccard similarity of the two records' shingle-hash sets, which
 * are what the signature estimates: a record is removed only when its exact J with its
 * survivor is at least the threshold. The cost is memory (in-memory mode: 4 bytes per distinct
 * shingle of every kept record) or disk (on-disk mode: the same, per signed record), plus one
 * merge of two sorted arrays per candidate.
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
