import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { checkAt, sealAt, WorkDamage } from '../../src/core/workSeal.js';
import { crc32Js } from '../../src/io/crc32.js';

// The CRC of a sealed file is read in pieces through one buffer kept for the process (#16: a
// fresh buffer per file cost 15x the CRC): files of every size around the piece's (1 MiB), one
// after another through the same buffer, seal to the CRC-32 of their whole bytes, and a byte
// changed in a later piece is found.
describe('work seals', () => {
  it('seal each file with the CRC-32 of all its bytes, whatever its size, and find a changed byte in any piece', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-seal-'));
    try {
      const sizes = [0, 1, 1000, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12345, 17];
      const files = sizes.map((n, i) => {
        const b = Buffer.alloc(n);
        for (let j = 0; j < n; j++) b[j] = (j * 31 + i * 7 + (j >>> 11)) & 0xff;
        const p = join(dir, `f${i}.bin`);
        writeFileSync(p, b);
        return p;
      });
      const seal = join(dir, 'seals', 'task-00000.json');
      sealAt(seal, dir, files);
      const entries = JSON.parse(readFileSync(seal, 'utf8')) as Record<string, { size: number; crc: number }>;
      files.forEach((p, i) => {
        const whole = readFileSync(p);
        expect(entries[`f${i}.bin`]).toEqual({ size: sizes[i], crc: crc32Js(whole) });
        if (typeof (zlib as { crc32?: unknown }).crc32 === 'function') expect(entries[`f${i}.bin`].crc).toBe(zlib.crc32(whole) >>> 0);
      });
      expect(() => checkAt(seal, dir, { task: 0 })).not.toThrow();
      // one byte of the fourth MiB of the largest file: same size, another CRC
      const big = files[6];
      const b = readFileSync(big);
      b[3 * (1 << 20) + 100] ^= 1;
      writeFileSync(big, b);
      expect(() => checkAt(seal, dir, { task: 0 })).toThrow(WorkDamage);
      expect(() => checkAt(seal, dir, { task: 0 })).toThrow(/f6\.bin is damaged: its CRC-32 is not the one written/);
      // the small files after it still check (the shared buffer holds nothing of the last file)
      expect(() => checkAt(seal, dir, { task: 0 }, (rel) => rel !== 'f6.bin')).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Issue 16, sixteenth pass: every unit of a step checks the seals of every task (quadratic in
// the tasks): a seal this process read is not read and parsed again while its file is the same.
describe('work seals read once per process', () => {
  it('a seal checked again is not read again; one replaced, emptied or damaged is read again and judged as before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-seal-once-'));
    const reads: string[] = [];
    const real = fs.readFileSync;
    fs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (typeof p === 'string' && p.endsWith('.json')) reads.push(p);
      return (real as (...a: unknown[]) => unknown)(p, ...rest);
    }) as typeof fs.readFileSync;
    syncBuiltinESMExports();
    try {
      const f = join(dir, 'a.bin');
      writeFileSync(f, 'abc');
      const seal = join(dir, 'seals', 'task-00001.json');
      sealAt(seal, dir, [f]);
      for (let i = 0; i < 5; i++) checkAt(seal, dir, { task: 1 });
      expect(reads).toEqual([seal]);
      // A redone unit's seal: a new file renamed over the old one.
      writeFileSync(f, 'abcd');
      sealAt(seal, dir, [f]);
      checkAt(seal, dir, { task: 1 });
      expect(reads).toEqual([seal, seal]);
      // The file it lists changed: found, as before (the files are checked every time).
      writeFileSync(f, 'abcx');
      expect(() => checkAt(seal, dir, { task: 1 })).toThrow(/a\.bin is damaged: its CRC-32 is not the one written/);
      // The seal itself damaged in place: read again, and refused.
      writeFileSync(seal, '{"a.bin": {"size": 4, "crc"');
      expect(() => checkAt(seal, dir, { task: 1 })).toThrow(/does not read/);
      rmSync(seal);
      expect(() => checkAt(seal, dir, { task: 1 })).not.toThrow();
    } finally {
      fs.readFileSync = real;
      syncBuiltinESMExports();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
