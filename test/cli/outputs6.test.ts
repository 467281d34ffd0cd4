import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
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

describe('a single output file whose command exited 1 is kept, marked out.jsonl._FAILED (F16)', () => {
  const bad = '{"text":"good one here"}\nnot json\nnot json either\n{"text":"good two here"}\n';
  beforeAll(async () => {
    await writeFile(join(dir, 'bad.jsonl'), bad);
  });

  it.each([['f16.jsonl'], ['f16.json'], ['f16.parquet']])('-o %s: exit 1, the file kept beside its _FAILED manifest; reading it is refused; the rerun starts over', async (out) => {
    const r = await cat('bad.jsonl', '-o', out, '-q');
    expect(r.code, r.stderr).toBe(1);
    const mine = (n: string): boolean => n === out || n.startsWith(`${out}.`);
    const names = (await readdir(dir)).filter(mine);
    expect(names.sort()).toEqual([out, `${out}._FAILED`]);
    const m = JSON.parse(await readFile(join(dir, `${out}._FAILED`), 'utf8')) as { exit_code: number; command: string; records: number; shards: string[] };
    expect(m).toMatchObject({ exit_code: 1, command: 'cat', records: 2, shards: [out] });
    // Read as input (named, or in a folder walk): refused, unless --allow-unfinished.
    const read = await cat(out, '-o', `read-${out}.jsonl`, '-q');
    expect(read.code, read.stderr).toBe(2);
    expect(read.stderr).toContain(`'${out}' is the output of a command that failed ('corpus-clean cat' exited 1; its ${out}._FAILED)`);
    const anyway = await cat(out, '-o', `anyway-${out}.jsonl`, '-q', '--allow-unfinished');
    expect(anyway.code, anyway.stderr).toBe(0);
    expect(anyway.stderr).toContain('reading an unfinished input as it is (--allow-unfinished)');
    // The corrected command into the same output starts over without --overwrite; success leaves no marker.
    const again = await cat('bad.jsonl', '-o', out, '-q', '--max-reject-rate', '1');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`'${out}' is the output of a command that failed (its ${out}._FAILED); starting over`);
    expect((await readdir(dir)).filter(mine)).toEqual([out]);
  });

  it('the sharded form of the same name starts over too, and a folder walk meets the marker', async () => {
    await mkdir(join(dir, 'walk'));
    const r = await runCli(['cat', join(dir, 'bad.jsonl'), '-o', 'walk/w.jsonl', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const walk = await cat('walk', '-o', 'walked.jsonl', '-q');
    expect(walk.code, walk.stderr).toBe(2);
    expect(walk.stderr).toContain("'walk/w.jsonl' is the output of a command that failed");
    const sharded = await cat('bad.jsonl', '-o', 'walk/w.jsonl', '--shard-records', '1', '--max-reject-rate', '1', '-q');
    expect(sharded.code, sharded.stderr).toBe(0);
    expect((await readdir(join(dir, 'walk'))).sort()).toEqual(['w-00000.jsonl', 'w-00001.jsonl', 'w.jsonl._SUCCESS']);
  });

  it('stdout and a device get no marker', async () => {
    const r = await cat('bad.jsonl', '-o', '/dev/null', '-q');
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync('/dev/null._FAILED')).toBe(false);
  });
});
