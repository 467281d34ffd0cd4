import { loadXxh64, type Xxh64 } from '../core/xxh64.js';
import { zstdDecompress } from './codecs.js';
import { gapChunk } from './gap.js';
import { Holdback, unverifiedChunk } from './holdback.js';
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
/** Compressed bytes of a frame kept for a resync to read again (a frame's start is searched in them). */
const KEEP_MAX = 16 << 20;

let hasher: Xxh64 | null = null;

/** A frame whose check failed (checksum or content size): what it decoded is unverified, not read. */
class CheckFailed extends InputDamage {}

/** The input ended inside a frame: cut short (or a size field before the end is damaged). */
class CutShort extends InputDamage {
  constructor(message: string, end: number, heldBack?: number) {
    super(message, { offset: end, cut: true, ...(heldBack !== undefined ? { heldBack } : {}) });
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
    if (this.kept !== null) {
      if (this.keptBytes + n > KEEP_MAX) this.kept = null;
      else {
        this.kept.push(out);
        this.keptBytes += n;
      }
    }
    return out;
  }

  /**
   * Pass over `n` bytes (a skippable frame's content) without holding them: a skippable frame may
   * declare up to 4 GiB. Not kept for a resync (a frame found inside one would be a false one).
   */
  async skip(n: number, what: string): Promise<void> {
    const start = this.offset;
    this.kept = null;
    while (n > 0) {
      if (!(await this.has(1))) throw new CutShort(`zstd: the file ends at byte ${this.offset} inside ${what} at byte ${start - 8} (it declares ${n + this.offset - start} bytes): the file is cut short, or the frame is damaged`, this.offset);
      const k = Math.min(n, this.size, BLOCK_MAX);
      await this.take(k);
      n -= k;
    }
  }

  /**
   * The bytes taken since `keep()`, kept (up to `KEEP_MAX`) so that a resync can read them again
   * (`unread`): the next good frame may start inside a damaged one.
   */
  private kept: Buffer[] | null = null;
  private keptBytes = 0;
  /** Where the kept bytes start (an absolute offset). */
  keptFrom = 0;

  keep(): void {
    this.kept = [];
    this.keptBytes = 0;
    this.keptFrom = this.offset;
  }

  /** The kept bytes from absolute offset `from` on (none when they were not kept: too many). */
  keptSince(from: number): Buffer {
    if (this.kept === null || from < this.keptFrom) return Buffer.alloc(0);
    return Buffer.concat(this.kept, this.keptBytes).subarray(from - this.keptFrom);
  }

  /** Put bytes taken back in front, to be taken again. */
  unread(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.unshift(b);
    this.size += b.length;
    this.offset -= b.length;
    this.kept = null;
  }

