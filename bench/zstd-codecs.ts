/**
 * bench/zstd-codecs.ts: native zstd codecs against the WebAssembly one the writers use (issue #16,
 * twelfth pass).
 *
 * Input: a run's `_rejects.jsonl.zst` (`--rejects FILE`; make one with
 * `node dist/cli/main.js run rules/recipes/sample.yaml -i MIX -o OUT --workers 1 --text-field text,content,raw_content`).
 * It is decoded, and cut again into the parts its frames hold, so each codec compresses exactly
 * the inputs the writer handed to one compress call (at most 1 MiB each, FRAME_BYTES), at level 1
 * (REJECTS_ZSTD_LEVEL), each frame with its XXH64 content checksum as the writer makes it.
 *
 * Codecs, each measured where it loads:
 * - the writers' codecs that load here, through src/io/zstdEncode.ts as the writers call it
 *   (`zstdEncoder(name)`: header completed, checksum appended where the codec leaves them out):
 *   `node:zlib` (Node 22.15+), `@toondepauw/node-zstd` (the optional dependency, napi-rs, its
 *   binary in `@toondepauw/node-zstd-linux-x64-gnu`), `zstd-codec` (WebAssembly, the fallback);
 * - candidates not taken, from `--from DIR` (DIR/node_modules; default this project):
 *   `zstd-napi` (its Compressor, level 1, checksumFlag; no prebuilt binary in its npm tarball: it
 *   is fetched by prebuild-install from GitHub, or else built by node-gyp), and
 *   `@mongodb-js/zstd` 1.x (napi-rs, binary in `@mongodb-js/zstd-linux-x64-gnu`; `compress` is
 *   async only, awaited one part at a time as the writer would, and 1.2.2 ignores its level
 *   argument: level 3 whatever is asked; no checksum option, so the flag and the XXH64 trailer
 *   are added as for the wasm codec). 2.x and later fetch their binary from GitHub at install.
 * Decompression: our reader (src/io/zstd.ts over fzstd, frame by frame, block by block, checksum
 * verified), and each native codec decoding its own output frame by frame, whole.
 *
 * CPU seconds of this process (user + system: a codec's threads count), best of `--rounds`
 * (default 3), the codecs in a different order each round. Every output is decoded by our reader
 * and compared with the input.
 *
 * Run: npx tsx bench/zstd-codecs.ts --rejects OUT/_rejects.jsonl.zst [--from DIR] [--rounds N]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { load } from './cpu.js';
import { zstdCodecsHere, zstdEncoder } from '../src/io/zstdEncode.js';
import { unzstd } from '../src/io/zstd.js';
import { REJECTS_ZSTD_LEVEL } from '../src/io/writers/rejects.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const rejects = arg('--rejects');
if (rejects === undefined) throw new Error('--rejects OUT/_rejects.jsonl.zst is needed (see the header for how to make one)');
const rounds = Number(arg('--rounds') ?? 3);
const from = resolve(arg('--from') ?? join(import.meta.dirname, '..'));
const req = createRequire(join(from, 'package.json'));
const own = createRequire(import.meta.url);
const LEVEL = REJECTS_ZSTD_LEVEL;

/** The content sizes of a zstd stream's frames, from their headers (RFC 8878 §3.1.1; -1 without one), and where each ends. */
function frameSizes(b: Buffer): { sizes: number[]; ends: number[] } {
  const sizes: number[] = [];
  const ends: number[] = [];
  let p = 0;
  while (p < b.length) {
    if (b.readUInt32LE(p) !== 0xfd2fb528) throw new Error(`not a zstd frame at byte ${p}`);
    const fhd = b[p + 4];
    const single = (fhd >> 5) & 1;
    const fcsSize = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    const at = p + 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
    sizes.push(fcsSize === 0 ? -1 : fcsSize === 1 ? b[at] : fcsSize === 2 ? b.readUInt16LE(at) + 256 : fcsSize === 4 ? b.readUInt32LE(at) : Number(b.readBigUInt64LE(at)));
    p = at + fcsSize;
    for (;;) {
      const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
      p += 3 + (((v >> 1) & 3) === 1 ? 1 : v >>> 3);
      if (v & 1) break;
    }
    if ((fhd >> 2) & 1) p += 4;
    ends.push(p);
  }
  return { sizes, ends };
}

async function decodeAll(z: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of unzstd(z, (async function* () {})())) out.push(c);
  return Buffer.concat(out);
}

const file = readFileSync(rejects);
const { sizes } = frameSizes(file);
if (sizes.includes(-1)) throw new Error(`${rejects}: a frame without a content size (not written by corpus-clean's wasm codec)`);
const data = await decodeAll(file);
const parts: Buffer[] = [];
for (let at = 0, i = 0; i < sizes.length; at += sizes[i++]) parts.push(data.subarray(at, at + sizes[i]));
if (parts.reduce((n, p) => n + p.length, 0) !== data.length) throw new Error('the frames do not add up to the decoded file');

const { h64Raw } = await (await import('xxhash-wasm')).default();
/** A frame from a codec that cannot write the checksum: the header flag set and the XXH64 appended, as zstdEncode.ts does. */
function withChecksum(frame: Uint8Array, part: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frame.length + 4);
  out.set(frame);
  out[4] |= 0x04;
  out.writeUInt32LE(Number(h64Raw(part, 0n) & 0xffffffffn), frame.length);
  return out;
}

interface Codec {
  name: string;
  version: string;
  /** All parts, one frame each, concatenated. */
  encode(parts: readonly Buffer[]): Promise<Buffer>;
  /** One frame back to its content (a native codec's whole-buffer decode), or undefined. */
  decodeFrame?(frame: Buffer): Buffer | Promise<Buffer>;
}

