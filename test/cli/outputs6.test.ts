import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { closeSync, existsSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, signalWhen, tempDir } from '../helpers/run.js';

// Issue #10 residues (session 6, outputs): an output through a symbolic link into an input.

let dir: string;
const records = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} here` })).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir();
  // Two good records and two lines that are not JSON: over the default --max-reject-rate (exit 1).
  await writeFile(join(dir, 'bad.jsonl'), '{"text":"good one here"}\nnot json\nnot json either\n{"text":"good two here"}\n');
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

// F25: a signal while the last small files are written (the marker, the stats) left their
// temporaries, and a marker whose rename was under way could outlive the shards removed. The
// write is held between its temporary and its rename (CORPUS_CLEAN_PAUSE_ATOMIC, a test seam), so
// the signal lands exactly there.
describe('a signal while the marker or the stats are written (F25)', () => {
  const hidden = (names: string[]): string[] => names.filter((n) => n.includes('.tmp-'));
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it.each([['_SUCCESS'], ['s.json']])(`cat -o DIR/ --stats s.json, ${signal} while %s is written: exit ${code}, no temporary, no marker`, async (name) => {
      const sub = join(dir, `f25-${signal}-${name}`);
      await mkdir(sub);
      const out = join(sub, 'o');
      const r = await signalWhen(['cat', join(dir, 'bad.jsonl'), '-o', out + '/', '--stats', join(sub, 's.json'), '--max-reject-rate', '1', '-q'], name === 's.json' ? sub : out, (names) => names.some((n) => n.startsWith(`.${name}.tmp-`)), signal, { CORPUS_CLEAN_PAUSE_ATOMIC: name });
      expect(r.code, r.stderr).toBe(code);
      expect(hidden(await readdir(sub))).toEqual([]);
      // The stats file, written before the marker, says every record was written: it goes with
      // the shards and the rejects (hostile review 12 H10: it was left beside the emptied folder),
      // and so does the folder the command made for them (fix15).
      expect(await readdir(sub)).toEqual([]);
    });
    it.each([['f25.jsonl._FAILED'], ['_FAILED']])(`a command exiting 1, ${signal} while %s is written: exit ${code}, no temporary, no marker`, async (name) => {
      const sub = join(dir, `f25-${signal}-${name}`);
      await mkdir(sub);
      const out = name === '_FAILED' ? join(sub, 'o') + '/' : join(sub, 'f25.jsonl');
      const watched = name === '_FAILED' ? join(sub, 'o') : sub;
      const r = await signalWhen(['cat', join(dir, 'bad.jsonl'), '-o', out, '-q'], watched, (names) => names.some((n) => n.startsWith(`.${name}.tmp-`)), signal, { CORPUS_CLEAN_PAUSE_ATOMIC: name });
      expect(r.code, r.stderr).toBe(code);
      // Nothing left, not the folder the command made either (fix15).
      expect(await readdir(sub)).toEqual([]);
    });
  }
  it.each([['_SUCCESS'], ['_stats.json']])('run, SIGINT while its %s is written: exit 130, no temporary, no _SUCCESS; the rerun finishes', async (name) => {
    const sub = join(dir, `f25-run-${name}`);
    await mkdir(sub);
    await writeFile(join(sub, 'r.yaml'), 'name: r\nstages: [normalize]\n');
    const out = join(sub, 'o');
    const args = ['run', join(sub, 'r.yaml'), '-i', join(dir, 'bad.jsonl'), '-o', out, '--max-reject-rate', '1', '-q'];
    const r = await signalWhen(args, out, (names) => names.some((n) => n.startsWith(`.${name}.tmp-`)), 'SIGINT', { CORPUS_CLEAN_PAUSE_ATOMIC: name });
    expect(r.code, r.stderr).toBe(130);
    const names = await readdir(out);
    expect(hidden(names)).toEqual([]);
    expect(names).not.toContain('_SUCCESS');
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(await readdir(out)).toContain('_SUCCESS');
  });
});

// Hostile review 6 F9/F15: the same file or folder reached by another path (a bind mount, as a
// container mounts one volume twice; stdin redirected from a file) is compared by device and inode.
describe('an output that is an input by device and inode (F9, F15)', () => {
  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  it.runIf(canMount)('through a bind mount: -o, --rejects, a run folder and a folder below: refused, the input kept', async () => {
    const b = join(dir, 'f9');
    await mkdir(join(b, 'src'), { recursive: true });
    await mkdir(join(b, 'bind'));
    await writeFile(join(b, 'src/in.jsonl'), records);
    await writeFile(join(b, 'r.yaml'), 'name: r\nstages: [normalize]\n');
    const m = spawnSync('mount', ['--bind', join(b, 'src'), join(b, 'bind')]);
    if (m.status !== 0) return;
    try {
      for (const args of [
        ['cat', 'src/in.jsonl', '-o', 'bind/in.jsonl', '--overwrite'],
        ['cat', 'src/in.jsonl', '-o', 'x.jsonl', '--rejects', 'bind/in.jsonl', '--overwrite'],
        ['run', 'r.yaml', '-i', 'src', '-o', 'bind'],
        ['cat', 'src', '-o', 'bind/sub/'],
      ]) {
        const r = await runCli([...args, '-q'], { cwd: b });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      }
      expect(await readdir(join(b, 'src'))).toEqual(['in.jsonl']);
      expect(await readFile(join(b, 'src/in.jsonl'), 'utf8')).toBe(records);
    } finally {
      // A lazy unmount when the plain one is refused (busy): a mount left behind would outlive the test.
      if (spawnSync('umount', [join(b, 'bind')]).status !== 0) spawnSync('umount', ['-l', join(b, 'bind')]);
    }
  });

  it('stdin redirected from the file named by -o or --rejects: refused, the input kept', async () => {
    const input = join(dir, 'stdin-in.jsonl');
    await writeFile(input, records);
    for (const args of [['quality', '-o', input, '--overwrite'], ['cat', '-o', '/dev/null', '--rejects', input, '--overwrite']]) {
      const fd = openSync(input, 'r');
      const r = spawnSync(process.execPath, [CLI, ...args, '-q'], { cwd: dir, stdio: [fd, 'pipe', 'pipe'] });
      closeSync(fd);
      expect(r.status, r.stderr.toString()).toBe(2);
      expect(r.stderr.toString()).toContain('is also an input');
    }
    expect(await readFile(input, 'utf8')).toBe(records);
  });
});

describe('run -o DIR into a folder of the user\'s own files is refused as cat -o DIR/ is (F10)', () => {
  it('exit 2, nothing written beside them', async () => {
    const u = join(dir, 'f10');
    await mkdir(join(u, 'user'), { recursive: true });
    await writeFile(join(u, 'user/notes.txt'), 'hi\n');
    await writeFile(join(u, 'user/mine.jsonl'), records);
    await writeFile(join(u, 'in.jsonl'), records);
    await writeFile(join(u, 'r.yaml'), 'name: r\nstages: [normalize]\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'user', '-q'], { cwd: u });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("already holds 'mine.jsonl' and 1 more, not written by corpus-clean");
    expect((await readdir(join(u, 'user'))).sort()).toEqual(['mine.jsonl', 'notes.txt']);
  });
});
