import { spawn, spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';
import { snapshot } from '../helpers/snapshot.js';

/** A PID no process has now (a child that ended). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

// Hostile review (older, carried in session 20's brief): `export internevo` settled its type
// folders (put back what a killed --overwrite export had set aside, removed a failed export's
// shards) before it took their locks, so an export refused by the lock of one still writing
// there had already changed that folder.
describe('export internevo into a type folder another export is writing', () => {
  it('is refused by the lock before it settles anything there', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one good record here"}\n');
    const en = join(dir, 'tk/train/en');
    await mkdir(en, { recursive: true });
    const gone = deadPid();
    // What the folder holds: a failed export's shards and _FAILED, and a copy a killed --overwrite export set aside.
    await writeFile(join(en, 'part-00000.bin'), '{"tokens": [1, 2]}\n');
    await writeFile(join(en, '_FAILED'), 'failed\n');
    await writeFile(join(en, `.part-00001.bin.earlier-${gone}`), '{"tokens": [3]}\n');
    // The export writing there now (a live process named in the lock).
    const live = spawn('sleep', ['60']);
    try {
      await writeFile(join(en, '.corpus-clean.lock'), `${live.pid}\n`);
      const before = await snapshot(dir);
      const r = await runCli(['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '--type', 'en', '-o', 'tk', '--overwrite', '-q'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`another run \\(PID ${live.pid}\\) is writing to`));
      expect(r.stderr).not.toContain('starting over');
      expect(r.stderr).not.toContain('put back');
      expect(await snapshot(dir)).toEqual(before);
    } finally {
      live.kill();
    }
    await rm(dir, { recursive: true, force: true });
  });
});
