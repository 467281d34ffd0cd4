import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zstdEncoder } from '../../src/io/zstdEncode.js';
import { readChunks } from '../../src/io/readers/index.js';
import type { Doc } from '../../src/core/doc.js';
import type { FileError } from '../../src/core/stats.js';
import { drain, runCli, tempDir } from '../helpers/run.js';

// Issue #10, third round: reading a JSONL .zst stopped at its first damaged frame, so one flipped
// byte in a shard of many frames cost every record after it. Now each damaged stretch is one
// damaged_input (offset, bytes held back, where reading went on) and reading goes on at the next
// frame that decodes with a valid checksum; the lines cut by the stretch are records only when
// they parse whole, else truncated_input, never glued across it.

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

const N = 3000;
/** JSON Lines of N records of varied length (20-400 bytes of text). */
function records(): string[] {
  const out: string[] = [];
  for (let i = 0; i < N; i++) out.push(JSON.stringify({ id: i, text: `record ${i} `.repeat(2 + ((i * 7919) % 37)) }));
  return out;
}

interface Built {
  lines: string[];
  file: Buffer;
  /** Each frame's compressed [start, end) and decoded [from, to). */
  frames: { start: number; end: number; from: number; to: number }[];
}

/** The JSONL cut into pieces of `piece` bytes (mid-line), each its own checksummed frame. */
async function build(piece = 7001): Promise<Built> {
  const encode = await zstdEncoder();
  const lines = records();
  const data = Buffer.from(lines.join('\n') + '\n');
  const parts: Buffer[] = [];
  const frames: Built['frames'] = [];
  let at = 0;
  for (let from = 0; from < data.length; from += piece) {
    const f = Buffer.from(encode(data.subarray(from, Math.min(from + piece, data.length))));
    frames.push({ start: at, end: at + f.length, from, to: Math.min(from + piece, data.length) });
    parts.push(f);
    at += f.length;
  }
  return { lines, file: Buffer.concat(parts), frames };
}

async function read(file: Buffer): Promise<{ docs: Doc[]; rejects: Array<{ reason: string; source: string; raw?: string; detail?: Record<string, unknown> }>; errors: FileError[]; read: number }> {
  const docs: Doc[] = [];
  const rejects: Array<{ reason: string; source: string; raw?: string; detail?: Record<string, unknown> }> = [];
  const errors: FileError[] = [];
  let n = 0;
  const events = {
    read(k: number) {
      n += k;
    },
    reject(r: { reason: string; source: string; raw?: string; detail?: Record<string, unknown> }) {
      rejects.push(r);
    },
    file() {},
    fileError(e: FileError) {
      errors.push(e);
    },
  };
  for await (const batch of readChunks('z.jsonl.zst', once(file), 'jsonl').read(events)) docs.push(...batch);
  return { docs, rejects, errors, read: n };
}

/** The ids of records whose line lies wholly inside decoded bytes [from, to). */
function idsWithin(lines: string[], from: number, to: number): number[] {
  const ids: number[] = [];
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const end = at + Buffer.byteLength(lines[i]) + 1;
    if (at >= from && end <= to) ids.push(i);
    at = end;
  }
  return ids;
}

/** Every record read is an original one, in order; every record outside the damaged frames is read. */
function expectRecords(b: Built, docs: Doc[], damaged: number[]): void {
  const ids = docs.map((d) => (d.data as { id: number }).id);
  for (let k = 0; k < docs.length; k++) expect(JSON.stringify(docs[k].data)).toBe(b.lines[ids[k]]);
  for (let k = 1; k < ids.length; k++) expect(ids[k]).toBeGreaterThan(ids[k - 1]);
  const lost = new Set<number>();
  for (const k of damaged) {
    // Records touching a damaged frame may be lost (those wholly inside it are).
    let at = 0;
    for (let i = 0; i < b.lines.length; i++) {
      const end = at + Buffer.byteLength(b.lines[i]) + 1;
      if (end > b.frames[k].from && at < b.frames[k].to) lost.add(i);
      at = end;
    }
  }
  const read = new Set(ids);
  for (let i = 0; i < N; i++) if (!lost.has(i)) expect(read.has(i), `record ${i}`).toBe(true);
  for (const k of damaged) for (const i of idsWithin(b.lines, b.frames[k].from, b.frames[k].to)) expect(read.has(i)).toBe(false);
}

