import { UsageError } from '../core/errors.js';
import { sizeBytes } from '../core/size.js';

/**
 * Decoded bytes held back until the checksum that covers them is checked. gzip's CRC32 sits at
 * the end of each member and zstd's XXH64 at the end of each frame: bytes handed on before it
 * could be altered (a flipped bit in the compressed data can decode without error) and their
 * records written before the check fails. So decoded bytes wait here until their check passes,
 * up to a limit: a member or frame that decodes to more than that is handed on as it comes (its
 * records cannot wait in memory), and a failed check then says how much was handed on unchecked.
 * When the check fails, or damage stops the decoding before it, the bytes held are handed back
 * in-band as unverified (`unverifiedChunk`): the reader rejects each of their lines, with its raw
 * text, as `read/unverified`, so nothing is read as a record and nothing is lost silently.
 *
 * The limit is 64 MiB of decoded data per input being read, or `CORPUS_CLEAN_HOLD_UNCHECKED`
 * (bytes; `0` hands everything on at once, as before).
 */
export const DEFAULT_HOLD = 64 << 20;

export function holdLimit(): number {
  const v = process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
  if (v === undefined || v === '') return DEFAULT_HOLD;
  // A number of bytes, or a size as --shard-size takes it (64MiB, 256MB): core/size.ts, the one reading of a size.
  const n = sizeBytes(v);
  // A usage error (exit 2, before anything is read), not damage of each input (hostile review 8 F28).
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`CORPUS_CLEAN_HOLD_UNCHECKED must be a number of bytes (0 or more) or a size such as 64MiB; got '${v}'`);
  return n;
}

const mib = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

export class Holdback {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes handed on since the last passed check (the limit was passed). */
  private unchecked = 0;
  /** Decoded bytes the last failed check left unverified (handed back by `failed`). */
  dropped = 0;

  constructor(readonly limit = holdLimit()) {}

  /** Take decoded bytes; what may be handed on now. */
  *push(b: Buffer): Generator<Buffer> {
    if (this.unchecked > 0 || this.heldBytes + b.length > this.limit) {
      yield* this.release();
      this.unchecked += b.length;
      yield b;
      return;
    }
    this.held.push(b);
    this.heldBytes += b.length;
  }

  /** A check passed: everything held is good. */
  *passed(): Generator<Buffer> {
    yield* this.release();
    this.unchecked = 0;
  }

  /**
   * A check failed, or damage stopped the decoding before the check: what is held is unverified.
   * It is handed back (never as data: see `unverifiedChunk`); `said` then tells what became of
   * the bytes the check covered.
   */
  failed(): Buffer[] {
    const held = this.held;
    this.dropped = this.heldBytes;
    this.held = [];
    this.heldBytes = 0;
    return held;
  }

  /** What became of the bytes the failed check covered; `more`: unverified bytes decoded after (a gzip salvage). */
  said(more = 0): string {
    const n = this.dropped + more;
    const rejected = `its lines are rejected as read/unverified`;
    if (this.unchecked === 0) return `nothing decoded since the last good check is read as a record (${mib(n)} unverified: ${rejected})`;
    const parts = [`${mib(this.unchecked)} decoded before the check were read already (more than the ${mib(this.limit)} held back until a check; CORPUS_CLEAN_HOLD_UNCHECKED raises it) and records from them may be altered`];
    if (n > 0) parts.push(`the ${mib(n)} decoded after them are unverified: ${rejected}`);
    return parts.join('; ');
  }

  private *release(): Generator<Buffer> {
    const h = this.held;
    this.unchecked += this.heldBytes;
    this.held = [];
    this.heldBytes = 0;
    yield* h;
  }
}

const UNVERIFIED = Symbol('unverified bytes');

/**
 * A 0-byte chunk carrying decoded bytes that failed their check (or that damage kept from being
 * checked): in-band, after the good bytes before them and before the damage is thrown (or a gap
 * chunk, where reading goes on). A reader turns each line of them into a `read/unverified` reject
 * with its raw text; a consumer that does not look (`unverifiedOf`) sees an empty chunk, so
 * unverified bytes never pass as data.
 */
export function unverifiedChunk(held: Buffer[]): Buffer {
  return Object.assign(Buffer.alloc(0), { [UNVERIFIED]: held });
}

/** The unverified bytes an in-band chunk carries, or undefined for a chunk of data. */
export function unverifiedOf(b: Buffer): Buffer[] | undefined {
  return b.length === 0 ? (b as Buffer & { [UNVERIFIED]?: Buffer[] })[UNVERIFIED] : undefined;
}
