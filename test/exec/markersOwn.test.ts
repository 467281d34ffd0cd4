import fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markDone } from '../../src/exec/markers.js';
import { writeAtomic } from '../../src/io/writers/atomic.js';

/** lstat calls (sync, callback and promise) while `f` runs. */
async function lstats(f: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const sync = fs.lstatSync;
  const cb = fs.lstat;
  const prom = fs.promises.lstat;
  fs.lstatSync = ((...a: Parameters<typeof sync>) => (n++, sync(...a))) as typeof sync;
  fs.lstat = ((...a: Parameters<typeof cb>) => (n++, cb(...a))) as typeof cb;
  fs.promises.lstat = ((...a: Parameters<typeof prom>) => (n++, prom(...a))) as typeof prom;
  syncBuiltinESMExports();
  try {
    await f();
  } finally {
    fs.lstatSync = sync;
    fs.lstat = cb;
    fs.promises.lstat = prom;
    syncBuiltinESMExports();
  }
  return n;
}

// Issue 16, seventeenth pass: each task writes ~8 small files of the run's own bookkeeping
// atomically (its _done markers, segment stats, task stats, report samples); each looked for a
// link, device or descriptor at its path first (outputTarget: two lstatSync and an lstat, an
// ENOENT error made and thrown by each for a new file). Those files are never a user's output.
describe('the run\'s own small files', () => {
  it('a done marker is written atomically where it is named, without looking for a link or device there', async () => {
    const run = mkdtempSync(join(tmpdir(), 'cc-own-'));
    try {
      expect(await lstats(() => markDone(run, '0-tasks', 3, { n: 1 }))).toBe(0);
      expect(readFileSync(join(run, '_done', '0-tasks', '00003'), 'utf8')).toBe('{"n":1}\n');
      expect(readdirSync(join(run, '_done', '0-tasks'))).toEqual(['00003']);
      // A user's output still is (the spy sees them).
      expect(await lstats(() => writeAtomic(join(run, 'out.json'), '{}\n'))).toBeGreaterThan(0);
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });
});
