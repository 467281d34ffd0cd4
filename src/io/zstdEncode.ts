/**
 * zstd encoding for the writers, in bounded frames.
 *
 * zstd-codec is an Emscripten build whose heap does not grow: one `compress` call on more than
 * about 4.5 MB aborts the module ("OOM", then every later call fails), so a single large record
 * or a big block of rejects used to stop a run. Input is therefore cut into frames of at most
 * FRAME_BYTES, compressed one by one and concatenated: a concatenation of zstd frames is one
 * valid zstd stream (the zstd CLI, libzstd's ZSTD_decompress, fzstd and our reader decode it).
 * Frames are cut at fixed byte offsets, so the output depends only on the input bytes.
 *
 * Each frame carries its content checksum, as the zstd CLI writes by default: zstd-codec's API
 * has no way to ask for it (ZSTD_compress leaves Frame_Header_Descriptor bit 2 clear), so the
 * flag is set here and the low 32 bits of the XXH64 (seed 0) of the frame's input are appended
 * after its last block (RFC 8878 §3.1.1). Without it a flipped byte in a literal or sequence
 * decodes to other text with no error (review F1: a 6 MB record came back 249 characters short).
 */
import { createRequire } from 'node:module';

/** Largest input handed to one compress call (well under the codec's heap limit). */
export const FRAME_BYTES = 1 << 20;

interface ZstdSimple {
  compress(data: Uint8Array, level: number): Uint8Array | null | undefined;
}

type H64 = (data: Uint8Array, seed?: bigint) => bigint;

let codec: { z: ZstdSimple; h64: H64 } | null = null;

/** Load zstd-codec and the hasher once, on first use (start-up of commands that never write zstd). */
async function load(): Promise<{ z: ZstdSimple; h64: H64 }> {
  if (codec) return codec;
  const require = createRequire(import.meta.url);
  const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => ZstdSimple }) => void): void } };
  const [z, { h64Raw }] = await Promise.all([new Promise<ZstdSimple>((resolve) => ZstdCodec.run((c) => resolve(new c.Simple()))), import('xxhash-wasm').then((m) => m.default())]);
  codec = { z, h64: h64Raw };
  return codec;
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/**
 * One frame, its header flagged for a content checksum, and that checksum (to be appended after
 * it), or null when the codec wrote one itself. A codec failure becomes an Error that says what
 * failed (never `undefined`).
 */
function frame({ z, h64 }: { z: ZstdSimple; h64: H64 }, part: Uint8Array, level: number): { body: Uint8Array; sum: number | null } {
  let out: Uint8Array | null | undefined;
  try {
    out = z.compress(part, level);
  } catch (e) {
    throw new Error(`zstd compression failed on ${part.length} bytes: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!out || out.length < 5 || ZSTD_MAGIC.some((b, i) => out![i] !== b)) {
    throw new Error(`zstd compression failed on ${part.length} bytes (the codec returned no frame)`);
  }
  const fhd = out[4];
  if (fhd & 0x08) throw new Error(`zstd compression failed on ${part.length} bytes (the codec set a reserved header bit)`);
  if (fhd & 0x04) return { body: out, sum: null };
  out[4] = fhd | 0x04; // `out` is the codec's copy of its result: ours to change
  return { body: out, sum: Number(h64(part, 0n) & 0xffffffffn) };
}

/** A synchronous zstd encoder: `data` as one or more concatenated frames of at most FRAME_BYTES input each. */
export type ZstdEncode = (data: Uint8Array, level?: number) => Uint8Array;

/** Load the codec and the hasher, and return the encoder. */
export async function zstdEncoder(): Promise<ZstdEncode> {
  const z = await load();
  return (data, level = 3) => {
    const frames: { body: Uint8Array; sum: number | null }[] = [];
    let total = 0;
    for (let at = 0; at === 0 || at < data.length; at += FRAME_BYTES) {
      const f = frame(z, data.subarray(at, Math.min(at + FRAME_BYTES, data.length)), level);
      frames.push(f);
      total += f.body.length + (f.sum === null ? 0 : 4);
    }
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const f of frames) {
      out.set(f.body, at);
      at += f.body.length;
      if (f.sum !== null) {
        view.setUint32(at, f.sum, true);
        at += 4;
      }
    }
    return out;
  };
}