  /** Drop the bytes before the next zstd frame magic; its absolute offset, or -1 at the end of the input. */
  async seekMagic(): Promise<number> {
    for (;;) {
      const all = Buffer.concat(this.parts, this.size);
      const at = all.indexOf(MAGIC_BYTES);
      if (at >= 0) {
        this.parts = [all.subarray(at)];
        this.size -= at;
        this.offset += at;
        return this.offset;
      }
      // Keep the last 3 bytes: a magic may straddle the next chunk.
      const drop = Math.max(0, all.length - 3);
      this.parts = drop < all.length ? [all.subarray(drop)] : [];
      this.size -= drop;
      this.offset += drop;
      if (!(await this.has(this.size + 1))) return -1;
    }
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

/** A frame's header, read after its magic. */
interface FrameHeader {
  /** The header's bytes, magic included (fzstd decodes from them). */
  bytes: Buffer;
  checksum: boolean;
  /** Frame_Content_Size, or null without one. */
  declared: number | null;
}

/**
 * The largest window a frame may ask for: 128 MiB, libzstd's own default limit (the zstd CLI
 * refuses more without `--long=31` or `--memory`). The decoder allocates the window a frame
 * header declares before the first block (for a single-segment frame, its whole content size),
 * so a header with a flipped bit asked for up to 2 GiB at once (new-user review 8 #8).
 */
export const WINDOW_MAX = 128 << 20;

const size = (n: number): string => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`);

/**
 * What is wrong with a frame header (`bytes`: magic to content size), in words, or null when the
 * decoder may be given it: a dictionary asked for (corpus-clean has none), or a window (for a
 * single-segment frame: its whole content size) over `WINDOW_MAX`. `which` names the frame.
 */
function headerProblem(bytes: Uint8Array, which: string): string | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const fhd = b[4];
  const single = (fhd >> 5) & 1;
  const didSize = [0, 1, 2, 4][fhd & 3];
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
  const at = 5 + (single ? 0 : 1);
  const dict = didSize === 0 ? 0 : didSize === 1 ? b[at] : didSize === 2 ? b.readUInt16LE(at) : b.readUInt32LE(at);
  if (dict !== 0) {
    return `zstd: ${which} asks for dictionary ${dict}, which corpus-clean does not have: the frame header is damaged, or the data was compressed with a dictionary (decompress it with \`zstd -d -D DICT\` first)`;
  }
  const declared = contentSize(b, at + didSize, fcsSize);
  let window: number;
  if (single) window = declared!;
  else {
    const base = 2 ** (10 + (b[5] >> 3));
    window = base + (base / 8) * (b[5] & 7);
  }
  if (window <= WINDOW_MAX) return null;
  // (An 8-byte size past 2^53 is said exactly, from its bytes.)
  const exact = fcsSize === 8 ? b.readBigUInt64LE(at + didSize).toString() : String(declared);
  const what = single ? `a content size of ${exact} bytes (${size(window)}), all of it a window` : `a window of ${size(window)}`;
  return `zstd: ${which} declares ${what}, over the ${size(WINDOW_MAX)} corpus-clean decodes (zstd's own default limit): the frame header is damaged, or the data was written with \`zstd --long\` above 27 (decompress it with \`zstd -d --long=31\` first)`;
}

/**
 * Read a frame header after its magic (taken), starting at `start` (`frame`: its number, for
 * messages). A header the decoder must not be given (`headerProblem`) is damage, said here,
 * before the decoder allocates anything.
 */
async function frameHeader(q: ByteQueue, start: number, frame = 0): Promise<FrameHeader> {
  const fhd = (await q.take(1))[0];
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if ((fhd >> 3) & 1) throw new InputDamage(`zstd: damaged frame header at byte ${start}`, { offset: start });
  const didSize = [0, 1, 2, 4][fhd & 3];
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag];
  const bytes = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, fhd]), await q.take((single ? 0 : 1) + didSize + fcsSize)]);
  const problem = headerProblem(bytes, frame > 0 ? `frame ${frame} (at byte ${start})` : `the frame at byte ${start}`);
  if (problem !== null) throw new InputDamage(problem, { offset: start });
  return { bytes, checksum: ((fhd >> 2) & 1) === 1, declared: contentSize(bytes, bytes.length - fcsSize, fcsSize) };
}

/** fzstd's frame state (not in its typed API): the window it reads back-references from, ending at index `e`. */
interface FzstdState {
  w: Uint8Array;
  e: number;
}

function fzstdState(d: unknown): FzstdState | null {
  const s = (d as { s?: unknown }).s;
  return typeof s === 'object' && s !== null && (s as FzstdState).w instanceof Uint8Array && typeof (s as FzstdState).e === 'number' ? (s as FzstdState) : null;
}

/**
 * The window of one frame, kept here instead of by fzstd. fzstd's streaming decoder keeps the
 * last Window_Size bytes in an array of that size and, after every block, shifts the whole array
 * by the block's length (copyWithin): the work of a block is the window's size, whatever the
 * block's. A frame of 2,001 one-byte RLE blocks under a 128 MiB window (an 8 KB file) took 12 s
 * of CPU; a `zstd --long` file of 60 MB, 1.4 s more than one written without `--long`. Here each
 * block's bytes are appended to a larger array and fzstd is handed a view of its last
 * Window_Size bytes; the array is shifted only when it is full, once per a quarter of a window
 * (at least 512 KiB) of output. fzstd's own shift then runs on a scratch array of the block's
 * size (`decoded`, called from its output callback, swaps the window out before it shifts), and
 * its own window array is never written. Each push to fzstd holds one block (frameBody).
 */
