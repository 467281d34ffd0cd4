import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readChunks, readFiles } from '../../src/io/readers/index.js';
import { zstdEncoder } from '../../src/io/zstdEncode.js';
import { drain, ROOT, runCli, tempDir } from '../helpers/run.js';

// Issue #10, "salvage record by record": a damaged gzip (a CRC that fails, a cut file, a block
// that does not inflate) gave `read 0` and its records were in neither the output nor the
// rejects: what was held back for the CRC was dropped with one damaged_input line. Now every line
// decoded since the last good check is a `read/unverified` reject with its raw text; nothing
// unverified reaches the output; read = written + rejected.

const FIX = join(ROOT, 'fixtures/damaged');

interface Rej {
  reason: string;
  source: string;
  raw?: string;
  detail?: Record<string, unknown>;
}

async function run(dir: string, name: string, data: Buffer, extra: string[] = []): Promise<{ code: number; out: string[]; rejects: Rej[]; stderr: string }> {
  const input = join(dir, name);
  await writeFile(input, data);
  const r = await runCli(['cat', input, '-o', join(dir, 'out.jsonl'), '--rejects', join(dir, 'rej.jsonl'), '--max-reject-rate', '1', ...extra]);
  const text = async (p: string): Promise<string> => readFile(join(dir, p), 'utf8').catch(() => '');
  const out = (await text('out.jsonl')).split('\n').filter((l) => l !== '');
  const rejects = (await text('rej.jsonl')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rej);
  return { code: r.code, out, rejects, stderr: r.stderr };
}

/** The counts of the accounting line: read = written + rejected. */
function accounting(stderr: string): { read: number; written: number; rejected: number } {
  const m = /read (\d+) = written (\d+) \+ rejected (\d+)/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return { read: Number(m![1]), written: Number(m![2]), rejected: Number(m![3]) };
}

const sorted = (xs: string[]): string[] => [...xs].sort();

