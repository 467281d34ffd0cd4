import { SPACE_SYMBOL } from './bpe.js';
import type { NormalizerSpec, TrainerSpec } from './sentencepiece-model.js';

/** A function from raw text to the text the BPE merge loop sees. */
export type Normalize = (text: string) => string;

const SPACES = / /g;
const LEADING = /^ +/;
const RUNS = / {2,}/g;

/** `t` without its trailing U+0020 spaces; a loop, because `/ +$/` is quadratic on space runs inside the text. */
function trimTrailingSpaces(t: string): string {
  let e = t.length;
  while (e > 0 && t.charCodeAt(e - 1) === 0x20) e--;
  return e === t.length ? t : t.slice(0, e);
}

/**
 * The SentencePiece normaliser for models whose rule set is `identity` (no precompiled charsmap),
 * which is what InternLM2 uses: optional removal of extra spaces, an optional dummy-prefix space,
 * and spaces escaped as U+2581. Only U+0020 counts as a space, as upstream. Throws for models
 * that carry a precompiled charsmap (NFKC and friends), which this port does not implement.
 */
export function makeNormalizer(spec: NormalizerSpec, trainer: TrainerSpec): Normalize {
  if (spec.precompiledCharsmap.length > 0) {
    throw new Error(`normalizer '${spec.name}' needs a precompiled charsmap, which is not supported; only 'identity' models are`);
  }
  const escape = spec.escapeWhitespaces;
  const dummy = spec.addDummyPrefix;
  const suffix = trainer.treatWhitespaceAsSuffix;
  const squeeze = spec.removeExtraWhitespaces;
  if (!squeeze && !dummy) return escape ? (t) => t.replace(SPACES, SPACE_SYMBOL) : (t) => t;
  return (text) => {
    let t = text;
    if (squeeze) t = trimTrailingSpaces(t.replace(LEADING, '')).replace(RUNS, ' ');
    if (t.length === 0) return t;
    if (dummy) t = suffix ? t + ' ' : ' ' + t;
    return escape ? t.replace(SPACES, SPACE_SYMBOL) : t;
  };
}
