import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import xxhash from 'xxhash-wasm';
import { describe, expect, it } from 'vitest';
import { zstdEncoder } from '../../src/io/zstdEncode.js';
import { readChunks } from '../../src/io/readers/index.js';
import { drain, runCli, tempDir } from '../helpers/run.js';

// Issue #10, late review F1/F8: the zstd files we write carry each frame's content checksum (as
// the zstd CLI writes by default), so a flipped byte in them is found on reading; frames without
// one (written before) still have their declared content size checked; a file that ends inside a
// block says it may be damaged, not only cut short.

const SYSTEM_ZSTD = existsSync('/usr/bin/zstd');

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

interface Frame {
  start: number;
  checksumFlag: boolean;
  contentSize: number | null;
  blocks: { at: number; type: number; size: number }[];
  /** The 4 checksum bytes at the end of the frame, when it has them. */
  trailer: number | null;
  end: number;
}

const MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Our own walk of the zstd frame format (RFC 8878 §3.1.1), independent from the reader; `first`: only the frame at the start. */
function frames(b: Buffer, first = false): Frame[] {
  const out: Frame[] = [];
  let p = 0;
  while (p < b.length) {
    expect(b.readUInt32LE(p)).toBe(0xfd2fb528);
    const fhd = b[p + 4];
    const single = (fhd >> 5) & 1;
    const did = [0, 1, 2, 4][fhd & 3];
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    const h = 5 + (single ? 0 : 1) + did;
    let contentSize: number | null = null;
    if (fcsBytes === 1) contentSize = b[p + h];
    else if (fcsBytes === 2) contentSize = b.readUInt16LE(p + h) + 256;
    else if (fcsBytes === 4) contentSize = b.readUInt32LE(p + h);
    else if (fcsBytes === 8) contentSize = Number(b.readBigUInt64LE(p + h));
    const f: Frame = { start: p, checksumFlag: ((fhd >> 2) & 1) === 1, contentSize, blocks: [], trailer: null, end: 0 };
    p += h + fcsBytes;
    for (;;) {
      const v = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
      const type = (v >> 1) & 3;
      const size = v >>> 3;
      f.blocks.push({ at: p, type, size });
      p += 3 + (type === 1 ? 1 : size);
      if (v & 1) break;
    }
    if (f.checksumFlag) {
      f.trailer = b.readUInt32LE(p);
      p += 4;
    }
    f.end = p;
    out.push(f);
    if (first) return out;
  }
  expect(p).toBe(b.length);
  return out;
}

/** Text of about `n` bytes that compresses like prose (literals and matches). */
function prose(n: number): string {
  const words = ['数据', 'clean', 'corpus', '训练', 'the', 'shard', '句子。', 'record', 'of', '中文', 'zstd', 'frame'];
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < n; i++) {
    const w = words[(i * 7919 + (i >> 5)) % words.length] + (i % 17 === 0 ? '\n' : ' ');
    parts.push(w);
    bytes += Buffer.byteLength(w);
  }
  return parts.join('');
}

describe('zstd we write carries the content checksum (F1)', () => {
  it('every frame has the checksum flag and the low 32 bits of the XXH64 of its content', async () => {
    const { h64Raw } = await xxhash();
    const encode = await zstdEncoder();
    const data = Buffer.from(prose(3 * 1024 * 1024 + 12345));
    const z = Buffer.from(encode(data));
    const fs = frames(z);
    expect(fs.length).toBe(4); // 1 MiB of input per frame
    let at = 0;
    for (const f of fs) {
      expect(f.checksumFlag).toBe(true);
      const part = data.subarray(at, at + f.contentSize!);
      at += f.contentSize!;
      expect(f.trailer).toBe(Number(h64Raw(part, 0n) & 0xffffffffn));
    }
    expect(at).toBe(data.length);
    // Tiny and empty inputs too (a frame with one raw block, or none of content).
    for (const t of ['', 'a', 'hi\n']) {
      const [f] = frames(Buffer.from(encode(Buffer.from(t))));
      expect(f.checksumFlag).toBe(true);
      expect(f.trailer).toBe(Number(h64Raw(Buffer.from(t), 0n) & 0xffffffffn));
    }
  });

  it.runIf(SYSTEM_ZSTD)('the zstd CLI lists our output, shards and rejects with an XXH64 check and tests them good', async () => {
    const dir = await tempDir();
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify(i % 3 === 0 ? { raw: i } : { id: i, text: prose(400) }));
    await writeFile(join(dir, 'in.jsonl'), rows.join('\n') + '\n');
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'out.jsonl.zst'), '--rejects', join(dir, 'rej.jsonl.zst'), '--max-reject-rate', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['out.jsonl.zst', 'rej.jsonl.zst']) {
      const list = execFileSync('/usr/bin/zstd', ['-lv', join(dir, f)]).toString();
      expect(list).toMatch(/Check: XXH64/);
      expect(list).not.toMatch(/Check: None/);
      execFileSync('/usr/bin/zstd', ['-tq', join(dir, f)]); // throws on a non-zero exit
    }
  });
});

