/**
 * zstd encoding for the writers, in bounded frames.
 *
 * The compressor is chosen once per process, the first of these that loads (`zstdCodecName`):
 * - `node:zlib`, where the running Node has zstd (22.15+; libzstd);
 * - `@toondepauw/node-zstd`, an optional dependency: libzstd as a Node-API addon whose binary
 *   comes in a per-platform npm package (`@toondepauw/node-zstd-linux-x64-gnu`, ...), nothing
 *   compiled or fetched at install; about half the CPU of the WebAssembly build at level 1
 *   (bench/zstd-codecs.ts: #16's twelfth pass);
 * - `zstd-codec`, a WebAssembly build, always there (the fallback).
 * The three write different compressed bytes for the same input (other zstd versions, other
 * block splits): the files decode to the same bytes whichever wrote them, and the compressed
 * bytes are the same for a given install (Node version and optional packages), as every worker
 * of a run uses the one chosen here.
 *
 * zstd-codec is an Emscripten build whose heap does not grow: one `compress` call on more than
 * about 4.5 MB aborts the module ("OOM", then every later call fails), so a single large record
 * or a big block of rejects used to stop a run. Input is therefore cut into frames of at most
 * FRAME_BYTES, compressed one by one and concatenated: a concatenation of zstd frames is one
 * valid zstd stream (the zstd CLI, libzstd's ZSTD_decompress, fzstd and our reader decode it).
 * Frames are cut at fixed byte offsets, so the output depends only on the input bytes (and the
 * codec); every codec gets the same cuts.
 *
 * Each frame carries its content size and its content checksum, as the zstd CLI writes by
 * default, whichever codec made it: where a codec leaves them out (zstd-codec's API has no way
 * to ask for the checksum, and ZSTD_compress leaves Frame_Header_Descriptor bit 2 clear;
 * node-zstd's streaming encoder writes neither), the header is completed here (RFC 8878
 * §3.1.1.1): the checksum flag set and the low 32 bits of the XXH64 (seed 0) of the frame's
 * input appended after its last block; a frame with neither a content size nor a single segment
 * gets the single-segment header libzstd writes when it knows the size (`frame`). Without the
 * checksum a flipped byte in a literal or sequence decodes to other text with no error (review
 * F1: a 6 MB record came back 249 characters short); with the size, our reader checks a frame's
 * length, and `zstd -l` shows it.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { loadXxh64 } from '../core/xxh64.js';
import { isWasmMemoryFailure, wasmLimitError } from '../core/wasmLimit.js';
import { ZSTD_CODECS, zstdWrote, type ZstdCodecName } from './zstdRecord.js';

/** Largest input handed to one compress call (well under the WebAssembly codec's heap limit). */
export const FRAME_BYTES = 1 << 20;

/** One frame of `part` at `level`, as the codec writes it (checksum and content size maybe absent). */
type Compress = (part: Uint8Array, level: number) => Uint8Array | null | undefined;
type H64 = (data: Uint8Array, seed?: bigint) => bigint;

const require = createRequire(import.meta.url);

/** Node's own zstd (22.15+), or null on a Node without it. */
function zlibCodec(): Compress | null {
  const z = zlib as unknown as { zstdCompressSync?: (b: Uint8Array, o: object) => Buffer; constants: Record<string, number> };
  if (typeof z.zstdCompressSync !== 'function') return null;
  const { ZSTD_c_compressionLevel: LEVEL, ZSTD_c_checksumFlag: CHECKSUM } = z.constants;
  const params = new Map<number, object>();
  return (part, level) => {
    let o = params.get(level);
    if (o === undefined) params.set(level, (o = { params: { [LEVEL]: level, [CHECKSUM]: 1 } }));
    return z.zstdCompressSync!(part, o);
  };
}

/** The node-zstd addon, or null where it is not installed or does not load (another platform). */
function addonCodec(): Compress | null {
  let m: { Encoder: new (level: number) => { encodeSync(b: Buffer): Buffer } };
  try {
    m = require('@toondepauw/node-zstd') as typeof m;
  } catch {
    return null;
  }
  const encoders = new Map<number, { encodeSync(b: Buffer): Buffer }>();
  return (part, level) => {
    let e = encoders.get(level);
    if (e === undefined) encoders.set(level, (e = new m.Encoder(level)));
    return e.encodeSync(Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.length));
  };
}

/** The WebAssembly build. */
async function wasmCodec(): Promise<Compress> {
  try {
    const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => { compress(data: Uint8Array, level: number): Uint8Array | null | undefined } }) => void): void } };
    const z = await new Promise<{ compress(data: Uint8Array, level: number): Uint8Array | null | undefined }>((resolve) => ZstdCodec.run((c) => resolve(new c.Simple())));
    return (part, level) => z.compress(part, level);
  } catch (e) {
    // The last compressor tried: under an address-space limit, one line and exit 2 (new-user review 19).
    if (isWasmMemoryFailure(e)) throw wasmLimitError("writing .zst with zstd-codec (the compressor used where Node's zlib has no zstd and the node-zstd addon does not load)", ', install @toondepauw/node-zstd, or write without zstd (--compress gzip or none)');
    throw e;
  }
}

interface Codec {
  name: ZstdCodecName;
  compress: Compress;
}

const loaded = new Map<ZstdCodecName | undefined, Promise<Codec | null>>();
let hasher: Promise<H64> | undefined;

