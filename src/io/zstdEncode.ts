/**
 * zstd encoding for the writers, in bounded frames.
 *
 * zstd-codec is an Emscripten build whose heap does not grow: one `compress` call on more than
 * about 4.5 MB aborts the module ("OOM", then every later call fails), so a single large record
 * or a big block of rejects used to stop a run. Input is therefore cut into frames of at most
 * FRAME_BYTES, compressed one by one and concatenated: a concatenation of zstd frames is one
 * valid zstd stream (the zstd CLI, libzstd's ZSTD_decompress, fzstd and our reader decode it).
 * Frames are cut at fixed byte offsets, so the output depends only on the input bytes.
 */
import { createRequire } from 'node:module';

/** Largest input handed to one compress call (well under the codec's heap limit). */
export const FRAME_BYTES = 1 << 20;

interface ZstdSimple {
  compress(data: Uint8Array, level: number): Uint8Array | null | undefined;
}

let codec: ZstdSimple | null = null;

/** Load zstd-codec once, on first use (start-up of commands that never write zstd). */
async function load(): Promise<ZstdSimple> {
  if (codec) return codec;
  const require = createRequire(import.meta.url);
  const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => ZstdSimple }) => void): void } };
  codec = await new Promise<ZstdSimple>((resolve) => ZstdCodec.run((z) => resolve(new z.Simple())));
  return codec;
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** One frame; a codec failure becomes an Error that says what failed (never `undefined`). */
function frame(z: ZstdSimple, part: Uint8Array, level: number): Uint8Array {
  let out: Uint8Array | null | undefined;
  try {
    out = z.compress(part, level);
  } catch (e) {
    throw new Error(`zstd compression failed on ${part.length} bytes: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!out || out.length < 4 || ZSTD_MAGIC.some((b, i) => out![i] !== b)) {
    throw new Error(`zstd compression failed on ${part.length} bytes (the codec returned no frame)`);
  }
  return out;
}

/** A synchronous zstd encoder: `data` as one or more concatenated frames of at most FRAME_BYTES input each. */
export type ZstdEncode = (data: Uint8Array, level?: number) => Uint8Array;

/** Load the codec and return the encoder. */
export async function zstdEncoder(): Promise<ZstdEncode> {
  const z = await load();
  return (data, level = 3) => {
    if (data.length <= FRAME_BYTES) return frame(z, data, level);
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let at = 0; at < data.length; at += FRAME_BYTES) {
      const f = frame(z, data.subarray(at, Math.min(at + FRAME_BYTES, data.length)), level);
      parts.push(f);
      total += f.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
}
