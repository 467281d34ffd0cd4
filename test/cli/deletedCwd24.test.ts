import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';

// New-user review 23b C9: a run started in a folder that was deleted (the shell still in it)
// failed with a raw 'ENOENT: no such file or directory, uv_cwd', after making its output folder
// (_plan.json, _work/). Now refused first, in words, exit 2, nothing made.

/** The CLI run from `gone` after that folder is removed (a shell left in a deleted folder). */
function fromDeleted(gone: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((res) => {
    execFile('sh', ['-c', `cd '${gone}' && rmdir '${gone}' && exec ${quoted}`], (e, _out, stderr) => res({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, stderr }));
  });
}

describe('a command started in a deleted folder', () => {
  it('is refused with a line saying so, exit 2, before anything is made', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), '{"text":"one record"}\n');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize\n');
    await mkdir(join(dir, 'gone'));
    const r = await fromDeleted(join(dir, 'gone'), ['run', join(dir, 'r.yaml'), '-i', join(dir, 'a.jsonl'), '-o', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('corpus-clean: the current folder was deleted (the shell is still in it): cd to a folder that exists, then run the command again\n');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
