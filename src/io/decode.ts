import { closeSync, createReadStream, fstatSync, openSync, readFileSync, type BigIntStats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { salvageGunzip } from './codecs.js';
import { crc32 } from './crc32.js';
import { Holdback, unverifiedChunk } from './holdback.js';
import { InputDamage, rethrowIoFailure } from './ioFailure.js';
import { gapChunk } from './gap.js';
import { fsPath } from '../core/fsname.js';
import { startsZstd } from './magic.js';

/** Compression of a byte stream, told by its first bytes (not its name, which may lie). */
export type Compression = 'none' | 'gzip' | 'zstd';

/** Sniff the compression from the first bytes of a stream. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (startsZstd(head)) return 'zstd';
  return 'none';
}


/** Read size for files: 1 MiB chunks measured fastest for line splitting. */
export const READ_CHUNK = 1 << 20;
/** Compressed bytes handed to zlib at a time, so the output waiting to be read stays small. */
const GZIP_PIECE = 1 << 16;
/** Compressed bytes handed to the salvage inflater at a time. */
const SALVAGE_PIECE = 512;

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);

/**
 * Decompress gzip with zlib (fast). Decoded bytes wait for their member's CRC (holdback.ts); when
 * it fails, or damage (a corrupt block, trailing garbage, a cut file) stops the decoding before
 * it, the bytes held are handed on in-band as unverified (`unverifiedChunk`), then the damage is
 * thrown. zlib discards the output of the piece in which it meets damage, so when the input can
 * be read again, the stream is decoded once more with a pure-JS inflater that hands out every
 * byte it decodes before the damage (unverified too); the bytes zlib gave out are skipped.
 * Multi-member gzip is read whole, as gzip itself does.
 */
