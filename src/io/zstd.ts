import type xxhashInit from 'xxhash-wasm';
import { Decompress } from './codecs.js';
import { Holdback } from './holdback.js';
import { damageInfo, InputDamage } from './ioFailure.js';

/**
 * zstd decoding in bounded steps, with the frame checksum verified.
 *
 * fzstd decodes correctly but never checks a frame's XXH64 content checksum (so a flipped bit
 * changes text silently), and decoding a whole read chunk at once lets a small `.zst` bomb
 * expand into gigabytes. This walks the frame format itself (RFC 8878 §3.1): each frame header,
 * then block by block, so each push to fzstd holds one block (at most 128 KiB of output) and the
 * consumer takes it before the next is decoded; the checksum at a frame's end is compared with
 * the XXH64 of everything decoded from that frame, and the bytes decoded from a frame with the
 * count its header declares (Frame_Content_Size), where it has one: a frame without a checksum
 * (corpus-clean wrote such frames before; `zstd --no-check` does) still has its length checked.
 * Skippable frames are skipped.
 */

const ZSTD_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 << 10;

let hasher: Awaited<ReturnType<typeof xxhashInit>> | null = null;

/** A frame whose check failed (checksum or content size): what it decoded is dropped, not salvaged. */
class CheckFailed extends InputDamage {}

/** The input ended inside a frame: cut short (or a size field before the end is damaged). */
class CutShort extends InputDamage {
  constructor(message: string, end: number) {
    super(message, { offset: end, cut: true });
  }
}

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
    if (!(await this.has(n))) throw new CutShort(`zstd: unexpected end of data at byte ${this.offset + this.size} (the file is cut short, or damaged)`, this.offset + this.size);
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

  /** Offset of the end of the bytes here (after `has` returned false: of the whole input). */
  get end(): number {
    return this.offset + this.size;
  }

  /** Where the next zstd frame magic starts in the bytes still here (an absolute offset), or -1. */
  magicAhead(): number {
    const all = Buffer.concat(this.parts, this.size);
    const at = all.indexOf(MAGIC_BYTES);
    return at < 0 ? -1 : this.offset + at;
  }
}

const MAGIC_BYTES = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Frame_Content_Size from the header field of `n` bytes at `at` (RFC 8878 §3.1.1.1.4), or null without one. */
function contentSize(header: Buffer, at: number, n: number): number | null {
  if (n === 0) return null;
  if (n === 1) return header[at];
  if (n === 2) return header.readUInt16LE(at) + 256;
  if (n === 4) return header.readUInt32LE(at);
  return Number(header.readBigUInt64LE(at));
}

/**
 * Take a block's body; the input ending inside it is told apart where it can be: a frame that
 * starts inside the bytes the block claims means its size field is damaged, not the file cut.
 */
