import { openDecoded } from '../decode.js';
import { nextChunk } from '../ioFailure.js';
import { unverifiedOf } from '../holdback.js';

/** A file read whole: its decoded bytes (up to just past `limit`), how many, and the damage that stopped it, if any. */
export interface Whole {
  buf: Buffer;
  bytes: number;
  damaged: Error | null;
  /** Some of the bytes were never verified (a damaged `.gz`/`.zst`: holdback.ts `unverifiedChunk`); `damaged` is set then. */
  unverified: boolean;
}

/**
 * Read a whole (decompressed) file for a one-record reader (HTML, a `.txt` file): stops at damage
 * (an OS failure is thrown on, see nextChunk) or once more than `limit` bytes were read.
 */
export async function readWhole(path: string, limit: number, chunks?: AsyncIterable<Buffer>): Promise<Whole> {
  const parts: Buffer[] = [];
  let bytes = 0;
  let damaged: Error | null = null;
  let unverified = false;
  const it = (chunks ?? openDecoded(path))[Symbol.asyncIterator]();
  for (;;) {
    const r = await nextChunk(it);
    if (r instanceof Error) damaged = r;
    if (r instanceof Error || r.done) break;
    const held = unverifiedOf(r.value);
    if (held !== undefined) unverified = true;
    for (const b of held ?? [r.value]) {
      parts.push(Buffer.from(b));
      bytes += b.length;
    }
    if (bytes > limit) {
      await it.return?.();
      break;
    }
  }
  return { buf: Buffer.concat(parts), bytes, damaged, unverified };
}
