import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FRAME_BYTES, zstdCodecName, zstdCodecsHere, zstdEncoder } from '../../src/io/zstdEncode.js';
import { ZSTD_CODECS, type ZstdCodecName } from '../../src/io/zstdRecord.js';
import { unzstd } from '../../src/io/zstd.js';
import { tempDir } from '../helpers/run.js';

// Issue #16, twelfth pass: the writers compress with the first zstd codec that loads (Node's
// own zstd on 22.15+, the optional native addon @toondepauw/node-zstd, else the WebAssembly
// zstd-codec). Their compressed bytes differ; what every one writes must decode, by every
// decoder here and the zstd CLI, to the same bytes, with the same frame layout (content size,
// checksum, a window no larger than a frame's content).

const require = createRequire(import.meta.url);
const SYSTEM_ZSTD = existsSync('/usr/bin/zstd');

/** Text of about `n` bytes that compresses like prose (literals and matches). */
function prose(n: number, seed = 0): string {
  const words = ['数据', 'clean', 'corpus', '训练', 'the', 'shard', '句子。', 'record', 'of', '中文', 'zstd', 'frame'];
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < n; i++) {
    const w = words[(i * 7919 + (i >> 5) + seed) % words.length] + (i % 17 === 0 ? `\n${i} ` : ' ');
    parts.push(w);
    bytes += Buffer.byteLength(w);
  }
  return parts.join('');
}

const INPUTS: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['3 bytes', Buffer.from('hi\n')],
  ['300 bytes of one letter', Buffer.from('a'.repeat(300))],
  ['70 KB', Buffer.from(prose(70_000, 1))],
  ['3 frames and a bit', Buffer.from(prose(2 * FRAME_BYTES + 12345, 2))],
];

type Decode = (z: Buffer) => Buffer | Promise<Buffer>;

/** Every zstd decoder here besides ours (the zstd CLI below): each codec's own, where it loads. */
async function decoders(): Promise<[string, Decode][]> {
  const out: [string, Decode][] = [
    [
      'src/io/zstd.ts (fzstd, checksums verified)',
      async (z) => {
        const parts: Buffer[] = [];
        for await (const c of unzstd(z, (async function* () {})())) parts.push(c);
        return Buffer.concat(parts);
      },
    ],
  ];
  // (zstd-codec's Simple API reads one frame, and none of an empty one: its streaming API reads them all.)
  const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Streaming: new () => { decompress(b: Uint8Array): Uint8Array } }) => void): void } };
  const streaming = await new Promise<{ decompress(b: Uint8Array): Uint8Array }>((res) => ZstdCodec.run((c) => res(new c.Streaming())));
  out.push(['zstd-codec', (z) => Buffer.from(streaming.decompress(z))]);
  const here = await zstdCodecsHere();
  if (here.includes('@toondepauw/node-zstd')) {
    const { Decoder } = require('@toondepauw/node-zstd') as { Decoder: new () => { decodeSync(b: Buffer): Buffer } };
    const d = new Decoder();
    out.push(['@toondepauw/node-zstd', (z) => d.decodeSync(z)]);
  }
  const z = zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer };
  if (here.includes('node:zlib')) out.push(['node:zlib', (b) => z.zstdDecompressSync!(b)]);
  return out;
}

