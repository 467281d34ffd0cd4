/**
 * Gap chunks: a 0-byte chunk standing for a damaged stretch of a compressed input that reading
 * went on after (decode.ts `gunzip`, zstd.ts `unzstd`); the readers ask every chunk `gapOf`.
 * Apart from zstd.ts, so that reading a plain input does not load the zstd decoder (issue #16).
 */
import type { InputDamage } from './ioFailure.js';

const GAP = Symbol('zstd gap');

/** A 0-byte chunk standing for a damaged stretch that reading went on after (see `unzstd`). */
export function gapChunk(e: InputDamage): Buffer {
  return Object.assign(Buffer.alloc(0), { [GAP]: e });
}

/** The damage a gap chunk stands for, or undefined for a chunk of data. */
export function gapOf(b: Buffer): InputDamage | undefined {
  return b.length === 0 ? (b as Buffer & { [GAP]?: InputDamage })[GAP] : undefined;
}
