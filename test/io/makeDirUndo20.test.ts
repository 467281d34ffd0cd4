import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDir } from '../../src/io/dirs.js';
import { CLI, runNode, tempDir } from '../helpers/run.js';

// New-user review 19 F1: `-o a/b/c/out.jsonl` on a disk that could take 'a/' and 'a/b/' but not
// 'a/b/c/' (no inode left) stopped with "cannot create output folder" and left 'a/b/' behind:
// makeDir returned the folders it made only when it made them all. It removes them itself now.
describe('makeDir that fails half way', () => {
  it('removes the folders it made, and none that were there', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'there'));
    // 'there/a' and 'there/a/b' can be made; a name of 300 bytes cannot (ENAMETOOLONG).
    await expect(makeDir(join(dir, 'there', 'a', 'b', 'n'.repeat(300), 'c'), 'output folder')).rejects.toThrow(/cannot create output folder/);
    expect(await readdir(dir)).toEqual(['there']);
    expect(await readdir(join(dir, 'there'))).toEqual([]);
  });
});

describe('a command on a disk with no inode left for its output folder (tmpfs, as root)', () => {
  let dir: string;
  let mnt: string;
  let mounted = false;
  beforeAll(async () => {
    dir = await tempDir();
    mnt = join(dir, 'small');
    mkdirSync(mnt);
    // Three inodes: the root and two folders.
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,nr_inodes=3', 'tmpfs', mnt], { stdio: 'ignore' }).status === 0;
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one"}\n{"text":"two"}\n');
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [mnt], { stdio: 'ignore' });
    rmdirSync(mnt);
  });

  it('-o small/a/b/c/out.jsonl: the error, and no folder of it left', async (ctx) => {
    if (!mounted) ctx.skip();
    const r = await runNode([CLI, 'cat', 'in.jsonl', '-o', 'small/a/b/c/out.jsonl', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean cat: error: cannot create output folder 'small\/a\/b\/c': ENOSPC/);
    expect(await readdir(mnt)).toEqual([]);
  });
});
