/**
 * XXH64 in plain JavaScript (BigInt), the same hashes as xxhash-wasm: what `loadXxh64` falls back
 * to where that WebAssembly module cannot be made. Under an address-space limit (`ulimit -v` of
 * a few GB) every WebAssembly instance fails to reserve its memory (64-bit V8 reserves ~8-10 GiB
 * of address space for each), and exact dedup, every `.zst` read and write (their checksums) and
 * Parquet's page checks died with "RangeError: WebAssembly.instantiate(): Out of memory"
 * (new-user review 19; d7ef2f8 did the same for the SIMD MinHash signer). Several times slower
 * than the module, so it is only the fallback.
 */
import type { Xxh64, Xxh64Stream } from './xxh64.js';

const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, input: bigint): bigint => (rotl((acc + input * P2) & M, 31n) * P1) & M;
const mergeRound = (acc: bigint, val: bigint): bigint => (((acc ^ round(0n, val)) * P1) & M) + P4 & M;

/** The 64-bit little-endian word at `at` of `b`. */
function u64(b: Uint8Array, at: number): bigint {
  const lo = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  const hi = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const u32 = (b: Uint8Array, at: number): bigint => BigInt((b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0);

class Stream implements Xxh64Stream {
  private v1: bigint;
  private v2: bigint;
  private v3: bigint;
  private v4: bigint;
  private total = 0;
  /** Bytes of an unfinished 32-byte stripe. */
  private readonly buf = new Uint8Array(32);
  private held = 0;

  constructor(private readonly seed: bigint) {
    const s = seed & M;
    this.v1 = (s + P1 + P2) & M;
    this.v2 = (s + P2) & M;
    this.v3 = s;
    this.v4 = (s - P1) & M;
  }

  private stripe(b: Uint8Array, at: number): void {
    this.v1 = round(this.v1, u64(b, at));
    this.v2 = round(this.v2, u64(b, at + 8));
    this.v3 = round(this.v3, u64(b, at + 16));
    this.v4 = round(this.v4, u64(b, at + 24));
  }

  update(data: Uint8Array): Xxh64Stream {
    this.total += data.length;
    let at = 0;
    if (this.held > 0) {
      const n = Math.min(32 - this.held, data.length);
      this.buf.set(data.subarray(0, n), this.held);
      this.held += n;
      at = n;
      if (this.held < 32) return this;
      this.stripe(this.buf, 0);
      this.held = 0;
    }
    for (; at + 32 <= data.length; at += 32) this.stripe(data, at);
    if (at < data.length) {
      this.buf.set(data.subarray(at), 0);
      this.held = data.length - at;
    }
    return this;
  }

  digest(): bigint {
    let h: bigint;
    if (this.total >= 32) {
      h = (rotl(this.v1, 1n) + rotl(this.v2, 7n) + rotl(this.v3, 12n) + rotl(this.v4, 18n)) & M;
      h = mergeRound(h, this.v1);
      h = mergeRound(h, this.v2);
      h = mergeRound(h, this.v3);
      h = mergeRound(h, this.v4);
    } else h = ((this.seed & M) + P5) & M;
    h = (h + BigInt(this.total)) & M;
    const b = this.buf;
    let at = 0;
    for (; at + 8 <= this.held; at += 8) h = ((rotl(h ^ round(0n, u64(b, at)), 27n) * P1) & M) + P4 & M;
    if (at + 4 <= this.held) {
      h = ((rotl(h ^ ((u32(b, at) * P1) & M), 23n) * P2) & M) + P3 & M;
      at += 4;
    }
    for (; at < this.held; at++) h = (rotl(h ^ ((BigInt(b[at]) * P5) & M), 11n) * P1) & M;
    h ^= h >> 33n;
    h = (h * P2) & M;
    h ^= h >> 29n;
    h = (h * P3) & M;
    h ^= h >> 32n;
    return h;
  }
}

const ENCODER = new TextEncoder();

/** XXH64 of bytes and strings (their UTF-8), as `Xxh64` asks. */
export const xxh64js: Xxh64 = {
  bytes: (data, seed = 0n) => new Stream(seed).update(data).digest(),
  string: (text, seed = 0n) => new Stream(seed).update(ENCODER.encode(text)).digest(),
  create: (seed = 0n) => new Stream(seed),
};
