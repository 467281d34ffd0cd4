import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readFiles } from '../../src/io/readers/index.js';
import { drain, tempDir } from '../helpers/run.js';

// Issue #10, gzip read-on: each member of a damaged multi-member .gz is checked against its own
// trailer (CRC-32 and ISIZE), so every member that verifies gives records and only the damaged
// member's lines are `unverified`; after a member that does not decode, reading goes on at the
// next member that decodes whole and verifies (one damaged_input with offset and resumed_at).

/** `n` members of `per` records each; member k holds records k*per .. k*per+per-1. */
function membersOf(n: number, per: number): { parts: Buffer[]; lines: string[][] } {
  const parts: Buffer[] = [];
  const lines: string[][] = [];
  for (let k = 0; k < n; k++) {
    const ls = Array.from({ length: per }, (_, i) => JSON.stringify({ id: k * per + i, text: `member ${k} record ${i} ${'words '.repeat((k + i) % 9)}` }));
    lines.push(ls);
    parts.push(gzipSync(ls.join('\n') + '\n'));
  }
  return { parts, lines };
}

const starts = (parts: Buffer[]): number[] => parts.map((_, k) => parts.slice(0, k).reduce((s, p) => s + p.length, 0));
const ids = (docs: { data: unknown }[]): number[] => docs.map((d) => (d.data as { id: number }).id);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function read(name: string, data: Buffer): Promise<Awaited<ReturnType<typeof drain>>> {
  const dir = await tempDir();
  const file = join(dir, name);
  await writeFile(file, data);
  return drain(readFiles([file]));
}

const saved = process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
afterEach(() => {
  if (saved === undefined) delete process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
  else process.env.CORPUS_CLEAN_HOLD_UNCHECKED = saved;
});

describe('a damaged member of a multi-member .gz', () => {
  it('a CRC that fails in member 5 of 12 small ones: the 11 others are records, member 5 unverified, one damaged_input resumed at member 6', async () => {
    const { parts, lines } = membersOf(12, 10);
    const bad = parts.map((p) => Buffer.from(p));
    bad[5][bad[5].length - 6] ^= 0x01; // its CRC
    const at = starts(bad);
    const d = await read('crc.jsonl.gz', Buffer.concat(bad));
    // Every member lies in zlib's first 64 KiB piece: before, all 120 lines were unverified.
    expect(ids(d.docs)).toEqual([...range(0, 50), ...range(60, 120)]);
    const unverified = d.rejects.filter((r) => r.reason === 'unverified');
    expect(unverified.map((r) => r.raw)).toEqual(lines[5]);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0]).toMatchObject({ offset: at[5] + bad[5].length - 8, resumedAt: at[6], heldBack: Buffer.byteLength(lines[5].join('\n') + '\n') });
    expect(d.fileErrors[0].message).toMatch(/incorrect data check \(the member at byte \d+\)/);
    expect(d.fileErrors[0].kept).toMatch(/read on from byte \d+, the next gzip member that decodes whole with a valid CRC/);
    expect(d.read).toBe(d.docs.length + unverified.length);
  });

  it('a member that does not inflate: reading goes on at the next member that verifies; its lines before the damage are unverified', async () => {
    const { parts, lines } = membersOf(6, 400);
    const bad = parts.map((p) => Buffer.from(p));
    for (let i = 200; i < 240; i++) bad[2][i] = 0xff; // 'invalid block type'
    const at = starts(bad);
    const d = await read('block.jsonl.gz', Buffer.concat(bad));
    expect(ids(d.docs)).toEqual([...range(0, 800), ...range(1200, 2400)]);
    const unverified = d.rejects.filter((r) => r.reason === 'unverified');
    expect(unverified.length).toBeGreaterThan(0);
    expect(unverified.filter((r) => r.detail?.unfinished !== true).every((r) => lines[2].includes(r.raw!))).toBe(true);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].resumedAt).toBe(at[3]);
    expect(d.fileErrors[0].offset).toBeGreaterThanOrEqual(at[2]);
    expect(d.fileErrors[0].offset).toBeLessThan(at[3]);
    const damaged = d.rejects.filter((r) => r.reason === 'damaged_input');
    expect(damaged.length).toBeLessThanOrEqual(1);
    expect(d.read).toBe(d.docs.length + d.rejects.length);
  });

  it('two damaged stretches: two damaged_input, each resumed at the member after it', async () => {
    const { parts } = membersOf(5, 50);
    const bad = parts.map((p) => Buffer.from(p));
    bad[1][bad[1].length - 3] ^= 0x10; // its ISIZE
    for (let i = 12; i < 40; i++) bad[3][i] = 0xff;
    const at = starts(bad);
    const d = await read('two.jsonl.gz', Buffer.concat(bad));
    expect(ids(d.docs)).toEqual([...range(0, 50), ...range(100, 150), ...range(200, 250)]);
    expect(d.fileErrors.map((e) => e.resumedAt)).toEqual([at[2], at[4]]);
    expect(d.fileErrors[0].message).toMatch(/incorrect length check/);
  });

  it('a bomb after the damage is passed over (held in memory only up to the limit); the member after it is read', async () => {
    process.env.CORPUS_CLEAN_HOLD_UNCHECKED = String(1 << 20);
    const { parts } = membersOf(3, 20);
    const bad = parts.map((p) => Buffer.from(p));
    for (let i = 12; i < 40; i++) bad[0][i] = 0xff;
    const bomb = gzipSync(Buffer.alloc(8 << 20, 0x61)); // 8 MiB of 'a' on one line: no member to hold
    const all = [bad[0], bomb, bad[1], bad[2]];
    const at = starts(all);
    const d = await read('bomb.jsonl.gz', Buffer.concat(all));
    expect(ids(d.docs)).toEqual(range(20, 60));
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].resumedAt).toBe(at[2]);
  });

  it('a single member with a flipped CRC at its end (hostile review 6 F19): nothing to resume at; offset and held_back_bytes exact', async () => {
    const text = Array.from({ length: 700 }, (_, i) => JSON.stringify({ id: i, text: `line ${i} ${'x'.repeat(i % 50)}` })).join('\n') + '\n';
    const gz = Buffer.from(gzipSync(text, { level: 1 }));
    gz[gz.length - 7] ^= 0x01;
    const d = await read('one.jsonl.gz', gz);
    expect(d.docs).toHaveLength(0);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].resumedAt).toBeUndefined();
    expect(d.fileErrors[0]).toMatchObject({ offset: gz.length - 8, heldBack: Buffer.byteLength(text) });
    expect(d.rejects.filter((r) => r.reason === 'unverified')).toHaveLength(700);
  });

  it('a member larger than the hold limit whose CRC fails: the message says how much was read before the check', async () => {
    process.env.CORPUS_CLEAN_HOLD_UNCHECKED = String(64 << 10);
    const text = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ id: i, text: `long line ${i} ${'y'.repeat(i % 40)}` })).join('\n') + '\n';
    const gz = Buffer.from(gzipSync(text));
    gz[gz.length - 7] ^= 0x01;
    const d = await read('big.jsonl.gz', gz);
    expect(d.docs.length).toBeGreaterThan(0);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].message).toMatch(/incorrect data check .* decoded before the check were read already .* records from them may be altered/);
  });
});