async function* gunzip(first: Buffer, rest: AsyncIterator<Buffer>, reopen?: () => AsyncIterable<Buffer>, gaps = false, count?: Through): AsyncGenerator<Buffer> {
  const z = createGunzip({ chunkSize: 1 << 16 });
  const out: Buffer[] = [];
  let failure: Error | null = null;
  let delivered = 0;
  /** Compressed bytes handed to zlib (where damage showed, to the piece). */
  let fed = 0;
  z.on('data', (d: Buffer) => out.push(d));
  z.on('error', (e: Error) => {
    failure ??= e;
  });
  // On damage zlib emits 'error' and may never call the write callback: wait for either.
  const feed = (piece: Buffer): Promise<void> =>
    new Promise((resolve) => {
      const onError = (): void => resolve();
      z.once('error', onError);
      z.write(piece, () => {
        z.off('error', onError);
        resolve();
      });
    });
  // The CRC of each member is checked at its end: decoded bytes wait for it (holdback.ts).
  const hold = new Holdback();
  /** Decoded bytes zlib gave out (what a salvage skips). */
  let produced = 0;
  const drain = function* (): Generator<Buffer> {
    while (out.length > 0) {
      const b = out.shift()!;
      produced += b.length;
      if (count !== undefined) count.made += b.length;
      yield* hold.push(b);
    }
  };
  // Without a way to read the input again (stdin), its compressed chunks are kept while what they
  // decode to is held back: a salvage reads them again (the hold's limit bounds them too).
  let kept: Buffer[] | null = reopen === undefined ? [] : null;
  let keptBytes = 0;
  // zlib ends the stream by itself when a member is followed by a zero byte (padding, as tar and
  // `dd conv=sync` leave; `gzip -t` accepts it): 'end' may come while the input is still fed
  // (hostile review 8 F26: waiting for it after `end()` hung every command, exit 13). It is
  // listened for from the start; what follows the last member (from `z.bytesWritten`) is checked
  // here: zero bytes are padding, anything else is bytes that were not read, told as damage.
  let ended = false;
  const end = new Promise<void>((resolve) => {
    z.once('end', () => {
      ended = true;
      resolve();
    });
    z.once('error', () => resolve());
  });
  /** Offset of the first byte after the padding that is not zero (-1: none). */
  let afterPadding = -1;
  let chunkAt = 0;
  let chunk: Buffer | null = first;
  while (chunk !== null && failure === null) {
    if (kept !== null) {
      kept.push(chunk);
      keptBytes += chunk.length;
      if (keptBytes > hold.limit) kept = null;
    }
    let i = 0;
    for (; i < chunk.length && failure === null && !ended && z.bytesWritten >= fed; i += GZIP_PIECE) {
      const piece = chunk.subarray(i, i + GZIP_PIECE);
      await feed(piece);
      if (failure === null) fed += piece.length;
      yield* drain();
    }
    if (failure === null && (ended || z.bytesWritten < fed)) {
      // zlib stopped at padding: the rest of the input is looked at, not fed.
      const from = Math.max(0, z.bytesWritten - chunkAt);
      if (afterPadding < 0) {
        const j = chunk.subarray(from).findIndex((c) => c !== 0);
        if (j >= 0) afterPadding = chunkAt + from + j;
      }
    }
    chunkAt += chunk.length;
    if (afterPadding >= 0) break;
    let r: IteratorResult<Buffer>;
    try {
      r = await rest.next();
    } catch (e) {
      // The input failed under the decoder (a file cut or changed while it was read): what was
      // decoded since the last check is unverified, handed on as such (never lost unsaid).
      rethrowIoFailure(e);
      if (!(e instanceof InputDamage)) throw e;
      z.destroy();
      const held = hold.failed();
      if (held.length > 0) yield unverifiedChunk(held);
      throw new InputDamage(hold.dropped > 0 ? `${e.message}; ${hold.said()}` : e.message, { ...e.info, heldBack: hold.dropped });
    }
    chunk = r.done ? null : r.value;
  }
  if (failure === null) {
    if (!ended) {
      z.end();
      z.resume();
    }
    await end;
    yield* drain();
    if (afterPadding >= 0) await rest.return?.();
    z.destroy();
  }
  if (failure === null) {
    // zlib ends the stream after checking the last member's CRC. (Members are not told apart
    // here: a multi-member file is held back as a whole, up to the limit.)
    yield* hold.passed();
    if (afterPadding >= 0) {
      const pad = afterPadding - z.bytesWritten;
      throw new InputDamage(`gzip: the bytes from byte ${afterPadding} on (after the last member at byte ${z.bytesWritten} and ${pad} zero byte${pad === 1 ? '' : 's'} of padding) are not read: gzip reads nothing after padding; what came before was read and verified`, { offset: afterPadding });
    }
    return;
  }
  z.destroy();
  const f = failure as Error;
  // What was decoded since the last good check is unverified: handed on in-band, never as data.
  // zlib drops the output of the piece it meets the damage (or a failing CRC) in, and tells no
  // member ends: the input is decoded again (`salvage`), member by member, each checked itself.
  const held = hold.failed();
  const released = produced - hold.dropped;
  const again = reopen ?? (kept !== null ? () => replay(kept!) : undefined);
  if (again !== undefined) {
    yield* salvage(again, f, hold, released, gaps);
    return;
  }
  if (held.length > 0) yield unverifiedChunk(held);
  const said = hold.said();
  const info = { offset: fed, heldBack: hold.dropped };
  if (CHECK.test(f.message)) throw new InputDamage(`gzip: ${f.message}: the file is damaged; ${said}`, info);
  throw new InputDamage(hold.dropped > 0 ? `${f.message}; ${said}` : f.message, { ...info, cut: (f as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' });
}

/** zlib's words for a member whose CRC or length does not match its trailer. */
const CHECK = /incorrect data check|incorrect length check/;

async function* replay(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

/** The input's compressed bytes from byte `from` on (read again from its start). */
async function* bytesFrom(again: () => AsyncIterable<Buffer>, from: number): AsyncGenerator<Buffer> {
  let at = 0;
  for await (const c of again()) {
    const end = at + c.length;
    if (end > from) yield from > at ? c.subarray(from - at) : c;
    at = end;
  }
}

/** Compressed bytes kept behind the salvage decoder, where a member's trailer is looked up. */
const TAIL = 1 << 17;

/** The last compressed bytes pushed (at least `TAIL` of them), by absolute offset. */
class Tail {
  private parts: Buffer[] = [];
  private size = 0;
  /** Offset of the first byte kept. */
  private start = 0;

  constructor(at: number) {
    this.start = at;
  }

  add(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
    while (this.parts.length > 1 && this.size - this.parts[0].length >= TAIL) {
      this.size -= this.parts[0].length;
      this.start += this.parts.shift()!.length;
    }
  }

  /** The bytes from `from` to `to`, or null when they are not (all) kept. */
  bytes(from: number, to: number): Buffer | null {
    if (from < this.start || to > this.start + this.size) return null;
    // Copied from the parts it spans only: a file of many small members asks at every member end.
    const out = Buffer.alloc(to - from);
    let end = this.start + this.size;
    for (let i = this.parts.length - 1; i >= 0 && end > from; i--) {
      const p = this.parts[i];
      const pos = end - p.length;
      if (pos < to) p.copy(out, Math.max(pos, from) - from, Math.max(from, pos) - pos, Math.min(to, end) - pos);
      end = pos;
    }
    return out;
  }

  /** The offset of the last `needle` starting at `min` or after, or -1. */
  lastIndexOf(needle: Buffer, min: number): number {
    const all = Buffer.concat(this.parts, this.size);
    const at = all.lastIndexOf(needle);
    return at < 0 || this.start + at < min ? -1 : this.start + at;
  }
}

/** What decoding members from some byte on gives: decoded bytes, a member's end, the damage it stopped at. */
type MemberEvent =
  | { t: 'data'; b: Buffer }
  /** A member ended: `ok` when its trailer (CRC32 and ISIZE) matches what it decoded to; `next`: where the next member starts. */
  | { t: 'end'; start: number; trailer: number; next: number; ok: boolean; why: string }
  /** The decoding stopped: `start` of the member (or of the bytes that are none) it stopped in, `at` where the damage showed. */
  | { t: 'stop'; start: number; at: number; cut: boolean; message: string };

/** A member's trailer as it should read: the CRC-32 and the length (mod 2^32) of what it decoded to. */
function trailerOf(crc: number, size: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(size % 2 ** 32, 4);
  return t;
}

/**
 * Decode gzip members from byte `from` on with fflate (which hands out every byte it decodes
 * before damage, in pieces of `SALVAGE_PIECE`, and checks no CRC), checking each member against
 * its own trailer: the 8 bytes before the next member's header, or, at the end or where fflate
 * stopped, the last place they occur (a false match has a chance of 2^-64).
 */
async function* members(src: AsyncIterable<Buffer>, from: number): AsyncGenerator<MemberEvent> {
  const out: MemberEvent[] = [];
  const tail = new Tail(from);
  let start = from;
  let crc = 0;
  let size = 0;
  let pushed = from;
  let pieceAt = from;
  const ended = (trailer: number): void => {
    const want = trailerOf(crc, size);
    const got = trailer >= start + 10 ? tail.bytes(trailer, trailer + 8) : null;
    const ok = got !== null && got.equals(want);
    const why = ok ? '' : got !== null && got.readUInt32LE(0) === want.readUInt32LE(0) ? 'incorrect length check' : 'incorrect data check';
    out.push({ t: 'end', start, trailer, next: trailer + 8, ok, why });
    start = trailer + 8;
    crc = 0;
    size = 0;
  };
  const SalvageGunzip = await salvageGunzip();
  const g = new SalvageGunzip((d) => {
    if (d.length === 0) return;
    crc = crc32(d, crc);
    size += d.length;
    out.push({ t: 'data', b: toBuffer(d) });
  });
  g.onmember = (offset) => ended(from + offset - 8);
  try {
    for await (const c of src) {
      for (let i = 0; i < c.length; i += SALVAGE_PIECE) {
        const piece = c.subarray(i, i + SALVAGE_PIECE);
        tail.add(piece);
        pieceAt = pushed;
        pushed += piece.length;
        g.push(piece);
        yield* out.splice(0);
      }
    }
    pieceAt = pushed;
    g.push(new Uint8Array(0), true);
  } catch (e) {
    rethrowIoFailure(e);
    if (typeof (e as { code?: unknown }).code !== 'number') throw e;
    // What fflate decoded before the damage is in `out`. The member it was in may have ended
    // whole before it (trailing garbage, a damaged header after it): then its trailer is there.
    const t = tail.lastIndexOf(trailerOf(crc, size), start + 10);
    if (t >= 0) ended(t);
    yield* out.splice(0);
    const cut = pieceAt === pushed && start < pushed;
    yield { t: 'stop', start, at: t >= 0 ? t + 8 : cut ? pushed : pieceAt, cut, message: (e as Error).message };
    return;
  }
  yield* out.splice(0);
  if (start < pushed) {
    const t = tail.lastIndexOf(trailerOf(crc, size), start + 10);
    ended(t >= 0 ? t : Math.max(pushed - 8, 0));
    yield* out.splice(0);
  }
}

/** Where a gzip member plausibly starts, from byte `from` on: `1f 8b 08`, no reserved flag, a known XFL and OS; -1 when none does. */
async function findMember(again: () => AsyncIterable<Buffer>, from: number): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let at = from;
  for await (const c of bytesFrom(again, from)) {
    const all = carry.length > 0 ? Buffer.concat([carry, c]) : c;
    const base = at - carry.length;
    for (let i = all.indexOf(GZIP_MAGIC); i >= 0 && i + 10 <= all.length; i = all.indexOf(GZIP_MAGIC, i + 1)) {
      if ((all[i + 3] & 0xe0) === 0 && (all[i + 8] === 0 || all[i + 8] === 2 || all[i + 8] === 4) && (all[i + 9] <= 13 || all[i + 9] === 255)) return base + i;
    }
    carry = all.subarray(Math.max(0, all.length - 9));
    at += c.length;
  }
  return -1;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** A damaged stretch of a gzip: where it showed, what it says, the unverified bytes decoded from it. */
interface Stretch {
  offset: number;
  message: string;
  /** The unverified bytes were told by a check (the trailer's words always end the message). */
  check: boolean;
  unverified: number;
  cut: boolean;
  /** What became of the bytes: the hold that held them. */
  said: (n: number) => string;
}

function damageOf(s: Stretch, resumedAt?: number): InputDamage {
  const message = s.check || s.unverified > 0 ? `${s.message}; ${s.said(s.unverified)}` : s.message;
  return new InputDamage(message, { offset: s.offset, heldBack: s.unverified, ...(s.cut ? { cut: true } : {}), ...(resumedAt !== undefined ? { resumedAt, unit: 'gzip' as const } : {}) });
}

/**
 * A damaged gzip decoded again, member by member (`members`): a member whose trailer matches gives
 * its bytes as data, one that does not (or that damage stopped) gives them unverified
 * (`unverifiedChunk`). With `gaps`, reading goes on after the damage at the next member that
 * decodes whole (held in memory up to the hold-back limit: a bomb is passed over) and matches its
 * trailer: the next one fflate reads, or else the next member start found after the damage; the
 * damaged stretch is a gap chunk (gap.ts `gapChunk`). Without `gaps`, or when no member after
 * the damage verifies, everything after the damage is unverified and the damage is thrown.
 * `released`: decoded bytes zlib handed on already (not again); `zhold`: its hold.
 */
async function* salvage(again: () => AsyncIterable<Buffer>, f: Error, zhold: Holdback, released: number, gaps: boolean): AsyncGenerator<Buffer> {
  const limit = zhold.limit;
  const hold = new Holdback(limit);
  let unv: Buffer[] = [];
  let unvBytes = 0;
  const flush = function* (): Generator<Buffer> {
    if (unv.length > 0) yield unverifiedChunk(unv);
    unv = [];
    unvBytes = 0;
  };
  const unverified = function* (bs: Buffer[]): Generator<Buffer> {
    for (const b of bs) {
      unv.push(b);
      unvBytes += b.length;
      if (stretch !== null) stretch.unverified += b.length;
    }
    if (unvBytes >= READ_CHUNK) yield* flush();
  };
  let stretch: Stretch | null = null;
  let stretches = 0;
  let from = 0;
  /** Decoded offset in the first run (from byte 0): bytes before `released` were handed on. */
  let decodedAt = 0;
  let firstRun = true;
  const open = (start: number, decodedStart: number, check: boolean, at: number, message: string, cut: boolean): Stretch => {
    // zlib handed on bytes of this member unchecked (it held more than the limit): its hold says so.
    const h = firstRun && decodedStart < released ? zhold : hold;
    const dropped = h.dropped;
    const first = stretches++ === 0;
    const base = check ? `gzip: ${message} (the member at byte ${start}): the file is damaged` : first && !CHECK.test(f.message) ? f.message : `gzip: ${message} (the member at byte ${start})`;
    return { offset: at, message: base, check, unverified: 0, cut, said: (n) => h.said(n - dropped) };
  };
  for (;;) {
    /** After damage (with `gaps`): a member's bytes wait here until it verifies. */
    let probe: Buffer[] | null = gaps && stretch !== null ? [] : null;
    let probeBytes = 0;
    /** The member being decoded was found by a search (its bytes, if it fails, are no data). */
    let searched = !firstRun;
    let memberStart = from;
    let memberDecoded = decodedAt;
    let next = -1;
    let stopped: (MemberEvent & { t: 'stop' }) | null = null;
    for await (const ev of members(bytesFrom(again, from), from)) {
      if (ev.t === 'data') {
        let b = ev.b;
        if (firstRun) {
          const skip = released - decodedAt;
          decodedAt += b.length;
          if (skip >= b.length) continue;
          if (skip > 0) b = b.subarray(skip);
        }
        if (stretch !== null && !gaps) yield* unverified([b]);
        else if (probe !== null) {
          probeBytes += b.length;
          if (probeBytes > limit) {
            // Too large to check before it is read: passed over, as part of the damaged stretch.
            next = memberStart + 1;
            break;
          }
          probe.push(b);
        } else yield* hold.push(b);
        continue;
      }
      if (ev.t === 'end') {
        const start = memberStart;
        const startDecoded = memberDecoded;
        memberStart = ev.next;
        memberDecoded = decodedAt;
        const wasSearched = searched;
        searched = false;
        if (stretch !== null && !gaps) continue;
        if (ev.ok) {
          if (probe !== null) {
            yield* flush();
            yield gapChunk(damageOf(stretch!, start));
            stretch = null;
            yield* probe;
            probe = null;
          } else yield* hold.passed();
          continue;
        }
        if (probe !== null) {
          // After damage, a member that fails its check too: its bytes are unverified (a member
          // found by a search and failing was likely no member: its bytes are no data).
          if (!wasSearched) yield* unverified(probe);
          probe = [];
          probeBytes = 0;
          continue;
        }
        const held = hold.failed();
        stretch = open(start, startDecoded, true, ev.trailer, ev.why, false);
        yield* unverified(held);
        if (gaps) probe = [];
        continue;
      }
      stopped = ev;
    }
    if (stopped !== null) {
      const ev = stopped;
      if (stretch === null) {
        const held = hold.failed();
        stretch = open(ev.start, memberDecoded, false, ev.at, ev.message, ev.cut);
        yield* unverified(held);
      } else if (probe !== null && !searched && probe.length > 0) yield* unverified(probe);
      next = ev.cut ? -1 : ev.start + 1;
    } else if (next < 0) {
      // The input ended.
      if (stretch === null && stretches === 0) {
        // zlib saw damage that every member's own check passes (a header field fflate does not
        // read): everything was handed on as verified; the damage is told as zlib said it.
        throw new InputDamage(f.message, { offset: memberStart });
      }
    }
    if (stretch === null) return;
    const at = gaps && next >= 0 ? await findMember(again, next) : -1;
    if (at < 0) {
      yield* flush();
      throw damageOf(stretch);
    }
    from = at;
    firstRun = false;
  }
}
/**
 * Compressed bytes a decoder took and decoded bytes it made of them, for one input file: made as
 * decoded, before a check holds them back (a frame or member released whole at its checksum
 * made the ratio of taken to handed-on bytes 3x too high until its last chunk).
 */
interface Through {
  taken: number;
  made: number;
}

/**
 * The compressed input files read in this thread, by path, with what their decoders took and
 * made so far (`compressionRatio`). A run's progress weighs a task by its bytes on disk, but
 * counted a .gz/.zst input by its decoded bytes: a task of such files showed 100 %, ETA 0 s with
 * 40 % of its records still to come (new-user review 13 #8). The most recent MAX_THROUGH only.
 */
const throughByPath = new Map<string, Through>();
const MAX_THROUGH = 4096;

/**
 * Bytes on disk per decoded byte of compressed input `path` as far as it was read in this
 * thread (its decoder's compressed bytes taken over decoded bytes made), or undefined when it
 * is not compressed or nothing was decoded yet.
 */
export function compressionRatio(path: string): number | undefined {
  const t = throughByPath.get(path);
  return t !== undefined && t.made > 0 ? t.taken / t.made : undefined;
}

/** Compressed bytes handed to a decoder at a time: the grain of `taken` (a small file is one chunk). */
const TAKE_PIECE = 1 << 16;

/** `head` and the chunks after it in pieces of at most TAKE_PIECE, each counted as taken when the decoder asks for it. */
async function* taking(head: Buffer, rest: AsyncIterator<Buffer>, t: Through): AsyncGenerator<Buffer> {
  for (let c: Buffer | undefined = head; c !== undefined; ) {
    for (let i = 0; i < c.length; i += TAKE_PIECE) {
      const piece = c.subarray(i, i + TAKE_PIECE);
      t.taken += piece.length;
      yield piece;
    }
    const r = await rest.next();
    c = r.done ? undefined : r.value;
  }
}

/** The zstd decoder (zstd.ts and its xxh64), loaded at the first zstd input: a plain or gzip input never needs it (issue #16). */
const zstdModule = (): Promise<typeof import('./zstd.js')> => import('./zstd.js');

/**
 * Decompressed chunks of a byte stream (plain, gzip or zstd, told by magic bytes).
 * A damaged or truncated stream yields what it could decode, then throws. `reopen`, when the
 * input can be read again (a file), lets a damaged gzip give up every byte before the damage.
 * `gaps`: the reader takes gap chunks (gap.ts `gapOf`), so a zstd stream goes on after a damaged
 * frame at the next frame whose checksum verifies. `path`: the file the chunks are, when
 * compressed counted for `compressionRatio`.
 */
export async function* decoded(chunks: AsyncIterable<Buffer>, reopen?: () => AsyncIterable<Buffer>, gaps = false, path?: string): AsyncGenerator<Buffer> {
  const it = chunks[Symbol.asyncIterator]();
  // Left before its end, the chunks' source (a file handle) is closed now, not by the garbage collector.
  try {
    const first = await it.next();
    if (first.done) return;
    // Sniffing needs 4 bytes; a tiny first chunk (stdin) is topped up.
    let head = first.value;
    while (head.length < 4) {
      const more = await it.next();
      if (more.done) break;
      head = Buffer.concat([head, more.value]);
    }
    const kind = sniffCompression(head);
    if (kind !== 'none' && path !== undefined) {
      // Counted by file: a run's progress reads a compressed input's records at its ratio.
      const t: Through = { taken: 0, made: 0 };
      throughByPath.delete(path);
      if (throughByPath.size >= MAX_THROUGH) throughByPath.delete(throughByPath.keys().next().value!);
      throughByPath.set(path, t);
      const src = taking(head, it, t);
      const first = (await src.next()).value as Buffer;
      yield* kind === 'gzip' ? gunzip(first, src, reopen, gaps, t) : (await zstdModule()).unzstd(first, src, gaps, t);
    } else if (kind === 'gzip') yield* gunzip(head, it, reopen, gaps);
    else if (kind === 'zstd') yield* (await zstdModule()).unzstd(head, it, gaps);
    else {
      yield head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    }
  } finally {
    await it.return?.(undefined);
  }
}

/**
 * Decompressed chunks of a file, or of stdin for `-`. A file smaller than a read chunk is read
 * with a buffer of its own size: a 1 MiB buffer per file (two, with the read that finds the end)
 * made 50,000 one-record files take 47 s, most of it in the garbage collector.
 */
export function openDecoded(path: string, gaps = false): AsyncGenerator<Buffer> {
  if (path === '-') return decoded(process.stdin, undefined, gaps);
  return openFile(path, gaps);
}

async function* openFile(path: string, gaps: boolean): AsyncGenerator<Buffer> {
  const st = await stat(fsPath(path)).catch(() => null);
  const isFile = st?.isFile() === true;
  const size = isFile ? st!.size : READ_CHUNK;
  if (size === 0) {
    const empty = emptyCompressed(path);
    if (empty !== null) throw empty;
  }
  const again = (): AsyncIterable<Buffer> => createReadStream(fsPath(path), { highWaterMark: READ_CHUNK });
  if (!isFile) {
    yield* decoded(again(), again, gaps, path);
    return;
  }
  if (size <= SMALL_FILE) {
    // A small file in one synchronous read: a stream's open, reads and close are each a trip
    // through libuv's thread pool, which is most of the time for many small files.
    const fd = openSync(fsPath(path), 'r');
    let bytes: Buffer;
    let change: string | null;
    try {
      const before = fstatSync(fd, { bigint: true });
      bytes = readFileSync(fd);
      change = changed(before, fstatSync(fd, { bigint: true }));
    } finally {
      closeSync(fd);
    }
    if (change !== null) throw modified(change, 0);
    const reread = (): AsyncIterable<Buffer> => once(readFileSync(fsPath(path)));
    yield* decoded(once(bytes), reread, gaps, path);
    return;
  }
  const fh = await open(fsPath(path), 'r');
  try {
    yield* decoded(fileChunks(fh, await fh.stat({ bigint: true })), again, gaps, path);
  } finally {
    await fh.close();
  }
}

/**
 * The bytes of a regular file, read in `READ_CHUNK` pieces, checked against what the file was
 * when it was opened (`before`) after every read:
 * - a file that ends sooner was cut or rewritten while it was read (hostile review 3 H2: 24,049 of
 *   36,372 lines lost with exit 0): damage, named, never a quiet early end;
 * - a file whose size or modification time changed while it was read (a shell `>`, `cp` onto it,
 *   `rsync --inplace`: the same inode, rewritten) may have handed on a mix of its old and new
 *   bytes (hostile review 8 F33: 1,246 new and 913 old records, exit 0): the piece read after the
 *   change is not handed on and the file is named as damaged, the records before kept (exit 1).
 *   A change after the last read is no mix and is not seen here (commit 633de65: a file changed
 *   once it was read is no damage).
 * `start`: the byte to begin at (the WARC reader resumes after damage there).
 */
export async function* fileChunks(fh: FileHandle, before: BigIntStats, start = 0): AsyncGenerator<Buffer> {
  const size = Number(before.size);
  let n = start;
  for (;;) {
    // Up to the size it had, then a small read to find the end (a 1 MiB buffer for it, per file, was garbage).
    const b = Buffer.allocUnsafe(n < size ? Math.min(READ_CHUNK, size - n) : END_PROBE);
    const { bytesRead } = await fh.read(b, 0, b.length, n);
    if (bytesRead === 0) break;
    await checkUnchanged(fh, before, n);
    n += bytesRead;
    yield bytesRead === b.length ? b : b.subarray(0, bytesRead);
  }
  if (n < size) throw new InputDamage(`the file shrank while it was read: ${size} bytes when it was opened, it ended after ${n} (cut or rewritten by something else?)`, { offset: n, cut: true });
}

/** Bytes read to find the end of a file read up to the size it had. */
const END_PROBE = 1 << 12;

/** How the file changed since `before` (its size, its modification time), or null. */
function changed(before: BigIntStats, now: BigIntStats): string | null {
  if (now.size < before.size) return `the file shrank while it was read (${before.size} bytes when it was opened, ${now.size} now; cut or rewritten by something else?)`;
  if (now.size !== before.size) return `the file was changed while it was read (${before.size} bytes when it was opened, ${now.size} now; rewritten or appended to by something else?)`;
  if (now.mtimeNs !== before.mtimeNs) return `the file was changed while it was read (modified at ${new Date(Number(now.mtimeNs / 1_000_000n)).toISOString()}, after it was opened; rewritten in place by something else?)`;
  return null;
}

/**
 * Throws `InputChanged` when the file under `fh` changed since `before` (its size or modification
 * time), `at` the byte just read: for readers that read a file at random (Parquet, from its
 * footer) or in stretches (WARC), checked after every read as `fileChunks` does.
 */
export async function checkUnchanged(fh: FileHandle, before: BigIntStats, at: number): Promise<void> {
  const change = changed(before, await fh.stat({ bigint: true }));
  if (change !== null) throw modified(change, at);
}

/** A file rewritten while it was read (F33): its bytes after the change may mix two versions and are not read. */
export class InputChanged extends InputDamage {}

function modified(change: string, at: number): InputDamage {
  return new InputChanged(`${change}: its bytes from byte ${at} on may mix two versions and were not read; read it again once it is complete`, { offset: at, cut: true });
}

/**
 * A `.gz` or `.zst` file of 0 bytes is damage, not an empty input: no compressor writes nothing
 * (gzip's smallest member is 20 bytes, zstd's smallest frame 9; `gzip -t` and `zstd -t` call
 * such a file damaged). It is what a failed copy or a `> file` accident leaves. Null for other names.
 */
export function emptyCompressed(path: string): InputDamage | null {
  const m = /\.(gz|zst)$/i.exec(path);
  if (m === null) return null;
  const what = m[1].toLowerCase() === 'gz' ? 'a gzip file holds at least one 20-byte member' : 'a zstd file holds at least one 9-byte frame';
  return new InputDamage(`the file is empty (0 bytes), but ${what}: it was cut to nothing (a failed copy?)`, { offset: 0, cut: true });
}

/** Files up to this size are read whole, synchronously. */
const SMALL_FILE = 64 << 10;

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  if (b.length > 0) yield b;
}