describe('a damaged gzip: every line decoded since the last good check is rejected as read/unverified', () => {
  it('one bit flipped in the deflate data (the CRC fails): every decoded line is in the rejects, none in the output, exit 1', async () => {
    const plain = await readFile(join(FIX, 'records.jsonl'));
    const lines = plain.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    const gz = gzipSync(plain);
    // The first bit past byte 2000 whose flip decodes without error but fails the CRC.
    let at = 2000;
    const bad = Buffer.from(gz);
    for (; ; at++) {
      bad[at] ^= 0x04;
      try {
        gunzipSync(bad);
      } catch (e) {
        if (/incorrect data check/.test((e as Error).message)) break;
      }
      bad[at] ^= 0x04;
    }
    // What the damaged member decodes to (raw inflate checks no CRC): the lines to find in the rejects.
    const decodedLines = inflateRawSync(bad.subarray(10, bad.length - 8)).toString().trimEnd().split('\n');
    const dir = await tempDir();
    const r = await run(dir, 'flip.jsonl.gz', bad);
    expect(r.code, r.stderr).toBe(1);
    expect(r.out).toEqual([]);
    const unverified = r.rejects.filter((x) => x.reason === 'unverified');
    expect(sorted(unverified.map((x) => x.raw!))).toEqual(sorted(decodedLines));
    // Record by record: the lines before the flip are the original ones (a flipped literal is
    // copied on by later back-references, so some lines after it differ).
    const original = new Set(lines);
    expect(unverified.filter((x) => original.has(x.raw!)).length).toBeGreaterThan(200);
    expect(unverified.map((x) => x.source)).toEqual(lines.map((_, i) => `${join(dir, 'flip.jsonl.gz')}:${i + 1}`));
    const damaged = r.rejects.filter((x) => x.reason === 'damaged_input');
    expect(damaged).toHaveLength(1);
    expect(damaged[0].detail?.error).toMatch(/incorrect data check.*read\/unverified/);
    expect(r.stderr).toMatch(/incorrect data check.*nothing before the damage could be verified: its lines are all in the rejects as read\/unverified/);
    const a = accounting(r.stderr);
    expect(a).toEqual({ read: 301, written: 0, rejected: 301 });
  });

  it('a cut file: the lines before the cut are unverified rejects, the cut one too (unfinished); nothing in the output', async () => {
    const plain = await readFile(join(FIX, 'records.jsonl'));
    const lines = plain.toString().trimEnd().split('\n');
    const gz = gzipSync(plain);
    const cut = gz.subarray(0, gz.length >> 1);
    // What the first half inflates to (a flush at the end: everything it holds).
    const head = inflateRawSync(cut.subarray(10), { finishFlush: 2 }).toString();
    const whole = head.split('\n');
    const last = whole.pop()!;
    const dir = await tempDir();
    const r = await run(dir, 'cut.jsonl.gz', cut);
    expect(r.code, r.stderr).toBe(1);
    expect(r.out).toEqual([]);
    const unverified = r.rejects.filter((x) => x.reason === 'unverified');
    expect(unverified.map((x) => x.raw)).toEqual([...whole, ...(last === '' ? [] : [last])]);
    expect(whole).toEqual(lines.slice(0, whole.length));
    expect(whole.length).toBeGreaterThan(100);
    if (last !== '') expect(unverified.at(-1)!.detail).toMatchObject({ unfinished: true });
    expect(r.stderr).toMatch(/unexpected end of file/);
    // A file all of whose lines are unverified: one note on how to take them back.
    expect(r.stderr).toMatch(/note: \S*cut\.jsonl\.gz: none of its \d+ lines could be verified .*; they are in \S*rej\.jsonl with their raw text \(reason unverified\), or read them unchecked: gzip -dc \S*cut\.jsonl\.gz \| corpus-clean cat - \(the same options\)/);
    const a = accounting(r.stderr);
    expect(a.read).toBe(a.written + a.rejected);
    expect(a.written).toBe(0);
  });

  it('a block that does not inflate: the lines decoded before it are unverified rejects (salvaged up to the damage)', async () => {
    const plain = Buffer.concat(Array(5).fill(await readFile(join(FIX, 'records.jsonl'))));
    const lines = plain.toString().trimEnd().split('\n');
    const gz = gzipSync(plain);
    for (let i = 20000; i < 20040; i++) gz[i] = 0xff; // 'invalid block type'
    const dir = await tempDir();
    const r = await run(dir, 'block.jsonl.gz', gz);
    expect(r.code, r.stderr).toBe(1);
    expect(r.out).toEqual([]);
    const unverified = r.rejects.filter((x) => x.reason === 'unverified');
    // Salvage in 512-byte pieces: every intact line before the damage (224 and more).
    let intact = 0;
    while (intact < unverified.length && unverified[intact].raw === lines[intact]) intact++;
    expect(intact).toBeGreaterThan(215);
    expect(r.rejects.filter((x) => x.reason === 'damaged_input')).toHaveLength(1);
    const a = accounting(r.stderr);
    expect(a.read).toBe(a.written + a.rejected);
  });

  it('several members: the members verified before the damaged one are records, the damaged one unverified rejects', async () => {
    const plain = await readFile(join(FIX, 'records.jsonl'));
    const lines = plain.toString().trimEnd().split('\n');
    // Stored blocks (100 KB a member): members that end before the 64 KiB piece zlib fails in are
    // told verified (zlib gives no word of where members end; a salvage decoder tells).
    const bad = gzipSync(plain, { level: 0 });
    bad[bad.length >> 1] ^= 0x01; // only the CRC sees it
    const dir = await tempDir();
    const r = await run(dir, 'members.jsonl.gz', Buffer.concat([gzipSync(plain, { level: 0 }), gzipSync(plain, { level: 0 }), bad]));
    expect(r.code, r.stderr).toBe(1);
    expect(r.out.map((l) => JSON.parse(l))).toEqual([...lines, ...lines].map((l) => JSON.parse(l)));
    const unverified = r.rejects.filter((x) => x.reason === 'unverified');
    expect(unverified).toHaveLength(300);
    expect(unverified.filter((x, i) => x.raw === lines[i]).length).toBe(299);
    expect(accounting(r.stderr)).toEqual({ read: 901, written: 600, rejected: 301 });
  });

  it('a healthy gzip is read whole, as before', async () => {
    const plain = await readFile(join(FIX, 'records.jsonl'));
    const dir = await tempDir();
    const r = await run(dir, 'ok.jsonl.gz', Buffer.concat([gzipSync(plain), gzipSync(plain)]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toHaveLength(600);
    expect(r.rejects).toEqual([]);
  });
});

/** `data` gzipped with stored blocks and one byte changed in the middle: only the CRC sees it. */
function crcOnly(data: Buffer): { gz: Buffer; altered: string } {
  const gz = gzipSync(data, { level: 0 });
  const at = gz.length >> 1;
  gz[at] = gz[at] === 0x61 ? 0x62 : 0x61;
  return { gz, altered: inflateRawSync(gz.subarray(10, gz.length - 8)).toString() };
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

describe('every reader rejects the lines (rows, elements) of unverified bytes, with their raw text', async () => {
  const records = (await readFile(join(FIX, 'records.jsonl'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: number; text: string });

  it('CSV: each row (and the header) an unverified reject; no record; accounting balanced', async () => {
    const csv = Buffer.from(['id,text', ...records.map((r) => `${r.id},"${r.text}"`)].join('\n') + '\n');
    const { gz, altered } = crcOnly(csv);
    const dir = await tempDir();
    await writeFile(join(dir, 'r.csv.gz'), gz);
    const d = await drain(readFiles([join(dir, 'r.csv.gz')]));
    expect(d.docs).toHaveLength(0);
    expect(d.rejects.map((x) => x.reason)).toEqual(altered.trimEnd().split('\n').map(() => 'unverified'));
    expect(d.rejects.map((x) => x.raw)).toEqual(altered.trimEnd().split('\n'));
    expect(d.fileErrors).toHaveLength(1);
    expect(d.read).toBe(301);
  });

  it('CSV: rows verified before the damage are records; a quoted row left open at the last good check is rejected with the rest', async () => {
    // Two zstd frames: the first (good) ends inside a quoted field that spans lines; the second's checksum fails.
    const encode = await zstdEncoder();
    const first = Buffer.from(encode(Buffer.from('id,text\n1,one\n2,"two\nstill two')));
    const second = Buffer.from(encode(Buffer.from(' and more"\n3,three\n')));
    second[second.length - 1] ^= 0x01; // the checksum itself
    const d = await drain(readChunks('m.csv.zst', once(Buffer.concat([first, second])), 'csv'));
    expect(d.docs.map((x) => x.data)).toEqual([{ id: '1', text: 'one' }]);
    expect(d.rejects.map((x) => [x.reason, x.raw, x.source])).toEqual([
      ['unverified', '2,"two', 'm.csv.zst:3'],
      ['unverified', 'still two and more"', 'm.csv.zst:4'],
      ['unverified', '3,three', 'm.csv.zst:5'],
    ]);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.read).toBe(1 + 3); // (the header is not a record)
  });

  it('text, line mode: each line an unverified reject', async () => {
    const txt = Buffer.from(records.map((r) => r.text).join('\n') + '\n');
    const { gz, altered } = crcOnly(txt);
    const d = await drain(readChunks('t.txt.gz', once(gz), 'txt', { txtMode: 'line' }));
    expect(d.docs).toHaveLength(0);
    expect(d.rejects.map((x) => x.raw)).toEqual(altered.trimEnd().split('\n'));
    expect(new Set(d.rejects.map((x) => x.reason))).toEqual(new Set(['unverified']));
    expect(d.read).toBe(300);
  });

  it('text, whole-file mode: the file is one unverified reject with its text', async () => {
    const txt = Buffer.from(records.map((r) => r.text).join('\n') + '\n');
    const { gz, altered } = crcOnly(txt);
    const d = await drain(readChunks('t.txt.gz', once(gz), 'txt'));
    expect(d.docs).toHaveLength(0);
    expect(d.rejects).toHaveLength(1);
    expect(d.rejects[0]).toMatchObject({ reason: 'unverified', raw: altered });
    expect(d.read).toBe(1);
  });

  it('JSON array: each element an unverified reject; the one the damage leaves open too', async () => {
    const json = Buffer.from(JSON.stringify(records, null, 2));
    const { gz, altered } = crcOnly(json);
    const d = await drain(readChunks('a.json.gz', once(gz), 'json'));
    expect(d.docs).toHaveLength(0);
    expect(new Set(d.rejects.map((x) => x.reason))).toEqual(new Set(['unverified']));
    expect(d.rejects).toHaveLength(300);
    const want = JSON.parse(altered) as unknown[];
    expect(d.rejects.map((x) => JSON.parse(x.raw!))).toEqual(want);
    expect(d.read).toBe(300);
    // Cut inside the array: the elements before the cut, then the unfinished one.
    const cut = gzipSync(json).subarray(0, 6000);
    const c = await drain(readChunks('a.json.gz', once(cut), 'json'));
    expect(c.docs).toHaveLength(0);
    expect(c.rejects.length).toBeGreaterThan(10);
    expect(c.rejects.at(-1)!.detail).toMatchObject({ unfinished: true });
    expect(c.rejects.slice(0, -1).map((x) => JSON.parse(x.raw!))).toEqual(records.slice(0, c.rejects.length - 1));
    expect(c.read).toBe(c.rejects.length);
  });

  it('stdin (no file to read again): the bytes zlib dropped with its failing piece are decoded again from the chunks kept', async () => {
    const plain = await readFile(join(FIX, 'records.jsonl'));
    const { gz, altered } = crcOnly(plain);
    const d = await drain(readChunks('-', once(gz), 'jsonl'));
    expect(d.rejects.map((x) => x.raw)).toEqual(altered.trimEnd().split('\n'));
  });
});
