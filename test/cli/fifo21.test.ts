import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';

// Hostile review 20 F12: `-o FIFO` or `--rejects FIFO` with nobody reading it waited in silence
// (the terminal looked hung), while `--stats FIFO` said "waiting for a reader" after a second.

const GOOD = '{"text":"one record with words"}\n{"text":"two"}\nnot json\n';

/** Resolves once `ok()` holds; false when it still does not after 60 s (a bound on a hang, not a timing). */
async function until(ok: () => boolean): Promise<boolean> {
  for (let i = 0; i < 12_000; i++) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

describe.skipIf(process.platform === 'win32')('an output FIFO nobody reads yet says what the command waits on', () => {
  it.each([
    ['-o', 'of.fifo', ['-o', 'of.fifo']],
    ['-o (a JSON array)', 'oj.json', ['-o', 'oj.json']],
    ['--rejects', 'rj.fifo', ['-o', 'out.jsonl', '--rejects', 'rj.fifo']],
  ])('%s: the note, then the command ends once the FIFO is read', async (_what, fifo, args) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD);
    expect(spawnSync('mkfifo', [join(dir, fifo)]).status).toBe(0);
    const p = spawn(process.execPath, [CLI, 'cat', 'in.jsonl', ...args, '--max-reject-rate', '1'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const done = new Promise<number | null>((res) => p.on('close', (code) => res(code)));
    try {
      expect(await until(() => err.includes('waiting for a reader')), err).toBe(true);
      expect(err).toContain(`corpus-clean: note: waiting for a reader of '${fifo}' (a named pipe) to write to it: open it for reading (e.g. cat ${fifo}), or stop the command (Ctrl-C)`);
      const got = await readFile(join(dir, fifo), 'utf8');
      expect(await done, err).toBe(0);
      expect(got).toContain(fifo === 'rj.fifo' ? '"reason":"json_parse"' : 'one record with words');
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });
});