describe('a flipped byte in a .zst we wrote is found (F1)', () => {
  it('cat: the review case (one 6 MB record of "ab ", flip at byte 100 or 300) exits 1 naming the damage', async () => {
    const dir = await tempDir();
    const line = JSON.stringify({ id: 'big', text: 'ab '.repeat(2_000_000) });
    await writeFile(join(dir, 'big.jsonl'), line + '\n');
    expect((await runCli(['cat', join(dir, 'big.jsonl'), '-o', join(dir, 'out.jsonl.zst'), '-q'])).code).toBe(0);
    const good = await readFile(join(dir, 'out.jsonl.zst'));
    for (const at of [100, 300]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0xff;
      await writeFile(join(dir, `flip${at}.jsonl.zst`), bad);
      const r = await runCli(['cat', join(dir, `flip${at}.jsonl.zst`), '-o', join(dir, `flip${at}.jsonl`), '--rejects', join(dir, `rej${at}.jsonl`), '--allow-empty']);
      expect(r.code, `flip at ${at}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`flip${at}\\.jsonl\\.zst: zstd: .*damaged`));
      // Whatever was written is not a changed record: the 6 MB record is whole or absent (a
      // command that wrote nothing and exits 1 leaves no output file).
      const out = join(dir, `flip${at}.jsonl`);
      const written = existsSync(out) ? (await readFile(out, 'utf8')).split('\n').filter(Boolean) : [];
      for (const w of written) expect(w).toBe(line);
    }
  });

  it('150 bytes spread over a multi-frame file of prose: damage is named or the records are exactly the original', async () => {
    const encode = await zstdEncoder();
    const rows = Array.from({ length: 1300 }, (_, i) => JSON.stringify({ id: i, text: prose(900 + (i % 50)) }));
    const plain = Buffer.from(rows.join('\n') + '\n');
    const good = Buffer.from(encode(plain));
    expect(frames(good).length).toBeGreaterThan(1);
    let named = 0;
    let silentlyChanged = 0;
    const step = Math.floor(good.length / 150);
    const at0 = Array.from({ length: Math.ceil((good.length - 4) / step) }, (_, i) => 4 + i * step);
    // Flips in a block header whose damage shows only blocks later ('damaged block header at byte
    // 1178' for a flip at 751): the blocks decoded in between are wrong, so the frame they belong
    // to must not be handed on (salvage kept them: records from other places in the window).
    for (const at of [...at0, 751, 752, 1180, 1441, 1694, 2197]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      const d = await drain(readChunks('z.jsonl.zst', once(bad), 'jsonl'));
      if (d.fileErrors.length === 1) {
        named++;
        expect(d.fileErrors[0].message).toMatch(/^zstd: /);
        // Records handed on are original ones, in order (the frames that passed: those before the
        // damage, and since reading goes on after a damaged frame, those after it).
        let last = -1;
        for (const doc of d.docs) {
          const id = (doc.data as { id: number }).id;
          expect(JSON.stringify(doc.data), `flip at ${at}: ${d.fileErrors[0].message}`).toBe(rows[id]);
          expect(id).toBeGreaterThan(last);
          last = id;
        }
      } else {
        const same = d.docs.length === rows.length && d.docs.every((doc, i) => JSON.stringify(doc.data) === rows[i]);
        if (!same) silentlyChanged++;
      }
    }
    expect(silentlyChanged).toBe(0);
    expect(named).toBeGreaterThan(100);
  }, 120_000);
});

describe('frames without a checksum (written before): the declared content size is checked', () => {
  it('a flip that changes the decoded length is named, and none of the frame is read', async () => {
    // A frame as the old writer made it: zstd-codec's Simple API (content size, no checksum).
    const require = createRequire(import.meta.url);
    const { ZstdCodec } = require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => { compress(d: Uint8Array, l: number): Uint8Array } }) => void): void } };
    const simple = await new Promise<{ compress(d: Uint8Array, l: number): Uint8Array }>((res) => ZstdCodec.run((z) => res(new z.Simple())));
    const line = JSON.stringify({ id: 'big', text: 'ab '.repeat(300_000) }) + '\n';
    const old = Buffer.from(simple.compress(Buffer.from(line), 3));
    const [f] = frames(old);
    expect(f.checksumFlag).toBe(false);
    expect(f.contentSize).toBe(Buffer.byteLength(line));
    let lengthChanged = 0;
    for (let at = f.blocks[0].at + 3; at < old.length - 3; at++) {
      const bad = Buffer.from(old);
      bad[at] ^= 0xff;
      const d = await drain(readChunks('old.jsonl.zst', once(bad), 'jsonl'));
      const text = d.docs[0] ? String(d.docs[0].data.text) : null;
      if (d.fileErrors.length === 0 && text !== null && text.length !== 900_000) lengthChanged++;
      if (d.fileErrors.length === 1 && /its header says/.test(d.fileErrors[0].message)) {
        expect(d.docs).toHaveLength(0);
        // What the frame decoded to: unverified rejects with their raw text (#10), never a record.
        expect(d.rejects.length).toBeGreaterThan(0);
        expect(new Set(d.rejects.map((x) => x.reason))).toEqual(new Set(['unverified']));
      }
    }
    expect(lengthChanged).toBe(0);
  });
});

describe('a file that ends inside a block (F8)', () => {
  it('says cut short or damaged; a damaged block size over a later frame says damaged', async () => {
    const encode = await zstdEncoder();
    const plain = Buffer.from(Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, text: prose(700) })).join('\n') + '\n');
    const good = Buffer.from(encode(plain));
    const fs = frames(good);
    // Cut in the middle of the first frame's second block.
    const cut = await drain(readChunks('c.jsonl.zst', once(good.subarray(0, fs[0].blocks[1].at + 10)), 'jsonl'));
    expect(cut.fileErrors[0].message).toMatch(/ends at byte \d+ inside the block at byte \d+ .*cut short, or that block header is damaged/);
    // The first frame's last block header claims the largest size: it now runs over the next frame's start.
    const bad = Buffer.from(good);
    const lastBlock = fs[0].blocks[fs[0].blocks.length - 1];
    const v = 1 | (2 << 1) | ((128 << 10) << 3);
    bad[lastBlock.at] = v & 0xff;
    bad[lastBlock.at + 1] = (v >> 8) & 0xff;
    bad[lastBlock.at + 2] = (v >> 16) & 0xff;
    const small = bad.subarray(0, fs[1].end); // two frames: the claimed block runs past the end
    const d = await drain(readChunks('d.jsonl.zst', once(Buffer.from(small)), 'jsonl'));
    expect(d.fileErrors[0].message).toMatch(/a zstd frame starts inside it at byte \d+: the block header is damaged/);
    expect(d.fileErrors[0].message).not.toMatch(/cut short/);
  });
});

describe('Parquet with zstd pages (a sibling: fzstd checks nothing)', () => {
  it('a flipped byte in a zstd page is a parquet_row_group reject, never a changed value', async () => {
    const dir = await tempDir();
    // Text that compresses little (pseudo-random letters): most of the page is literals.
    let seed = 12345;
    const letter = (): string => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return 'abcdefghijklmnopqrstuvwxyz    '[seed % 30];
    };
    const rows = Array.from({ length: 400 }, (_, i) => JSON.stringify({ id: i, text: Array.from({ length: 300 }, letter).join('') }));
    await writeFile(join(dir, 'in.jsonl'), rows.join('\n') + '\n');
    const w = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'z.parquet'), '--compress', 'zstd', '-q']);
    expect(w.code, w.stderr).toBe(0);
    const good = await readFile(join(dir, 'z.parquet'));
    // The largest zstd frame in the file: the text column's page.
    const starts: number[] = [];
    for (let at = good.indexOf(MAGIC); at >= 0; at = good.indexOf(MAGIC, at + 1)) starts.push(at);
    expect(starts.length).toBeGreaterThan(0);
    let best = starts[0];
    let len = 0;
    for (const s of starts) {
      const f = frames(good.subarray(s, s + 400_000), true)[0];
      expect(f.checksumFlag).toBe(true); // our Parquet pages carry the checksum too
      if (f.end > len) [best, len] = [s, f.end];
    }
    let rejected = 0;
    for (let off = 40; off < len - 8; off += Math.floor(len / 40)) {
      const bad = Buffer.from(good);
      bad[best + off] ^= 0x01;
      const d = await drain(readChunks('z.parquet', once(bad), 'parquet'));
      const same = d.docs.length === rows.length && d.docs.every((doc, i) => JSON.stringify(doc.data) === rows[i]);
      if (!same) {
        rejected++;
        expect(d.rejects.map((r) => r.reason)[0], `flip at ${off}`).toBe('parquet_row_group');
        expect(d.docs.every((doc) => rows.includes(JSON.stringify(doc.data))), `flip at ${off}`).toBe(true);
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('a frame header that asks for too much is refused before the decoder allocates it (new-user review 8 #8)', () => {
  /** A frame of `plain` (one of ours: single segment) with its header rebuilt: `fhd` flags and the fields after it. */
  async function reheaded(plain: Buffer, fhdBits: number, fields: Buffer): Promise<Buffer> {
    const good = Buffer.from((await zstdEncoder())(plain));
    const [f] = frames(good, true);
    const fhd = (good[4] & 0x04) | fhdBits; // keep the checksum flag
    return Buffer.concat([MAGIC, Buffer.from([fhd]), fields, good.subarray(f.blocks[0].at)]);
  }
  const u64 = (n: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };

  it('a declared content size or window over 128 MiB, or a dictionary, is damage in our words; a fitting window reads', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, text: prose(300) }));
    const plain = Buffer.from(rows.join('\n') + '\n');
    const n = plain.length;
    const cases: [string, Buffer, RegExp | null][] = [
      // Single segment, an 8-byte content size of 200 MiB: the window is the whole content.
      ['fcs200m', await reheaded(plain, 0x20 | 0xc0, u64(200 << 20)), /frame 1 \(at byte 0\) declares a content size of 209715200 bytes \(200\.0 MiB\), all of it a window, over the 128\.0 MiB/],
      // Not single segment: a window descriptor of 256 MiB (exponent 18), the true content size.
      ['win256m', await reheaded(plain, 0x80, Buffer.concat([Buffer.from([18 << 3]), u32(n)])), /declares a window of 256\.0 MiB, over the 128\.0 MiB .*zstd --long/],
      // The dictionary-ID flag with a dictionary ID (as one flipped bit of the descriptor reads it).
      ['dict', await reheaded(plain, 0x20 | 0x80 | 0x01, Buffer.concat([Buffer.from([7]), u32(n)])), /asks for dictionary 7, which corpus-clean does not have/],
      // A window of 8 MiB with the true content size: read as it is.
      ['win8m', await reheaded(plain, 0x80, Buffer.concat([Buffer.from([13 << 3]), u32(n)])), null],
    ];
    for (const [name, bytes, want] of cases) {
      const d = await drain(readChunks(`${name}.jsonl.zst`, once(bytes), 'jsonl'));
      if (want === null) {
        expect(d.fileErrors, name).toEqual([]);
        expect(d.docs.map((x) => JSON.stringify(x.data))).toEqual(rows);
        continue;
      }
      expect(d.fileErrors.map((e) => e.message), name).toEqual([expect.stringMatching(want)]);
      expect(d.fileErrors[0].message).toMatch(/: the frame header is damaged, or /);
      expect(d.docs).toEqual([]);
    }
  });

  it('Parquet pages (decoded whole): a frame header is checked against the page size before decoding', async () => {
    const { checkZstdHeaders } = await import('../../src/io/zstd.js');
    const plain = Buffer.from(prose(5000));
    const good = Buffer.from((await zstdEncoder())(plain));
    expect(() => checkZstdHeaders(good, plain.length)).not.toThrow();
    expect(() => checkZstdHeaders(good, 4000)).toThrow(`frame 1 (at byte 0) declares ${plain.length} bytes of content, more than the 4000 the data should decode to`);
    const big = await reheaded(plain, 0x20 | 0xc0, u64(1900 << 20));
    expect(() => checkZstdHeaders(big, plain.length)).toThrow(/declares a content size of 1992294400 bytes \(1\.9 GiB\)/);
  });
});

describe("a frame of many small blocks under a large window costs the work of its output (fzstd shifted its whole window per block)", () => {
  it('10,000 one-byte RLE blocks under a 128 MiB window (a 40 KB file) read whole, well inside a generous bound', async () => {
    const bh = (last: number, type: number, size: number): Buffer => {
      const v = last | (type << 1) | (size << 3);
      return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
    };
    const raw = (s: string, last = 0): Buffer => Buffer.concat([bh(last, 0, Buffer.byteLength(s)), Buffer.from(s)]);
    const n = 10_000;
    // Frame header: no single segment, no checksum, no content size; window descriptor 2^27.
    const parts = [MAGIC, Buffer.from([0x00, (27 - 10) << 3]), raw('{"text":"')];
    const rle = Buffer.concat([bh(0, 1, 1), Buffer.from('a')]);
    for (let i = 0; i < n; i++) parts.push(rle);
    parts.push(raw('"}\n', 1));
    const dir = await tempDir();
    await writeFile(join(dir, 'many.jsonl.zst'), Buffer.concat(parts));
    // Before: ~6 ms of CPU per block (a 128 MiB copyWithin), a minute for this file.
    const r = await runCli(['cat', join(dir, 'many.jsonl.zst'), '-o', join(dir, 'many.jsonl'), '-q'], { timeoutMs: 30_000 });
    expect(r.signal ?? null).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(dir, 'many.jsonl'), 'utf8')).toBe(`{"text":"${'a'.repeat(n)}"}\n`);
  });
});