class SlidingWindow {
  private buf: Uint8Array | null = null;
  private pos = 0;
  private size = 0;
  private readonly pending: Uint8Array[] = [];
  private static scratch = new Uint8Array(BLOCK_MAX);

  /** A block fzstd decoded (from its callback, before it shifts its window): kept, and fzstd's shift sent to scratch. */
  decoded(d: unknown, block: Uint8Array): void {
    const s = fzstdState(d);
    if (s === null) return;
    this.pending.push(block);
    s.w = block.length <= BLOCK_MAX ? SlidingWindow.scratch.subarray(0, block.length) : new Uint8Array(block.length);
  }

  /** After a push: the blocks it decoded appended, fzstd given a view of the window ending with them. */
  install(d: unknown): void {
    const s = fzstdState(d);
    if (this.buf === null) {
      if (s === null) return;
      this.size = s.e;
      this.buf = new Uint8Array(this.size + Math.max(this.size >> 2, 4 * BLOCK_MAX));
      this.pos = this.size; // the window before the first block: zeros
    }
    for (const b of this.pending.splice(0)) {
      if (this.pos + b.length > this.buf.length) {
        this.buf.copyWithin(0, this.pos - this.size, this.pos);
        this.pos = this.size;
      }
      this.buf.set(b, this.pos);
      this.pos += b.length;
    }
    if (s !== null) s.w = this.buf.subarray(this.pos - this.size, this.pos);
  }
}

/** A frame's check at its end failed (checksum or content size): the message, without what became of the bytes. */
class FrameCheck extends Error {}

/**
 * The decoded chunks of one frame, block by block (each push to fzstd holds one block: at most
 * 128 KiB of output, taken by the consumer before the next is decoded). At the frame's end its
 * checksum and declared size are checked (`FrameCheck` when they fail; also as soon as more than
 * the declared size came out). Damage inside a block is an `InputDamage`, a cut file `CutShort`.
 */
async function* frameBody(q: ByteQueue, hdr: FrameHeader, frame: number, start: number): AsyncGenerator<Buffer> {
  const { checksum, declared } = hdr;
  let decodedBytes = 0;
  const out: Buffer[] = [];
  const Decompress = await zstdDecompress();
  const win = new SlidingWindow();
  const d = new Decompress((chunk) => {
    if (chunk.length === 0) return;
    out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    win.decoded(d, chunk);
  });
  const h = checksum ? hasher!.create(0n) : null;
  let sum: Buffer | null = null;
  d.push(hdr.bytes);
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
      win.install(d);
    } catch {
      // The decoder's own words are about its internals ("Invalid typed array length: -33030151"
      // for a frame header whose size fields were flipped): say what is wrong with the data.
      const at = q.offset - body.length - 3 - (last && sum ? 4 : 0);
      throw new InputDamage(`zstd: the block at byte ${at} (frame ${frame}, which starts at byte ${start}) does not decode: the block or the frame header is damaged`, { offset: at });
    }
    for (const c of out.splice(0)) {
      decodedBytes += c.length;
      if (declared !== null && decodedBytes > declared) throw new FrameCheck(`zstd: frame ${frame} decodes to more than the ${declared} bytes its header says: the data is damaged`);
      h?.update(c);
      yield c;
    }
    if (last) break;
  }
  if (checksum && sum!.readUInt32LE(0) !== Number(h!.digest() & 0xffffffffn)) throw new FrameCheck(`zstd: frame ${frame} checksum mismatch: the data is damaged`);
  if (declared !== null && decodedBytes !== declared) throw new FrameCheck(`zstd: frame ${frame} decodes to ${decodedBytes} bytes, but its header says ${declared}: the data is damaged`);
}

/**
 * After damage: the next frame from byte `from` on that decodes whole with a valid content
 * checksum (and its declared size, where it has one), with its decoded bytes; null when none does
 * before the end of the input. A frame start is found by its magic, and only a frame that carries
 * a checksum is taken (one without cannot be told from bytes that happen to look like a frame
 * header): a false magic inside compressed data then passes only with a chance of 2^-32. A
 * candidate is decoded into memory up to `limit` bytes (the hold-back limit): one that decodes to
 * more cannot be checked before it is read, and is passed over. Skippable frames are skipped
 * over by the search like any other bytes.
 */
