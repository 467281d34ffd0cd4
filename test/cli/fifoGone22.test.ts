import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';

// Hostile review 22 H5: an output FIFO removed or moved (or replaced) while the command waited for
// its reader: SIGTERM and SIGINT no longer stopped it (the waiting open was let go by opening the
// pipe's path again, and the path was gone), it hung for ever in silence; only kill -9 ended it.

const GOOD = '{"text":"one record with words"}\n{"text":"two"}\nnot json\n';

/** True when a thread of process `pid` waits in the open of a FIFO for the other end (Linux). */
async function waitsForReader(pid: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const chans = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/wchan`, 'utf8').catch(() => '')));
  return chans.includes('wait_for_partner');
}

const CASES: [string, 'removed' | 'moved' | 'replaced by a file' | 'replaced by a FIFO', NodeJS.Signals, number, string[]][] = [
  ['-o', 'removed', 'SIGTERM', 143, ['-o', 'out.fifo']],
  ['-o', 'moved', 'SIGINT', 130, ['-o', 'out.fifo']],
  ['--stats', 'moved', 'SIGTERM', 143, ['-o', 'o.jsonl', '--stats', 'out.fifo']],
  ['--stats', 'replaced by a FIFO', 'SIGINT', 130, ['-o', 'o.jsonl', '--stats', 'out.fifo']],
  ['--rejects', 'replaced by a file', 'SIGHUP', 129, ['-o', 'o.jsonl', '--rejects', 'out.fifo']],
];

describe.skipIf(process.platform !== 'linux')('a signal while an output FIFO waits for a reader and its name has changed', () => {
  it.each(CASES)('%s FIFO %s, then %s: the command stops with exit %i and its stopped line', async (_flag, change, signal, code, args) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD);
    const fifo = join(dir, 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const p = spawn(process.execPath, [CLI, 'cat', 'in.jsonl', ...args, '--max-reject-rate', '1'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((r) => p.on('close', r));
    try {
      while (!(await waitsForReader(p.pid!))) await new Promise((r) => setTimeout(r, 10));
      if (change === 'moved') await rename(fifo, join(dir, 'out.fifo.old'));
      else await rm(fifo);
      if (change === 'replaced by a file') await writeFile(fifo, 'a file of someone else\n');
      if (change === 'replaced by a FIFO') expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      p.kill(signal);
      // A bound on a hang, not a timing: before the fix the process never ended.
      const got = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r(`still running 60 s after ${signal}`), 60_000))]);
      expect(got, stderr).toBe(code);
      expect(stderr).toMatch(/corpus-clean cat: (terminated|interrupted|hung up)/);
      if (args[0] === '-o' && args[1] === 'o.jsonl') expect(existsSync(join(dir, 'o.jsonl'))).toBe(false);
      if (change === 'replaced by a file') expect(await readFile(fifo, 'utf8')).toBe('a file of someone else\n');
    } finally {
      p.kill('SIGKILL');
    }
  });
});