async function blockBody(q: ByteQueue, at: number, size: number): Promise<Buffer> {
  if (await q.has(size)) return q.take(size);
  const magic = q.magicAhead();
  if (magic >= 0) throw new InputDamage(`zstd: the block at byte ${at} declares ${size} bytes, past the end of the file at byte ${q.end}, and a zstd frame starts inside it at byte ${magic}: the block header is damaged`, { offset: at });
  throw new CutShort(`zstd: the file ends at byte ${q.end} inside the block at byte ${at} (it declares ${size} bytes): the file is cut short, or that block header is damaged`, q.end);
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
  /** The frame being decoded has a check at its end (its bytes are held for it). */
  let checked = false;
  // A frame's checksum and size are checked at its end: decoded bytes wait for them (holdback.ts).
  const hold = new Holdback();
  /** A failed check at the current byte: what was held back is dropped (and said). */
  const checkFailed = (message: string): CheckFailed => {
    const said = hold.failed();
    return new CheckFailed(`${message}; ${said}`, { offset: q.offset, heldBack: hold.dropped });
  };
  try {
    while (!(await q.atEnd())) {
      const start = q.offset;
      const magic = (await q.take(4)).readUInt32LE(0);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        const size = (await q.take(4)).readUInt32LE(0);
        await q.take(size);
        continue;
      }
      if (magic !== ZSTD_MAGIC) throw new InputDamage(`zstd: not a zstd frame at byte ${start} (damaged data or trailing garbage)`, { offset: start });
      frame++;
      const fhd = (await q.take(1))[0];
      const fcsFlag = fhd >> 6;
      const single = (fhd >> 5) & 1;
      const checksum = (fhd >> 2) & 1;
      if ((fhd >> 3) & 1) throw new InputDamage(`zstd: damaged frame header at byte ${start}`, { offset: start });
      const didSize = [0, 1, 2, 4][fhd & 3];
      const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag];
      const header = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, fhd]), await q.take((single ? 0 : 1) + didSize + fcsSize)]);
      const declared = contentSize(header, header.length - fcsSize, fcsSize);
      // Bytes from a frame with something to check at its end wait for that check (holdback.ts).
      checked = checksum === 1 || declared !== null;
      let decodedBytes = 0;
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
        if (type === 3 || (type !== 1 && size > BLOCK_MAX)) throw new InputDamage(`zstd: damaged block header at byte ${q.offset - 3}`, { offset: q.offset - 3 });
        const body = type === 1 ? await q.take(1) : await blockBody(q, q.offset - 3, size);
        // The frame's checksum goes with its last block, pushed as `final`: fzstd holds back a
        // frame shorter than 18 bytes until told the input ended (a 3-byte file from the zstd
        // CLI was read as damaged, and a tiny last frame of our own output was lost).
        if (last && checksum) sum = await q.take(4);
        try {
          d.push(last && sum ? Buffer.concat([bh, body, sum]) : Buffer.concat([bh, body]), last === 1);
        } catch {
          // The decoder's own words are about its internals ("Invalid typed array length: -33030151"
          // for a frame header whose size fields were flipped): say what is wrong with the data.
          const at = q.offset - body.length - 3 - (last && sum ? 4 : 0);
          throw new InputDamage(`zstd: the block at byte ${at} (frame ${frame}, which starts at byte ${start}) does not decode: the block or the frame header is damaged`, { offset: at });
        }
        for (const c of out.splice(0)) {
          decodedBytes += c.length;
          if (declared !== null && decodedBytes > declared) {
            throw checkFailed(`zstd: frame ${frame} decodes to more than the ${declared} bytes its header says: the data is damaged`);
          }
          h?.update(c);
          // A frame with neither a checksum nor a size has nothing to wait for.
          if (checked) yield* hold.push(c);
          else yield c;
        }
        if (last) break;
      }
      if (checksum) {
        const want = sum!.readUInt32LE(0);
        const got = Number(h!.digest() & 0xffffffffn);
        if (want !== got) throw checkFailed(`zstd: frame ${frame} checksum mismatch: the data is damaged`);
      }
      if (declared !== null && decodedBytes !== declared) {
        throw checkFailed(`zstd: frame ${frame} decodes to ${decodedBytes} bytes, but its header says ${declared}: the data is damaged`);
      }
      yield* hold.passed();
      checked = false;
    }
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    // A file cut short: the bytes decoded before the cut are kept (salvage).
    if (e instanceof CutShort || !checked) {
      yield* hold.giveUp();
      throw e;
    }
    // Damage found inside a frame that has a check (a damaged block or block header): it may lie
    // before the point where it showed (a flipped offset copies the wrong bytes and decodes on),
    // and the check that would tell can no longer be made, so what the frame decoded is dropped.
    const said = hold.failed();
    throw new InputDamage(`${(e as Error).message}; ${said}`, { ...damageInfo(e), heldBack: hold.dropped });
  }
}

/**
 * Check a zstd buffer decoded whole by another decoder (fzstd, for Parquet pages, which neither
 * checks a checksum nor a content size): each frame's decoded length against its declared
 * content size and its XXH64 against its checksum, where it has them. `output` is what the
 * frames of `input` decoded to, in order. Throws an Error naming the frame that fails.
 */
export function verifyZstd(input: Uint8Array, output: Uint8Array, h64: (b: Uint8Array, seed?: bigint) => bigint): void {
  const b = Buffer.from(input.buffer, input.byteOffset, input.length);
  let p = 0;
  let out = 0;
  let frame = 0;
  while (p + 4 <= b.length) {
    const magic = b.readUInt32LE(p);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      p += 8 + b.readUInt32LE(p + 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new Error(`zstd: not a zstd frame at byte ${p}`);
    frame++;
    const fhd = b[p + 4];
    const single = (fhd >> 5) & 1;
    const fcsSize = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    const at = p + 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
    if (at + fcsSize > b.length) throw new Error(`zstd: frame ${frame} is cut short`);
    const declared = contentSize(b, at, fcsSize);
    p = at + fcsSize;
    for (;;) {
      if (p + 3 > b.length) throw new Error(`zstd: frame ${frame} is cut short`);
      const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
      p += 3 + (((v >> 1) & 3) === 1 ? 1 : v >>> 3);
      if (v & 1) break;
    }
    const sum = (fhd >> 2) & 1 ? (p + 4 <= b.length ? b.readUInt32LE(p) : -1) : null;
    if (sum !== null) p += 4;
    if (p > b.length) throw new Error(`zstd: frame ${frame} is cut short`);
    // Without a declared size, only a last frame's share of the output is known.
    const size = declared ?? (p >= b.length ? output.length - out : -1);
    if (size < 0) return;
    if (out + size > output.length || (declared !== null && p >= b.length && out + size !== output.length)) {
      throw new Error(`zstd: frame ${frame} declares ${declared} bytes of content, but the data decodes to ${output.length - out}: the data is damaged`);
    }
    if (sum !== null && Number(h64(output.subarray(out, out + size), 0n) & 0xffffffffn) !== sum) {
      throw new Error(`zstd: frame ${frame} checksum mismatch: the data is damaged`);
    }
    out += size;
  }
}
