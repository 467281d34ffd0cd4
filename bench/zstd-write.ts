/**
 * bench/zstd-write.ts: what the zstd content checksum costs (issue #10, late review F1).
 *
 * The writers' zstd frames now carry the XXH64 content checksum (src/io/zstdEncode.ts sets the
 * header flag and appends it). Baseline in the same run: zstd-codec's Simple API on the same
 * 1 MiB parts, as the writer did before (no checksum). Also the read side: our reader (frame by
 * frame, block by block, src/io/zstd.ts) on both outputs, which now hashes what it decodes.
 *
 * Input: the en+zh web mix (DATA/web/en + web/zh JSONL, concatenated, 34 MB). CPU seconds (user
 * + system) of this process, best of `--rounds` (default 3), the variants alternating per round.
 *
 * Run: npm run build && npx tsx bench/zstd-write.ts [--data DIR] [--rounds N]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DATA } from './data.js';
import { jsonlFiles, load } from './cpu.js';
import { FRAME_BYTES, zstdEncoder } from '../src/io/zstdEncode.js';
import { unzstd } from '../src/io/zstd.js';

const ri = process.argv.indexOf('--rounds');
const rounds = ri > 0 ? Number(process.argv[ri + 1]) : 3;

const data = Buffer.concat([...jsonlFiles(join(DATA, 'web/en')), ...jsonlFiles(join(DATA, 'web/zh'))].map((f) => readFileSync(f)));
const require = createRequire(import.meta.url);
const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => { compress(d: Uint8Array, l: number): Uint8Array } }) => void): void } };
const simple = await new Promise<{ compress(d: Uint8Array, l: number): Uint8Array }>((res) => ZstdCodec.run((z) => res(new z.Simple())));
const encode = await zstdEncoder('zstd-codec'); // the WebAssembly codec, against its own plain frames
const { h64Raw } = await (await import('xxhash-wasm')).default();

/** Before: the codec alone, 1 MiB of input per frame, no checksum. */
function plainFrames(b: Buffer): Buffer {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < b.length; at += FRAME_BYTES) parts.push(simple.compress(b.subarray(at, at + FRAME_BYTES), 3));
  return Buffer.concat(parts);
}

async function decode(z: Buffer): Promise<number> {
  let n = 0;
  for await (const c of unzstd(z, (async function* () {})())) n += c.length;
  return n;
}

function cpu<T>(f: () => T): [number, T] {
  const t = process.cpuUsage();
  const r = f();
  const u = process.cpuUsage(t);
  return [(u.user + u.system) / 1e6, r];
}
async function cpuAsync<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = process.cpuUsage();
  const r = await f();
  const u = process.cpuUsage(t);
  return [(u.user + u.system) / 1e6, r];
}

console.log(`load before: ${load()}`);
console.log(`input: en+zh web mix, ${(data.length / 1e6).toFixed(1)} MB; best of ${rounds} rounds (alternating)\n`);
const best = { plain: Infinity, checked: Infinity, hash: Infinity, readPlain: Infinity, readChecked: Infinity };
let plainOut = Buffer.alloc(0);
let checkedOut = Buffer.alloc(0);
for (let r = 0; r < rounds; r++) {
  let t: number;
  // Which goes first alternates by round (the second of two runs finds a warmer heap).
  for (const which of r % 2 === 0 ? ['plain', 'checked'] : ['checked', 'plain']) {
    if (which === 'plain') {
      [t, plainOut] = cpu(() => plainFrames(data));
      best.plain = Math.min(best.plain, t);
    } else {
      [t, checkedOut] = cpu(() => Buffer.from(encode(data)));
      best.checked = Math.min(best.checked, t);
    }
  }
  [t] = cpu(() => {
    for (let at = 0; at < data.length; at += FRAME_BYTES) h64Raw(data.subarray(at, at + FRAME_BYTES), 0n);
  });
  best.hash = Math.min(best.hash, t);
  let n: number;
  [t, n] = await cpuAsync(() => decode(plainOut));
  if (n !== data.length) throw new Error('plain frames did not decode to the input');
  best.readPlain = Math.min(best.readPlain, t);
  [t, n] = await cpuAsync(() => decode(checkedOut));
  if (n !== data.length) throw new Error('checked frames did not decode to the input');
  best.readChecked = Math.min(best.readChecked, t);
}
const mbs = (s: number): string => (data.length / 1e6 / s).toFixed(0);
console.log('| step | CPU s | MB/s per core | x before |');
console.log('|---|---:|---:|---:|');
console.log(`| write, before (codec only, no checksum) | ${best.plain.toFixed(3)} | ${mbs(best.plain)} | 1.00 |`);
console.log(`| write, now (checksum flag + XXH64 trailer) | ${best.checked.toFixed(3)} | ${mbs(best.checked)} | ${(best.checked / best.plain).toFixed(3)} |`);
console.log(`| XXH64 alone over the same 1 MiB parts | ${best.hash.toFixed(3)} | ${mbs(best.hash)} | ${(best.hash / best.plain).toFixed(3)} |`);
console.log(`| read (src/io/zstd.ts), frames without checksum | ${best.readPlain.toFixed(3)} | ${mbs(best.readPlain)} | 1.00 |`);
console.log(`| read, frames with checksum (hashed, held until checked) | ${best.readChecked.toFixed(3)} | ${mbs(best.readChecked)} | ${(best.readChecked / best.readPlain).toFixed(3)} |`);
console.log(`\nsize: ${plainOut.length} bytes before, ${checkedOut.length} now (+${checkedOut.length - plainOut.length}: 4 per frame)`);
console.log(`load after: ${load()}`);