const codecs: Codec[] = [];
const version = (r: NodeJS.Require, id: string): string => {
  try {
    return (r(`${id}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
};
for (const name of await zstdCodecsHere()) {
  const encode = await zstdEncoder(name);
  const c: Codec = { name: name === 'zstd-codec' ? 'wasm' : name, version: name === 'node:zlib' ? `Node ${process.version}` : `${name} ${version(own, name)}`, encode: async (ps) => Buffer.concat(ps.map((p) => encode(p, LEVEL))) };
  if (name === '@toondepauw/node-zstd') {
    const d = new (own(name) as { Decoder: new () => { decodeSync(b: Buffer): Buffer } }).Decoder();
    c.decodeFrame = (f) => d.decodeSync(f);
  }
  if (name === 'node:zlib') c.decodeFrame = (f) => (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(f);
  codecs.push(c);
}
if (!codecs.some((c) => c.name === 'node:zlib')) console.log(`(node:zlib: not measured: Node ${process.version} has no zstd; 22.15+ has)`);

const tryLoad = <T>(id: string): T | undefined => {
  try {
    return req(id) as T;
  } catch (e) {
    console.log(`(${id}: not measured: ${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
};

interface ZstdNapi {
  Compressor: new () => { setParameters(p: object): void; compress(b: Uint8Array): Buffer };
  Decompressor: new () => { decompress(b: Uint8Array): Buffer };
}
const napi = tryLoad<ZstdNapi>('zstd-napi');
if (napi) {
  const c = new napi.Compressor();
  c.setParameters({ compressionLevel: LEVEL, checksumFlag: true });
  const d = new napi.Decompressor();
  codecs.push({ name: 'zstd-napi (not taken)', version: `zstd-napi ${version(req, 'zstd-napi')}`, encode: async (ps) => Buffer.concat(ps.map((p) => c.compress(p))), decodeFrame: (f) => d.decompress(f) });
}

interface Mongo {
  compress(b: Buffer, level?: number): Promise<Buffer>;
  decompress(b: Buffer): Promise<Buffer>;
}
const mongo = tryLoad<Mongo>('@mongodb-js/zstd');
if (mongo) {
  codecs.push({
    name: '@mongodb-js/zstd (not taken)',
    version: `@mongodb-js/zstd ${version(req, '@mongodb-js/zstd')}`,
    encode: async (ps) => {
      const out: Buffer[] = [];
      for (const p of ps) out.push(withChecksum(await mongo.compress(p, LEVEL), p));
      return Buffer.concat(out);
    },
    decodeFrame: (f) => mongo.decompress(f),
  });
}

async function cpu<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = process.cpuUsage();
  const r = await f();
  const u = process.cpuUsage(t);
  return [(u.user + u.system) / 1e6, r];
}

console.log(`load before: ${load()}`);
console.log(`input: ${rejects}: ${(file.length / 1e6).toFixed(1)} MB, ${parts.length} frames, ${(data.length / 1e6).toFixed(1)} MB decoded; level ${LEVEL}; best of ${rounds} rounds\n`);
const enc = new Map<string, number>();
const dec = new Map<string, number>();
let readerCpu = Infinity;
const outs = new Map<string, Buffer>();
for (let r = 0; r < rounds; r++) {
  const order = codecs.map((_, i) => codecs[(i + r) % codecs.length]);
  for (const c of order) {
    const [t, out] = await cpu(() => c.encode(parts));
    enc.set(c.name, Math.min(enc.get(c.name) ?? Infinity, t));
    outs.set(c.name, out);
  }
  for (const c of order) {
    if (!c.decodeFrame) continue;
    const out = outs.get(c.name)!;
    const { ends } = frameSizes(out);
    const [t, n] = await cpu(async () => {
      let n = 0;
      for (let i = 0, at = 0; i < ends.length; at = ends[i++]) n += (await c.decodeFrame!(out.subarray(at, ends[i]))).length;
      return n;
    });
    if (n !== data.length) throw new Error(`${c.name} decoded ${n} bytes, not ${data.length}`);
    dec.set(c.name, Math.min(dec.get(c.name) ?? Infinity, t));
  }
  const [t, back] = await cpu(() => decodeAll(outs.get('wasm')!));
  if (!back.equals(data)) throw new Error('our reader did not give the input back');
  readerCpu = Math.min(readerCpu, t);
}

// Every output is a valid zstd stream our reader reads back to the input.
for (const c of codecs) if (!(await decodeAll(outs.get(c.name)!)).equals(data)) throw new Error(`our reader did not read ${c.name}'s output back to the input`);

const w = enc.get('wasm')!;
const mbs = (s: number): string => (data.length / 1e6 / s).toFixed(0);
console.log('| codec | version | write CPU s | MB/s per core | x wasm | saved s | size MB | x wasm size | same bytes as wasm | decode CPU s (frame by frame, native) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---|---:|');
const wasmOut = outs.get('wasm')!;
for (const c of codecs) {
  const t = enc.get(c.name)!;
  const out = outs.get(c.name)!;
  const d = dec.get(c.name);
  console.log(`| ${c.name} | ${c.version} | ${t.toFixed(3)} | ${mbs(t)} | ${(t / w).toFixed(2)} | ${(w - t).toFixed(3)} | ${(out.length / 1e6).toFixed(2)} | ${(out.length / wasmOut.length).toFixed(3)} | ${out.equals(wasmOut) ? 'yes' : 'no'} | ${d === undefined ? '-' : d.toFixed(3)} |`);
}
console.log(`\nour reader (src/io/zstd.ts, fzstd, checksum verified) on the wasm output: ${readerCpu.toFixed(3)} s CPU (${mbs(readerCpu)} MB/s per core); every codec's output read back to the input by it`);
console.log(`load after: ${load()}`);