async function resync(q: ByteQueue, from: number, limit: number): Promise<{ at: number; chunks: Buffer[] } | null> {
  q.unread(q.keptSince(from));
  for (;;) {
    const at = await q.seekMagic();
    if (at < 0) return null;
    q.keep();
    try {
      await q.take(4);
      const hdr = await frameHeader(q, at);
      if (!hdr.checksum) throw new FrameCheck('no checksum');
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of frameBody(q, hdr, 0, at)) {
        n += c.length;
        if (n > limit) throw new FrameCheck('too large to check');
        chunks.push(c);
      }
      return { at, chunks };
    } catch {
      // Not a frame that checks: search on from the byte after its magic.
      q.unread(q.keptSince(at + 1));
    }
  }
}

/**
 * Decompressed chunks of a zstd stream (one or more frames). Without `gaps`, throws, after
 * yielding everything decoded before it, on a truncated stream, a damaged block, or a frame whose
 * check fails (what a frame with a check decoded before its damage is held back and handed on
 * in-band as unverified, `unverifiedChunk`, see holdback.ts). With `gaps`,
 * damage followed by a frame that decodes with a valid checksum is a gap instead: the damage is
 * yielded in-band as a gap chunk (`gapChunk`, a 0-byte Buffer the reader asks with `gapOf`),
 * then reading goes on from that frame; damage with no such frame after it throws as before.
 */
export async function* unzstd(first: Buffer, rest: AsyncIterator<Buffer>, gaps = false, count?: { made: number }): AsyncGenerator<Buffer> {
  hasher ??= await loadXxh64();
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
  // A frame's checksum and size are checked at its end: decoded bytes wait for them (holdback.ts).
  const hold = new Holdback();
  for (;;) {
    /** Where the frame being read starts (or the bytes that are not one). */
    let start = q.offset;
    /** The frame being decoded has a check at its end (its bytes are held for it). */
    let checked = false;
    let damage: InputDamage;
    try {
      while (!(await q.atEnd())) {
        start = q.offset;
        if (gaps) q.keep();
        const magic = (await q.take(4)).readUInt32LE(0);
        if ((magic & 0xfffffff0) === 0x184d2a50) {
          const size = (await q.take(4)).readUInt32LE(0);
          await q.skip(size, 'a skippable frame');
          continue;
        }
        if (magic !== ZSTD_MAGIC) throw new InputDamage(`zstd: not a zstd frame at byte ${start} (damaged data or trailing garbage)`, { offset: start });
        frame++;
        const hdr = await frameHeader(q, start, frame);
        // Bytes from a frame with something to check at its end wait for that check (holdback.ts).
        checked = hdr.checksum || hdr.declared !== null;
        for await (const c of frameBody(q, hdr, frame, start)) {
          if (count !== undefined) count.made += c.length; // decoded, held or not (decode.ts compressionRatio)
          // A frame with neither a checksum nor a size has nothing to wait for.
          if (checked) yield* hold.push(c);
          else yield c;
        }
        yield* hold.passed();
        checked = false;
      }
      return;
    } catch (e) {
      if (!(e instanceof InputDamage) && !(e instanceof FrameCheck)) throw e;
      // What a frame with a check decoded is unverified when the check failed, and when damage
      // stopped the frame before its check (a damaged block may lie before the point where it
      // showed: a flipped offset copies the wrong bytes and decodes on; a cut file leaves the
      // check unread): handed on in-band, never as data. A frame without a check had its bytes
      // handed on as they came: nothing is held.
      const held = hold.failed();
      if (held.length > 0) yield unverifiedChunk(held);
      if (e instanceof FrameCheck) damage = new CheckFailed(`${e.message}; ${hold.said()}`, { offset: q.offset, heldBack: hold.dropped });
      else if (!checked) damage = e;
      else if (e instanceof CutShort) damage = new CutShort(`${e.message}; ${hold.said()}`, e.info.offset ?? q.offset, hold.dropped);
      else damage = new InputDamage(`${e.message}; ${hold.said()}`, { ...damageInfo(e), heldBack: hold.dropped });
    }
    // A cut file has nothing after the damage to go on with.
    const next = gaps && !(damage instanceof CutShort) ? await resync(q, start + 1, hold.limit) : null;
    if (next === null) throw damage;
    const info = { ...damage.info, resumedAt: next.at };
    yield* hold.passed(); // (nothing is held now; what is read on starts a new count)
    yield gapChunk(new InputDamage(damage.message, info));
    yield* next.chunks;
  }
}