describe('zstd: reading goes on after a damaged frame (#10)', () => {
  it('a flipped byte in one frame: one damaged_input with where reading went on, every record of the other frames read', async () => {
    const b = await build();
    expect(b.frames.length).toBeGreaterThan(40);
    const k = 17;
    const bad = Buffer.from(b.file);
    bad[(b.frames[k].start + b.frames[k].end) >> 1] ^= 0x10;
    const r = await read(bad);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].resumedAt).toBe(b.frames[k + 1].start);
    // (The pipeline makes it one damaged_input reject with these: the CLI case below.)
    expect(r.errors[0].offset).toBeGreaterThanOrEqual(b.frames[k].start);
    expect(r.errors[0].offset).toBeLessThanOrEqual(b.frames[k + 1].start);
    expect(r.errors[0].heldBack).toBe(b.frames[k].to - b.frames[k].from);
    expectRecords(b, r.docs, [k]);
    // The lines the damaged frame decoded to before its check failed (the line it cut at its start
    // among them): unverified rejects with their raw text (#10). The line cut at the start of the
    // next frame: truncated_input next to the damage, or a record when it parses whole (never glued,
    // never json_parse).
    const unverified = r.rejects.filter((x) => x.reason === 'unverified');
    expect(unverified.length).toBeGreaterThan(0);
    // (At most the frame's lines and the one it cut at its start: the damage may show before its end.)
    expect(unverified.length).toBeLessThanOrEqual(idsWithin(b.lines, b.frames[k].from, b.frames[k].to).length + 1);
    const cut = r.rejects.filter((x) => x.reason === 'truncated_input');
    expect(cut.length).toBeLessThanOrEqual(1);
    for (const c of cut) expect(c.detail).toMatchObject({ next_to_damage: true });
    expect(r.rejects.filter((x) => x.reason === 'json_parse')).toHaveLength(0);
    // Accounting: every line read is a record or a reject, the stretch one more.
    expect(r.read).toBe(r.docs.length + r.rejects.length);
    // Sources are unique (the stretch's damaged_input is `file:recordsBefore+1`).
    const sources = [...r.docs.map((d) => d.source), ...r.rejects.map((x) => x.source), ...r.errors.map((e) => `z.jsonl.zst:${e.recordsBefore + 1}`)];
    expect(new Set(sources).size).toBe(sources.length);
  });

  it('two damaged frames, a damaged frame magic, and a block size that runs into the next frame: each one stretch, reading goes on', async () => {
    const b = await build();
    const bad = Buffer.from(b.file);
    bad[b.frames[5].start + 40] ^= 0x01; // inside frame 5
    bad[b.frames[20].start] ^= 0xff; // frame 20's magic
    // Frame 31's first block header (after a 6-byte header for these frames? read it): its size pushed past the frame's end.
    const f = b.frames[31];
    const fhd = bad[f.start + 4];
    const hdr = 5 + ((fhd >> 5) & 1 ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + [(fhd >> 5) & 1 ? 1 : 0, 2, 4, 8][fhd >> 6];
    const bh = f.start + hdr;
    const v = bad[bh] | (bad[bh + 1] << 8) | (bad[bh + 2] << 16);
    const size = v >>> 3;
    const grown = (v & 7) | ((size + (f.end - f.start)) << 3);
    bad[bh] = grown & 0xff;
    bad[bh + 1] = (grown >> 8) & 0xff;
    bad[bh + 2] = (grown >> 16) & 0xff;
    const r = await read(bad);
    expect(r.errors.map((e) => e.resumedAt)).toEqual([b.frames[6].start, b.frames[21].start, b.frames[32].start]);
    expectRecords(b, r.docs, [5, 20, 31]);
    expect(r.rejects.filter((x) => x.reason === 'json_parse')).toHaveLength(0);
  });

  it('frames cut at line ends: the lines next to the stretch are records, nothing is rejected but the stretch and what it decoded to (unverified)', async () => {
    // Pieces of whole lines: what our own writer usually makes (it frames whole records).
    const encode = await zstdEncoder();
    const lines = records();
    const frames: Buffer[] = [];
    for (let i = 0; i < lines.length; i += 100) frames.push(Buffer.from(encode(Buffer.from(lines.slice(i, i + 100).join('\n') + '\n'))));
    const bad = Buffer.concat(frames);
    const k = 7;
    const start = frames.slice(0, k).reduce((a, f) => a + f.length, 0);
    bad[start + (frames[k].length >> 1)] ^= 0x04;
    const r = await read(bad);
    // Frame 7's lines decoded before its damage showed: unverified rejects (#10), each one of its lines.
    expect(r.rejects.length).toBeGreaterThan(0);
    expect(new Set(r.rejects.map((x) => x.reason))).toEqual(new Set(['unverified']));
    expect(r.errors).toHaveLength(1);
    const ids = r.docs.map((d) => (d.data as { id: number }).id);
    expect(ids).toEqual([...Array.from({ length: 700 }, (_, i) => i), ...Array.from({ length: N - 800 }, (_, i) => 800 + i)]);
  });

  it('damage in the last frame, or frames after it without a checksum: no frame to go on with, reading stops there as before', async () => {
    const b = await build();
    const last = Buffer.from(b.file);
    const k = b.frames.length - 1;
    last[(b.frames[k].start + b.frames[k].end) >> 1] ^= 0x10;
    const r = await read(last);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].resumedAt).toBeUndefined();
    expectRecords(b, r.docs, [k]);

    // Frames without the checksum (zstd --no-check): a frame header alone cannot be told from
    // bytes that look like one, so nothing after the damage is taken.
    const parts: Buffer[] = [];
    for (const f of b.frames) {
      const fr = Buffer.from(b.file.subarray(f.start, f.end - 4));
      fr[4] &= ~0x04;
      parts.push(fr);
    }
    const plain = Buffer.concat(parts);
    let at = 0;
    for (let i = 0; i < 10; i++) at += parts[i].length;
    plain[at] ^= 0xff; // frame 10's magic: damage found for sure (a flipped literal in a frame without a checksum may not be)
    const p = await read(plain);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0].resumedAt).toBeUndefined();
    const ids = p.docs.map((d) => (d.data as { id: number }).id);
    expect(Math.max(...ids)).toBeLessThan(idsWithin(b.lines, b.frames[11].from, b.frames[11].to)[0]);
  });

  it('a candidate frame that would decode past the hold-back limit (a bomb behind the damage) is passed over in bounded memory', async () => {
    const b = await build();
    const k = 9;
    // Between frames k and k+1: a frame with a checksum flag whose 2,048 RLE blocks stand for 256 MiB.
    const body: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58])];
    for (let i = 0; i < 2048; i++) {
      const v = (i === 2047 ? 1 : 0) | (1 << 1) | ((128 << 10) << 3);
      body.push(Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, 0x30]));
    }
    body.push(Buffer.from([1, 2, 3, 4]));
    const bomb = Buffer.concat(body);
    const bad = Buffer.concat([b.file.subarray(0, b.frames[k + 1].start), bomb, b.file.subarray(b.frames[k + 1].start)]);
    bad[(b.frames[k].start + b.frames[k].end) >> 1] ^= 0x10;
    // The decoding runs without yielding to the event loop: the process's peak RSS tells.
    const before = process.resourceUsage().maxRSS * 1024;
    const old = process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
    process.env.CORPUS_CLEAN_HOLD_UNCHECKED = String(16 << 20);
    try {
      const r = await read(bad);
      expect(r.errors.map((e) => e.resumedAt)).toEqual([b.frames[k + 1].start + bomb.length]);
      expectRecords(b, r.docs, [k]);
    } finally {
      if (old === undefined) delete process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
      else process.env.CORPUS_CLEAN_HOLD_UNCHECKED = old;
    }
    // The candidate was decoded up to the 16 MiB limit only (256 MiB if it were not bounded).
    expect(process.resourceUsage().maxRSS * 1024 - before).toBeLessThan(128 << 20);
  });

  it('text lines (.txt.zst read by line) go on after a damaged frame too; the line after the stretch is truncated_input', async () => {
    const b = await build();
    const k = 17;
    const bad = Buffer.from(b.file);
    bad[(b.frames[k].start + b.frames[k].end) >> 1] ^= 0x10;
    const d = await drain(readChunks('z.txt.zst', once(bad), 'txt', { txtMode: 'line' }));
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].resumedAt).toBe(b.frames[k + 1].start);
    const texts = d.docs.map((x) => x.data.text as string);
    const index = new Map(b.lines.map((l, i) => [l, i]));
    const ids = texts.map((t) => index.get(t));
    expect(ids.every((i) => i !== undefined)).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
    // Every line that touches neither the damaged frame nor the start of the next is read.
    const lost = new Set<number>();
    let at = 0;
    for (let i = 0; i < b.lines.length; i++) {
      const end = at + Buffer.byteLength(b.lines[i]) + 1;
      if (end > b.frames[k].from && at <= b.frames[k + 1].from) lost.add(i);
      at = end;
    }
    const read = new Set(ids);
    for (let i = 0; i < N; i++) if (!lost.has(i)) expect(read.has(i), `line ${i}`).toBe(true);
    expect(d.rejects.filter((x) => x.reason === 'unverified').length).toBeGreaterThan(0);
    const cut = d.rejects.filter((x) => x.reason === 'truncated_input');
    expect(cut.length).toBeLessThanOrEqual(1);
    for (const c of cut) expect(c.detail).toMatchObject({ next_to_damage: true });
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('CSV and a JSON array do not read on after a damaged frame, and their error says why', async () => {
    const encode = await zstdEncoder();
    const rows = Array.from({ length: 400 }, (_, i) => `${i},"row ${i} ${'text '.repeat(i % 9)}"`);
    const csvFrames = [Buffer.from(encode(Buffer.from('id,text\n' + rows.slice(0, 200).join('\n') + '\n'))), Buffer.from(encode(Buffer.from(rows.slice(200).join('\n') + '\n')))];
    csvFrames[0][csvFrames[0].length - 1] ^= 0x01; // frame 1's checksum
    const c = await drain(readChunks('r.csv.zst', once(Buffer.concat(csvFrames)), 'csv'));
    expect(c.fileErrors).toHaveLength(1);
    expect(c.fileErrors[0].message).toMatch(/checksum mismatch.*; reading stops here: a CSV is not read on after a damaged zstd frame \(a quoted field may span the stretch/);
    expect(c.docs).toHaveLength(0);
    expect(c.rejects.filter((x) => x.reason === 'unverified')).toHaveLength(201);
    const json = Buffer.from(JSON.stringify(rows.map((text, id) => ({ id, text })), null, 1));
    const half = json.length >> 1;
    const jsonFrames = [Buffer.from(encode(json.subarray(0, half))), Buffer.from(encode(json.subarray(half)))];
    jsonFrames[0][jsonFrames[0].length - 1] ^= 0x01;
    const j = await drain(readChunks('a.json.zst', once(Buffer.concat(jsonFrames)), 'json'));
    expect(j.fileErrors).toHaveLength(1);
    expect(j.fileErrors[0].message).toMatch(/reading stops here: a JSON array is not read on after a damaged zstd frame/);
    expect(j.docs).toHaveLength(0);
  });

  it('on the CLI: exit 1, the error says where reading went on, the records after it are written', async () => {
    const dir = await tempDir();
    const b = await build();
    const bad = Buffer.from(b.file);
    const k = 30;
    bad[(b.frames[k].start + b.frames[k].end) >> 1] ^= 0x10;
    const input = join(dir, 'bad.jsonl.zst');
    await writeFile(input, bad);
    const rej = join(dir, 'rej.jsonl');
    const r = await runCli(['cat', input, '-o', join(dir, 'out.jsonl'), '--rejects', rej, '--max-reject-rate', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`; kept what was verified before the damage (the lines decoded since the last good check are in the rejects: read/unverified), and read on from byte ${b.frames[k + 1].start}, the next zstd frame that decodes with a valid checksum`);
    const out = (await readFile(join(dir, 'out.jsonl'), 'utf8')).trim().split('\n');
    expect(out[out.length - 1]).toBe(b.lines[N - 1]);
    const rejects = (await readFile(rej, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail?: Record<string, unknown> });
    expect(rejects.find((x) => x.reason === 'damaged_input')!.detail).toMatchObject({ resumed_at: b.frames[k + 1].start });
  });
});