/** Each frame's header fields (RFC 8878 §3.1.1.1), walked independently of the reader. */
function frameHeaders(b: Buffer): { contentSize: number | null; checksum: boolean; window: number }[] {
  const out: { contentSize: number | null; checksum: boolean; window: number }[] = [];
  let p = 0;
  while (p < b.length) {
    expect(b.readUInt32LE(p)).toBe(0xfd2fb528);
    const fhd = b[p + 4];
    const single = (fhd >> 5) & 1;
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    const at = p + 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
    const contentSize = fcsBytes === 0 ? null : fcsBytes === 1 ? b[at] : fcsBytes === 2 ? b.readUInt16LE(at) + 256 : fcsBytes === 4 ? b.readUInt32LE(at) : Number(b.readBigUInt64LE(at));
    const base = 2 ** (10 + (b[p + 5] >> 3));
    out.push({ contentSize, checksum: ((fhd >> 2) & 1) === 1, window: single ? contentSize! : base + (base / 8) * (b[p + 5] & 7) });
    p = at + fcsBytes;
    for (;;) {
      const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
      p += 3 + (((v >> 1) & 3) === 1 ? 1 : v >>> 3);
      if (v & 1) break;
    }
    if ((fhd >> 2) & 1) p += 4;
  }
  expect(p).toBe(b.length);
  return out;
}

describe('zstd codecs: chosen once, each one read back by every decoder', () => {
  it('the writers use the first codec of the list that loads; the optional addon, when installed, loads', async () => {
    const here = await zstdCodecsHere();
    expect(here.at(-1)).toBe('zstd-codec'); // the fallback is always there
    expect(await zstdCodecName()).toBe(here[0]);
    expect(here).toEqual(ZSTD_CODECS.filter((n) => here.includes(n)));
    // An installed addon that did not load would fall back in silence, at twice the CPU.
    let installed = true;
    try {
      require.resolve('@toondepauw/node-zstd-linux-x64-gnu');
    } catch {
      installed = false;
    }
    if (installed && process.platform === 'linux' && process.arch === 'x64') expect(here).toContain('@toondepauw/node-zstd');
    expect(here.includes('node:zlib')).toBe(typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function');
  });

  it('what each codec writes decodes to the input by every decoder here, framed alike', async () => {
    const ds = await decoders();
    const dir = await tempDir();
    for (const name of await zstdCodecsHere()) {
      const encode = await zstdEncoder(name);
      for (const level of [1, 3]) {
        for (const [what, input] of INPUTS) {
          const z = Buffer.from(encode(input, level));
          const label = `${name} level ${level}, ${what}`;
          for (const [dname, decode] of ds) expect(Buffer.compare(await decode(z), input), `${label}, read by ${dname}`).toBe(0);
          if (SYSTEM_ZSTD) {
            const f = join(dir, 'x.zst');
            await writeFile(f, z);
            expect(Buffer.compare(execFileSync('/usr/bin/zstd', ['-dcq', f], { maxBuffer: 64 << 20 }), input), `${label}, read by the zstd CLI`).toBe(0);
          }
          // One frame per FRAME_BYTES of input, each with its content size and checksum, and
          // a window no larger than a frame's input (readers allocate it).
          const hs = frameHeaders(z);
          expect(hs.length, label).toBe(Math.max(1, Math.ceil(input.length / FRAME_BYTES)));
          for (const [i, h] of hs.entries()) {
            expect(h.checksum, label).toBe(true);
            expect(h.contentSize, label).toBe(Math.min(FRAME_BYTES, input.length - i * FRAME_BYTES));
            expect(h.window, label).toBeLessThanOrEqual(FRAME_BYTES);
          }
          // The same input gives the same bytes again (a run's files depend only on the input and the codec).
          expect(Buffer.compare(Buffer.from(encode(input, level)), z), label).toBe(0);
        }
      }
    }
  });

  it('an empty input is the zstd CLI\'s empty frame whatever the codec', async () => {
    for (const name of await zstdCodecsHere()) {
      expect(Buffer.from((await zstdEncoder(name))(new Uint8Array(0))).toString('hex'), name).toBe('28b52ffd240001000099e9d851');
    }
  });

  it('a codec that does not load is refused by name', async () => {
    const all: readonly ZstdCodecName[] = ZSTD_CODECS;
    const here = await zstdCodecsHere();
    for (const name of all.filter((n) => !here.includes(n))) await expect(zstdEncoder(name)).rejects.toThrow(`zstd: the codec ${name} does not load here`);
  });
});
