import fs, { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir, makeDirSync } from '../../src/io/dirs.js';

// Issue 16, sixteenth pass: every work file written (a seal, a marker, a bucket file) made its
// folder first, and for a folder that is there that was a mkdir failing with EEXIST (an error
// made, message and stack) and a stat: 0.8 s of the main thread with 170 tasks.
describe('making a folder that is there', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Calls of fs.mkdir / fs.mkdirSync / fs.promises.mkdir while `f` runs. */
  async function mkdirCalls(f: () => Promise<unknown>): Promise<number> {
    let n = 0;
    const sync = fs.mkdirSync;
    const cb = fs.mkdir;
    const prom = fs.promises.mkdir;
    fs.mkdirSync = ((...a: Parameters<typeof sync>) => (n++, sync(...a))) as typeof sync;
    fs.mkdir = ((...a: Parameters<typeof cb>) => (n++, cb(...a))) as typeof cb;
    fs.promises.mkdir = ((...a: Parameters<typeof prom>) => (n++, prom(...a))) as typeof prom;
    syncBuiltinESMExports();
    try {
      await f();
    } finally {
      fs.mkdirSync = sync;
      fs.mkdir = cb;
      fs.promises.mkdir = prom;
      syncBuiltinESMExports();
    }
    return n;
  }

  it('costs no mkdir (sync and async); a missing one is still made with its parents, a file in the way still named', async () => {
    const d = await mkdtemp(join(tmpdir(), 'dirs-once-'));
    dirs.push(d);
    const there = join(d, 'a', 'b');
    mkdirSync(there, { recursive: true });
    expect(await mkdirCalls(async () => {
      for (let i = 0; i < 5; i++) makeDirSync(there);
      for (let i = 0; i < 5; i++) expect(await makeDir(there)).toEqual([]);
    })).toBe(0);
    expect(await mkdirCalls(async () => makeDirSync(join(d, 'x', 'y')))).toBeGreaterThan(0);
    expect(await makeDir(join(d, 'p', 'q'))).toEqual([join(d, 'p'), join(d, 'p', 'q')]);
    writeFileSync(join(d, 'file'), '');
    expect(() => makeDirSync(join(d, 'file'))).toThrow(/exists and is not a folder/);
    expect(() => makeDirSync(join(d, 'file', 'sub'))).toThrow(/ENOTDIR/);
    await expect(makeDir(join(d, 'file'))).rejects.toThrow(/exists and is not a folder/);
  });
});
