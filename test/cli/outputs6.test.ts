import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #10 residues (session 6, outputs): an output through a symbolic link into an input.

let dir: string;
const records = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} here` })).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const cat = (...args: string[]) => runCli(['cat', ...args], { cwd: dir });

describe('an output through a symbolic link into an input is refused (real paths compared)', () => {
  beforeAll(async () => {
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in/a.jsonl'), records);
    await symlink('in', join(dir, 'link'));
    await symlink('in/a.jsonl', join(dir, 'alink.jsonl'));
  });

  it.each([['link/sub/'], ['link/x.jsonl'], ['link/deeper/still/x.jsonl']])('cat in -o %s: exit 2, nothing written into in/', async (out) => {
    const r = await cat('in', '-o', out, '-q');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("lies inside the input folder 'in'");
    expect(await readdir(join(dir, 'in'))).toEqual(['a.jsonl']);
  });

  it('--rejects and --stats through a link to a folder holding the input file, equal to it: refused', async () => {
    for (const flag of ['--rejects', '--stats']) {
      const path = flag === '--rejects' ? 'link/a.jsonl' : 'alink.jsonl';
      const r = await cat('in/a.jsonl', '-o', 'o.jsonl', flag, path, '-q');
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('is also an input');
    }
    expect(await readdir(join(dir, 'in'))).toEqual(['a.jsonl']);
  });

  it('--rejects and --stats naming one new file, one of them through a link: refused', async () => {
    await mkdir(join(dir, 'side'));
    await symlink('side', join(dir, 'sidelink'));
    const r = await cat('in/a.jsonl', '-o', 'o2.jsonl', '--rejects', 'side/r.jsonl', '--stats', 'sidelink/r.jsonl', '-q');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('is also --rejects');
  });
});