/** A codec by name (null when it does not load here), or the first of `ZSTD_CODECS` that loads; each loaded once. */
function codec(name?: ZstdCodecName): Promise<Codec | null> {
  let p = loaded.get(name);
  if (p === undefined) {
    p = (async (): Promise<Codec | null> => {
      if (name === undefined) {
        for (const n of ZSTD_CODECS) {
          const c = await codec(n);
          if (c !== null) return c;
        }
        return null;
      }
      const compress = name === 'node:zlib' ? zlibCodec() : name === '@toondepauw/node-zstd' ? addonCodec() : await wasmCodec();
      return compress === null ? null : { name, compress };
    })();
    loaded.set(name, p);
  }
  return p;
}

/** The compressor the writers use in this process (the first of `ZSTD_CODECS` that loads). */
export async function zstdCodecName(): Promise<ZstdCodecName> {
  return (await codec())!.name;
}

/** The compressors that load here, in the order they are tried. */
export async function zstdCodecsHere(): Promise<ZstdCodecName[]> {
  const here: ZstdCodecName[] = [];
  for (const n of ZSTD_CODECS) if ((await codec(n).catch(() => null)) !== null) here.push(n);
  return here;
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/**
 * One frame as it is written: a header of our own in place of the codec's first `cut` bytes
 * (null: the codec's header is kept), and the checksum to append (null: it has one).
 */
interface Frame {
  head: Uint8Array | null;
  body: Uint8Array;
  cut: number;
  sum: number | null;
}

/**
 * The single-segment header (RFC 8878 §3.1.1.1) of a frame of `size` bytes of content: the
 * checksum flag, the dictionary ID field of the codec's header (`did`: its bytes), and the
 * content size in the fewest bytes, as libzstd's one-shot compress writes it.
 */
function singleSegmentHeader(size: number, did: Uint8Array, didFlag: number): Uint8Array {
  const fcs = size < 256 ? 0 : size < 65536 + 256 ? 1 : 2;
  const h = new Uint8Array(5 + did.length + [1, 2, 4][fcs]);
  h.set(ZSTD_MAGIC);
  h[4] = (fcs << 6) | 0x20 | 0x04 | didFlag;
  h.set(did, 5);
  const v = new DataView(h.buffer);
  const at = 5 + did.length;
  if (fcs === 0) h[at] = size;
  else if (fcs === 1) v.setUint16(at, size - 256, true);
  else v.setUint32(at, size, true);
  return h;
}

/** A codec failure becomes an Error that says what failed (never `undefined`). */
function frame(c: Codec, h64: H64, part: Uint8Array, level: number): Frame {
  let out: Uint8Array | null | undefined;
  try {
    out = c.compress(part, level);
  } catch (e) {
    throw new Error(`zstd compression failed on ${part.length} bytes: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!out || out.length < 6 || ZSTD_MAGIC.some((b, i) => out![i] !== b)) {
    throw new Error(`zstd compression failed on ${part.length} bytes (the codec returned no frame)`);
  }
  const fhd = out[4];
  if (fhd & 0x08) throw new Error(`zstd compression failed on ${part.length} bytes (the codec set a reserved header bit)`);
  const sum = fhd & 0x04 ? null : Number(h64(part, 0n) & 0xffffffffn);
  if ((fhd & 0x20) === 0 && fhd >> 6 === 0) {
    // Neither a content size nor a single segment (node-zstd's streaming encoder): the frame is
    // given the single-segment header libzstd writes when it knows the size, whose window is the
    // content. Its blocks stay valid: without a dictionary they refer only to bytes decoded
    // before them in the frame, and none holds more than the content. (The codec's window, 2 MiB
    // at level 3, would have made readers allocate that much for a frame of 1 MiB at most.)
    const didBytes = [0, 1, 2, 4][fhd & 3];
    return { head: singleSegmentHeader(part.length, out.subarray(6, 6 + didBytes), fhd & 3), body: out, cut: 6 + didBytes, sum };
  }
  if (sum !== null) out[4] = fhd | 0x04; // `out` is the codec's copy of its result: ours to change
  return { head: null, body: out, cut: 0, sum };
}

/** A synchronous zstd encoder: `data` as one or more concatenated frames of at most FRAME_BYTES input each. */
export type ZstdEncode = (data: Uint8Array, level?: number) => Uint8Array;

/**
 * The one empty frame the zstd CLI (and libzstd's one-shot compress) writes for empty input, with
 * its checksum: an empty output is the same file whichever codec is here.
 */
const EMPTY_FRAME = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01, 0x00, 0x00, 0x99, 0xe9, 0xd8, 0x51]);

/**
 * Load the codec (`name`, or else the first of `ZSTD_CODECS` that loads: the writers' choice)
 * and the hasher, and return the encoder. A codec named that does not load here is an Error.
 */
export async function zstdEncoder(name?: ZstdCodecName): Promise<ZstdEncode> {
  const [c, h64] = await Promise.all([codec(name), (hasher ??= loadXxh64().then((x) => x.bytes))]);
  if (c === null) throw new Error(`zstd: the codec ${name} does not load here`);
  if (name === undefined) zstdWrote(c.name);
  return (data, level = 3) => {
    if (data.length === 0) return EMPTY_FRAME.slice();
    const frames: Frame[] = [];
    let total = 0;
    for (let at = 0; at < data.length; at += FRAME_BYTES) {
      const f = frame(c, h64, data.subarray(at, Math.min(at + FRAME_BYTES, data.length)), level);
      frames.push(f);
      total += (f.head?.length ?? 0) + f.body.length - f.cut + (f.sum === null ? 0 : 4);
    }
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const f of frames) {
      if (f.head !== null) {
        out.set(f.head, at);
        at += f.head.length;
      }
      out.set(f.cut === 0 ? f.body : f.body.subarray(f.cut), at);
      at += f.body.length - f.cut;
      if (f.sum !== null) {
        view.setUint32(at, f.sum, true);
        at += 4;
      }
    }
    return out;
  };
}
