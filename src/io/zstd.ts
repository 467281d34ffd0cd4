import type xxhashInit from 'xxhash-wasm';
import { Decompress } from './codecs.js';
import { Holdback } from './holdback.js';

/**
 * zstd decoding in bounded steps, with the frame checksum verified.
 *
 * fzstd decodes correctly but never checks a frame's XXH64 content checksum (so a flipped bit
 * changes text silently), and decoding a whole read chunk at once lets a small `.zst` bomb
 * expand into gigabytes. This walks the frame format itself (RFC 8878 §3.1): each frame header,
 * then block by block, so each push to fzstd holds one block (at most 128 KiB of output) and the
 * consumer takes it before the next is decoded; the checksum at a frame's end is compared with
 * the XXH64 of everything decoded from that frame. Skippable frames are skipped.
 */

const ZSTD_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 << 10;

let hasher: Awaited<ReturnType<typeof xxhashInit>> | null = null;

/** Bytes of a chunk stream, taken by exact counts. */
class ByteQueue {
  private parts: Buffer[] = [];
  private size = 0;
  private ended = false;
  /** Compressed bytes taken so far (for messages). */
  offset = 0;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** True when `n` bytes are available; false at the end of the stream. */
  async has(n: number): Promise<boolean> {
    while (this.size < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length > 0) {
        this.parts.push(r.value);
        this.size += r.value.length;
      }
    }
    return this.size >= n;
  }

  /** True when nothing is left at all. */
  async atEnd(): Promise<boolean> {
    return !(await this.has(1));
  }

  async take(n: number): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0); // an empty raw block (the frame of an empty input)
    if (!(await this.has(n))) throw new Error(`zstd: unexpected end of data at byte ${this.offset + this.size} (the file is cut short)`);
    let out: Buffer;
    if (this.parts[0].length >= n) {
      out = this.parts[0].subarray(0, n);
      this.parts[0] = this.parts[0].subarray(n);
      if (this.parts[0].length === 0) this.parts.shift();
    } else {
      const all = Buffer.concat(this.parts, this.size);
      out = all.subarray(0, n);
      this.parts = all.length > n ? [all.subarray(n)] : [];
    }
    this.size -= n;
    this.offset += n;
    return out;
  }
}

/**
 * Decompressed chunks of a zstd stream (one or more frames). Throws, after yielding everything
 * decoded before it, on a truncated stream, a damaged block, or a frame whose content checksum
 * does not match (then the data already yielded from that frame may be altered).
 */
export async function* unzstd(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  hasher ??= await (await import('xxhash-wasm')).default();
  const q = new ByteQueue(
    (async function* () {
      yield first;
      for (;;) {
        const r = await rest.next();
        if (r.done) return;
        yield r.value;
      }
    })(),
  );
  let frame = 0;
  // A frame's checksum is checked at its end: decoded bytes wait for it (holdback.ts).
  const hold = new Holdback();
  try {
    while (!(await q.atEnd())) {
      const start = q.offset;
      const magic = (await q.take(4)).readUInt32LE(0);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        const size = (await q.take(4)).readUInt32LE(0);
        await q.take(size);
        continue;
      }
      if (magic !== ZSTD_MAGIC) throw new Error(`zstd: not a zstd frame at byte ${start} (damaged data or trailing garbage)`);
      frame++;
      const fhd = (await q.take(1))[0];
      const fcsFlag = fhd >> 6;
      const single = (fhd >> 5) & 1;
      const checksum = (fhd >> 2) & 1;
      if ((fhd >> 3) & 1) throw new Error(`zstd: damaged frame header at byte ${start}`);
      const didSize = [0, 1, 2, 4][fhd & 3];
      const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag];
      const header = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, fhd]), await q.take((single ? 0 : 1) + didSize + fcsSize)]);
      const out: Buffer[] = [];
      const d = new Decompress((chunk) => {
        if (chunk.length > 0) out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      });
      const h = checksum ? hasher.create64(0n) : null;
      let sum: Buffer | null = null;
      d.push(header);
      for (;;) {
        const bh = await q.take(3);
        const v = bh[0] | (bh[1] << 8) | (bh[2] << 16);
        const last = v & 1;
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3 || (type !== 1 && size > BLOCK_MAX)) throw new Error(`zstd: damaged block header at byte ${q.offset - 3}`);
        const body = await q.take(type === 1 ? 1 : size);
        // The frame's checksum goes with its last block, pushed as `final`: fzstd holds back a
        // frame shorter than 18 bytes until told the input ended (a 3-byte file from the zstd
        // CLI was read as damaged, and a tiny last frame of our own output was lost).
        if (last && checksum) sum = await q.take(4);
        try {
          d.push(last && sum ? Buffer.concat([bh, body, sum]) : Buffer.concat([bh, body]), last === 1);
        } catch (e) {
          throw new Error(`zstd: damaged block at byte ${q.offset - body.length - 3 - (last && sum ? 4 : 0)}: ${(e as Error).message}`);
        }
        for (const c of out.splice(0)) {
          // A frame without a checksum has nothing to wait for.
          if (h === null) yield c;
          else {
            h.update(c);
            yield* hold.push(c);
          }
        }
        if (last) break;
      }
      if (checksum) {
        const want = sum!.readUInt32LE(0);
        const got = Number(h!.digest() & 0xffffffffn);
        if (want !== got) throw new Error(`zstd: frame ${frame} checksum mismatch: the data is damaged; ${hold.failed()}`);
      }
      yield* hold.passed();
    }
  } catch (e) {
    // Damage that is not a checksum (a damaged block, a cut file): the bytes decoded before it are kept.
    if (!/checksum mismatch/.test((e as Error).message)) yield* hold.giveUp();
    throw e;
  }
}
