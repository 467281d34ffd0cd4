import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';
import { snapshot } from '../helpers/snapshot.js';

// New-user review 16 F2 (second half): a write failure (a full disk) stopped the command with the
// error alone: no accounting line saying how far it got, nothing saying that what it wrote is not
// a complete output. It now says both, after the error, and leaves nothing that looks complete.

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

/** `corpus-clean ARGS` with writes to paths matching `path` failing with ENOSPC. */
function fullDisk(args: string[], cwd: string, path: string): ReturnType<typeof runNode> {
  return runNode(['--import', FAULTS, CLI, ...args], { cwd, env: { FAULT: 'write', FAULT_PATH: path } });
}

/** The numbers of the "stopped after read N = written W + rejected R [+ X on their way]" line. */
function stopped(stderr: string): { read: number; written: number; rejected: number; away: number } {
  const m = /: stopped after read (\d+) = written (\d+)(?: \([^)]*\))? \+ rejected (\d+)(?: \([^)]*\))?(?: \+ (\d+) on (?:its|their) way)? in [\d.]+ s \([\d.]+ MB\): /.exec(stderr);
  expect(m, stderr).not.toBeNull();
  const [read, written, rejected, away] = [1, 2, 3, 4].map((i) => Number(m![i] ?? 0));
  expect(written + rejected + away).toBe(read);
  return { read, written, rejected, away };
}

describe('a write failure', () => {
  it('says how far the command got, after the error, and leaves no output, rejects or stats', async () => {
    const dir = await tempDir();
    // ~3.4 MB: several batches of about 1 MiB, some records without text (rejects).
    const lines = Array.from({ length: 40_000 }, (_, i) => (i % 100 === 7 ? JSON.stringify({ id: i }) : JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill a few batches of it` })));
    await writeFile(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
    const before = await snapshot(dir);
    // A file output: every write to it fails.
    const file = await fullDisk(['cat', 'in.jsonl', '-o', 'out.jsonl', '--rejects', 'r.jsonl', '--stats', 's.json', '-q', '--max-reject-rate', '1'], dir, 'out\\.jsonl\\.tmp');
    expect(file.code, file.stderr).toBe(1);
    const f = file.stderr.split('\n');
    expect(f[0]).toMatch(/^corpus-clean cat: error: cannot write 'out\.jsonl': ENOSPC/);
    expect(f[1]).toMatch(/^corpus-clean cat: stopped after read \d+ = /);
    expect(f[1]).toMatch(/: the output 'out\.jsonl' was incomplete and is removed \(its rejects too; no stats written\)$/);
    expect(stopped(file.stderr).read).toBeGreaterThan(0);
    // A folder of shards: the third shard cannot be written, the two before it were.
    const folder = await fullDisk(['cat', 'in.jsonl', '-o', 'od/sub/', '--shard-records', '10000', '--rejects', 'r.jsonl', '-q', '--max-reject-rate', '1'], dir, 'part-00002');
    expect(folder.code, folder.stderr).toBe(1);
    expect(folder.stderr).toMatch(/^corpus-clean cat: error: cannot write 'od\/sub\/part-00002\.jsonl': ENOSPC[^\n]*\ncorpus-clean cat: stopped after read /);
    expect(folder.stderr).toMatch(/: the output 'od\/sub\/' was incomplete and is removed \(its rejects too\)\n$/);
    const s = stopped(folder.stderr);
    expect(s.written).toBeGreaterThan(0);
    expect(s.rejected).toBeGreaterThan(0);
    // Nothing that looks complete is left: no output, shard, folder made, rejects, stats or temporary.
    expect(await snapshot(dir)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });

  it('with --overwrite: the error, how far it got, then the note on the earlier output kept', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `new record ${i}` })).join('\n') + '\n');
    await writeFile(join(dir, 'keep.jsonl'), '{"text":"the earlier output"}\n');
    const before = await snapshot(dir);
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'keep.jsonl', '--overwrite', '-q'], dir, 'keep\\.jsonl\\.tmp');
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^corpus-clean cat: error: cannot write 'keep\.jsonl': ENOSPC/);
    expect(lines[1]).toMatch(/^corpus-clean cat: stopped after read 3000 = written \d+( \(removed with the unfinished output\))? \+ rejected \d+.*: the output 'keep\.jsonl' was incomplete and is removed$/);
    expect(lines[2]).toMatch(/^corpus-clean cat: note: the earlier output 'keep\.jsonl' is kept as it was/);
    expect(await snapshot(dir)).toEqual(before);
  });

  // New-user review 19 F7: the --stats file failing (a full disk) after every record was written
  // removed the whole output with no word (the accounting line read as a success), and with
  // --overwrite put the earlier output back without the usual note.
  it.runIf(existsSync('/dev/full'))('at the --stats file, after every record: says the output is removed; with --overwrite, the earlier one kept', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one"}\n{"text":"two"}\n');
    const r = await runNode([CLI, 'cat', 'in.jsonl', '-o', 'o.jsonl', '--stats', '/dev/full', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^corpus-clean cat: error: cannot write '\/dev\/full': ENOSPC/);
    expect(lines[2]).toMatch(/^corpus-clean cat: stopped after read 2 = written 2 \(removed with the unfinished output\) \+ rejected 0 in [\d.]+ s \([\d.]+ MB\): the output 'o\.jsonl' was written whole but not finished, and is removed: nothing is left that looks finished$/);
    expect(lines).toHaveLength(3);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
    await writeFile(join(dir, 'o.jsonl'), '{"text":"the earlier output"}\n');
    const o = await runNode([CLI, 'cat', 'in.jsonl', '-o', 'o.jsonl', '--stats', '/dev/full', '--overwrite', '-q'], { cwd: dir });
    expect(o.code, o.stderr).toBe(1);
    expect(o.stderr).toMatch(/: stopped after read 2 = [^\n]*\ncorpus-clean cat: note: the earlier output 'o\.jsonl' is kept as it was/);
    expect(await readFile(join(dir, 'o.jsonl'), 'utf8')).toBe('{"text":"the earlier output"}\n');
  });

  // Hostile review 19 F4: a file reached through /proc (/proc/self/cwd/x.jsonl) was told to be
  // "discarded" as a stream's records, though the writer removed it as a file.
  it.runIf(existsSync('/proc/self/cwd'))('a file named through /proc/self/cwd is said removed, not to be discarded', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `record ${i}` })).join('\n') + '\n');
    const r = await fullDisk(['cat', 'in.jsonl', '-o', '/proc/self/cwd/pc.jsonl', '-q'], dir, 'pc\\.jsonl\\.tmp');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/: the output '\/proc\/self\/cwd\/pc\.jsonl' was incomplete and is removed\n$/);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });
});

