/**
 * Decoded bytes held back until the checksum that covers them is checked. gzip's CRC32 sits at
 * the end of each member and zstd's XXH64 at the end of each frame: bytes handed on before it
 * could be altered (a flipped bit in the compressed data can decode without error) and their
 * records written before the check fails. So decoded bytes wait here until their check passes,
 * up to a limit: a member or frame that decodes to more than that is handed on as it comes (its
 * records cannot wait in memory), and a failed check then says how much was handed on unchecked.
 *
 * The limit is 64 MiB of decoded data per input being read, or `CORPUS_CLEAN_HOLD_UNCHECKED`
 * (bytes; `0` hands everything on at once, as before).
 */
export const DEFAULT_HOLD = 64 << 20;

export function holdLimit(): number {
  const v = process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
  if (v === undefined || v === '') return DEFAULT_HOLD;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`CORPUS_CLEAN_HOLD_UNCHECKED must be a number of bytes (0 or more), got '${v}'`);
  return n;
}

const mib = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

export class Holdback {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes handed on since the last passed check (the limit was passed). */
  private unchecked = 0;
  /** Decoded bytes the last failed check dropped. */
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

  /** Hand on what is held without a check (damage that is not a checksum: the bytes before it are kept). */
  *giveUp(): Generator<Buffer> {
    yield* this.release();
  }

  /** A check failed: drop what is held and say what happened to the bytes it covered. */
  failed(): string {
    const dropped = this.heldBytes;
    this.dropped = dropped;
    this.held = [];
    this.heldBytes = 0;
    const parts: string[] = [];
    if (dropped > 0 || this.unchecked === 0) parts.push(`nothing decoded since the last good check was read (${mib(dropped)} held back)`);
    if (this.unchecked > 0) parts.push(`${mib(this.unchecked)} decoded before the check were read already (more than the ${mib(this.limit)} held back until a check; CORPUS_CLEAN_HOLD_UNCHECKED raises it) and records from them may be altered`);
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
