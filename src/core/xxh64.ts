/**
 * XXH64 through xxhash-wasm, fed in pieces that fit the module's memory as it starts.
 *
 * xxhash-wasm copies its input into its WebAssembly memory, which starts at one 64 KiB page,
 * and grows that memory for a larger input. Growing a WebAssembly memory detaches its old
 * ArrayBuffer, and the first ArrayBuffer detached in a process makes V8 drop, for the rest of
 * the process, its assumption that none ever is (the "ArrayBufferDetaching" protector): every
 * optimised function that reads a typed array is deoptimised at that moment and recompiled with
 * a detach check on its reads. One 1 MiB frame of `_rejects.jsonl.zst` (its checksum), one text
 * over ~21,800 characters in exact dedup, one 128 KiB block of a `.zst` input did it, early in
 * every run: quality's tokeniser and signals, langid's scan and normalize's tables (all typed
 * arrays) were compiled twice, then ran slower (the quality stage over web-zh by 6-10 %:
 * bench/RESULTS.md, eighteenth pass).
 * Hashed here in pieces of at most `PIECE` bytes, the memory never grows; the hashes are the
 * same (XXH64 streamed is XXH64 of the whole).
 */
import type xxhashInit from 'xxhash-wasm';
import { isWasmMemoryFailure, wasmMissing } from './wasmLimit.js';

type Api = Awaited<ReturnType<typeof xxhashInit>>;

/**
 * Bytes handed to xxhash-wasm in one call: with the 88 bytes of a streaming hash's state, well
 * inside its one page of memory.
 */
export const PIECE = 1 << 15;

/** A streaming XXH64: `update` as often as needed, then `digest` once. */
export interface Xxh64Stream {
  update(data: Uint8Array): Xxh64Stream;
  digest(): bigint;
}

/** XXH64 of bytes and of strings (their UTF-8 bytes), one-shot or streamed; seed 0 unless given. */
export interface Xxh64 {
  bytes(data: Uint8Array, seed?: bigint): bigint;
  string(text: string, seed?: bigint): bigint;
  create(seed?: bigint): Xxh64Stream;
}

const ENCODER = new TextEncoder();

function wrap(api: Api): Xxh64 {
  const create = (seed = 0n): Xxh64Stream => {
    const h = api.create64(seed);
    const s: Xxh64Stream = {
      update(data) {
        if (data.length <= PIECE) h.update(data);
        else for (let at = 0; at < data.length; at += PIECE) h.update(data.subarray(at, at + PIECE));
        return s;
      },
      digest: () => h.digest(),
    };
    return s;
  };
  const bytes = (data: Uint8Array, seed = 0n): bigint => (data.length <= PIECE ? api.h64Raw(data, seed) : create(seed).update(data).digest());
  return {
    bytes,
    // xxhash-wasm sets aside 3 bytes a UTF-16 unit for a string's UTF-8; a longer one is encoded
    // here (TextEncoder writes the bytes its encodeInto would) and hashed in pieces.
    string: (text, seed = 0n) => (text.length * 3 <= PIECE ? api.h64(text, seed) : bytes(ENCODER.encode(text), seed)),
    create,
  };
}

let loading: Promise<Xxh64> | undefined;

/**
 * The hasher; the WebAssembly module is loaded on first use, once per process. Where it cannot
 * be made (isWasmMemoryFailure, or no WebAssembly at all), the same hashes in plain JavaScript (xxh64js.ts), slower.
 */
export function loadXxh64(): Promise<Xxh64> {
  loading ??= import('xxhash-wasm').then(
    async (m) => {
      try {
        return wrap(await m.default());
      } catch (e) {
        // Without WebAssembly at all (--jitless: 'ReferenceError: WebAssembly is not defined', hostile review 23 E1) too.
        if (!isWasmMemoryFailure(e) && !wasmMissing()) throw e;
        return (await import('./xxh64js.js')).xxh64js;
      }
    },
  );
  return loading;
}