/** A frame's header as `walkFrames` finds it. */
interface FrameAt {
  /** The frame's number (1 for the first; skippable frames are not counted). */
  frame: number;
  /** Where the frame starts (its magic). */
  at: number;
  /** Its Frame_Header_Descriptor. */
  fhd: number;
  /** Where its header ends (it may lie past the end of the buffer: a header cut short). */
  end: number;
  /** The bytes of its Frame_Content_Size field, which ends the header. */
  fcsSize: number;
}

/**
 * Walk the frames of a zstd buffer by their headers, without decoding (RFC 8878 §3.1): skippable
 * frames are passed over; each frame's header is handed to `onFrame` (which may throw), then its
 * blocks are passed over by their block headers, `onBlock` told after each one (returning false
 * stops the walk there). Returns where the walk stopped: after the block `onBlock` stopped at, or
 * at the end of the last whole frame; the end of the buffer when it ends inside a frame, or holds
 * bytes that are not a frame (the decoder says what is wrong with those).
 */
function walkFrames(b: Buffer, onFrame: (f: FrameAt) => void, onBlock: () => boolean = () => true): number {
  let p = 0;
  let frame = 0;
  while (p + 4 <= b.length) {
    const magic = b.readUInt32LE(p);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (p + 8 > b.length) return b.length;
      p += 8 + b.readUInt32LE(p + 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC || p + 5 > b.length) return b.length;
    const fhd = b[p + 4];
    const single = (fhd >> 5) & 1;
    const fcsSize = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    const end = p + 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + fcsSize;
    onFrame({ frame: ++frame, at: p, fhd, end, fcsSize });
    p = end;
    for (;;) {
      if (p + 3 > b.length) return b.length;
      const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
      p += 3 + (((v >> 1) & 3) === 1 ? 1 : v >>> 3);
      if (!onBlock()) return Math.min(p, b.length);
      if (v & 1) break;
    }
    if ((fhd >> 2) & 1) p += 4;
  }
  return Math.min(p, b.length);
}

/**
 * Check the frame headers of a zstd buffer before another decoder is given it whole (fzstd's
 * `decompress`, for Parquet pages, allocates a frame's declared content size, or else its
 * window, up front): each as `frameHeader` does, and each frame's declared content size against
 * `room`, the bytes the caller expects it all to decode to (a Parquet page's uncompressed size).
 * Throws an Error naming the frame that fails. (Bytes that are not a frame, or a cut block, are
 * left to the decoder and verifyZstd to say.)
 */
export function checkZstdHeaders(input: Uint8Array, room: number): void {
  const b = Buffer.from(input.buffer, input.byteOffset, input.length);
  let declaredSum = 0;
  walkFrames(b, ({ frame, at, end, fcsSize }) => {
    if (end > b.length) throw new Error(`zstd: frame ${frame} is cut short`);
    const problem = headerProblem(b.subarray(at, end), `frame ${frame} (at byte ${at})`);
    if (problem !== null) throw new Error(problem);
    const declared = contentSize(b, end - fcsSize, fcsSize);
    if (declared !== null && (declaredSum += declared) > room) {
      throw new Error(`zstd: frame ${frame} (at byte ${at}) declares ${declared} bytes of content, more than the ${room} the data should decode to: the data is damaged`);
    }
  });
}

/**
 * The length of the start of `input` that holds its frames' headers and at most `blocks` blocks
 * (skippable frames passed over), for decoding only a few blocks of a file's head: fzstd moves
 * its whole window (up to 128 MiB) once per block, so a head of many tiny blocks under a large
 * window would cost seconds to sniff (test/io/zstdIntegrity: 10,000 one-byte blocks).
 */
export function zstdHeadBlocks(input: Uint8Array, blocks: number): number {
  let n = 0;
  return walkFrames(
    Buffer.from(input.buffer, input.byteOffset, input.length),
    () => {},
    () => ++n < blocks,
  );
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
