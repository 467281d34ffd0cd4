import type { Shingler } from './shingle.js';
import type { Permutations } from './signature.js';
import { signatureInto } from './signature.js';

/**
 * Warm-up texts for MinHash: between them they take every branch of `Shingler.shingle` (words,
 * digits, Han and Kana, supplementary-plane Han and letters, stray surrogates, a text lowered
 * whole (Σ, İ, U+FFFF), word and character n-grams, a text shorter than one n-gram, a text of
 * symbols only, an empty one) and of `signatureInto`.
 *
 * Why: the first long record runs the shingle loop long enough for V8 to optimise it mid-call
 * (on-stack replacement) before the code after the loop has ever run, so that code has no type
 * feedback; every later record that reached it left the optimised code again ("insufficient
 * type feedback"): 12 such deopts of `shingle` and 5 of `signatureInto` on the 10 MB English
 * slice of issue #16 (bench/results/profile.md, section 8). Running these texts once, when the
 * index has read `WARM_AFTER` characters, gives every branch its feedback first, for about a
 * millisecond.
 */
const TEXTS = [
  'The quick brown fox jumps over the lazy dog in 2024, and the dog barks back at the fox twice.',
  '\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u6563\u6b65\u3002\u3072\u3089\u304c\u306a\u30ab\u30bf\u30ab\u30ca\u3005\u3007 \ud840\udc00\ud840\udc01 Chinese with English words.',
  'Math \ud835\udc00\ud835\udc01 letters, emoji \ud83d\ude00, a stray \ud800 high and \udc00 low surrogate, caf\u00e9 na\u0308ive.',
  'two words',
  '\u03a3\u039f\u03a6\u0399\u0391 in \u0130stanbul, lowered whole, and a word\ud840\udc02 before Han',
  '\u2026\uffff',
  'ends in a stray high surrogate \ud800',
  '\u2026\u2026 \uffe5 - -',
  '',
];

/** Characters of input text after which an index warms its loops (below, V8 has not optimised them yet). */
export const WARM_AFTER = 4096;

/** How many times `warmMinHash` ran in this process (for tests). */
export let warmUps = 0;

let texts: string[] | undefined;

/** Shingle and sign the warm-up texts once; the results are discarded. */
export function warmMinHash(shingler: Shingler, perm: Permutations): void {
  // flat strings, as the JSON reader gives them
  warmUps++;
  texts ??= JSON.parse(JSON.stringify(TEXTS)) as string[];
  const out = new Int32Array(perm.k);
  for (const t of texts) signatureInto(shingler.shingle(t), perm, out);
  // the buffers' growth, as the first record longer than 1,024 characters takes it
  signatureInto(shingler.shingle('w '.repeat(1100)), perm, out);
}
