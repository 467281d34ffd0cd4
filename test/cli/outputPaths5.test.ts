import { spawn, spawnSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../helpers/run.js';

// Hostile review 5 (issue #10, "outputs replaced by rename whatever sits at the path" and
// "output = input" in sibling commands): every output path goes through the one check/open of
// io/outputs.ts. F1 report -o, F3 non-UTF-8 names, F4 a stream target sharded, F5 --rejects/--stats
// locked and kept, F6 an output inside an input folder, F11 outputs of one command colliding.

let dir: string;
const mixbad = '{"text":"good one"}\n{bad\n{"text":"good two"}\n{"notext":1}\n';
const records = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record number ${i} here` })).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'mixbad.jsonl'), mixbad);
  await writeFile(join(dir, 'a.jsonl'), records);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const cat = (...args: string[]) => runCli(['cat', ...args], { cwd: dir });

describe('report -o goes through the outputs\' rules (F1)', () => {
  let run: string;
  beforeAll(async () => {
    await writeFile(join(dir, 'r.yaml'), 'name: r\ninput: [a.jsonl]\nstages:\n  - normalize: {}\n');
    run = join(dir, 'rr');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-o', run, '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses a file of the run it reports on, and a name that is not .html', async () => {
    const stats = await readFile(join(run, '_stats.json'), 'utf8');
    const a = await runCli(['report', run, '-o', join(run, '_stats.json')]);
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toContain('must end in .html');
    // A link named .html to a file of the run: its target is judged.
    await symlink(join(run, '_stats.json'), join(dir, 'ln.html'));
    const b = await runCli(['report', run, '-o', join(dir, 'ln.html')]);
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toContain('the folder being read');
    expect(await readFile(join(run, '_stats.json'), 'utf8')).toBe(stats);
    const c = await runCli(['report', run, '-o', join(dir, 'a.jsonl')]);
    expect(c.code).toBe(2);
    expect(await readFile(join(dir, 'a.jsonl'), 'utf8')).toBe(records);
  });

  it('an existing page is kept without --overwrite; the run\'s own _report.html is rewritten', async () => {
    const page = join(dir, 'page.html');
    await writeFile(page, 'mine');
    const a = await runCli(['report', run, '-o', page]);
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toContain("already exists; remove it or pass --overwrite");
    expect(await readFile(page, 'utf8')).toBe('mine');
    expect((await runCli(['report', run, '-o', page, '--overwrite'])).code).toBe(0);
    expect(await readFile(page, 'utf8')).toContain('<html');
    expect((await runCli(['report', run])).code).toBe(0);
  });

  it('a symlink is followed (the link stays), a FIFO is written as a stream', async () => {
    await writeFile(join(dir, 't.html'), 'old');
    await symlink('t.html', join(dir, 'sl.html'));
    expect((await runCli(['report', run, '-o', join(dir, 'sl.html'), '--overwrite'])).code).toBe(0);
    expect((await lstat(join(dir, 'sl.html'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 't.html'), 'utf8')).toContain('<html');
    const fifo = join(dir, 'page.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const got: Buffer[] = [];
    reader.stdout.on('data', (b: Buffer) => got.push(b));
    const closed = new Promise((res) => reader.once('close', res));
    try {
      const r = await runCli(['report', run, '-o', fifo], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      expect((await lstat(fifo)).isFIFO()).toBe(true);
      await closed;
      expect(Buffer.concat(got).toString()).toContain('<html');
    } finally {
      reader.kill();
    }
  });

  it("-o - writes the page to stdout, as '-' is for every other output (it was refused: must end in .html)", async () => {
    const r = await runCli(['report', run, '-o', '-'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain('</html>');
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});

describe('outputs of one command that collide are a usage error (F11)', () => {
  it.each([
    [['-o', 'o4/', '--rejects', 'o4/part-00000.jsonl'], '--rejects'],
    [['-o', 'o5/', '--stats', 'o5/_SUCCESS'], '--stats'],
    [['-o', 'o6.jsonl', '--shard-records', '1', '--rejects', 'o6.jsonl._SUCCESS'], '--rejects'],
    [['-o', 'o8.jsonl', '--shard-records', '1', '--stats', 'o8-00001.jsonl'], '--stats'],
    [['-o', 'o9.jsonl', '--rejects', 'same.jsonl', '--stats', 'same.jsonl'], '--stats'],
  ])('cat mixbad.jsonl %j', async (args, flag) => {
    const r = await cat('mixbad.jsonl', ...args, '--max-reject-rate', '1');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toContain('read 4');
  });

  it("rejects and stats inside the output folder: only under a run's names (_rejects.jsonl, _stats.json); others are refused up front (hostile review 8 F40)", async () => {
    const r = await cat('mixbad.jsonl', '-o', 'o7/', '--rejects', 'o7/_rejects.jsonl', '--stats', 'o7/_stats.json', '--max-reject-rate', '1', '-q');
    expect(r.code, r.stderr).toBe(0);
    // Before, accepted, and then its own rerun with --overwrite was refused ("not written by corpus-clean").
    const again = await cat('mixbad.jsonl', '-o', 'o7/', '--rejects', 'o7/rejects.jsonl', '--max-reject-rate', '1', '-q', '--overwrite');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--rejects 'o7/rejects.jsonl' lies inside the output folder 'o7/', which is read back as its shards: the rerun with --overwrite would refuse it as a file not written there; write it beside the folder (or name it 'o7/_rejects.jsonl': names starting with _ are not read)`);
    expect(await readdir(join(dir, 'o7'))).toEqual(['_SUCCESS', '_rejects.jsonl', '_stats.json', 'part-00000.jsonl']);
  });
});

describe('a stream target is not sharded; a non-UTF-8 output name is refused (F4, F3)', () => {
  it('cat -o FIFO --shard-records 50: exit 2, no shard files beside it', async () => {
    const fifo = join(dir, 'shards.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = await cat('a.jsonl', '-o', fifo, '--shard-records', '50');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('cannot be cut into shards');
    expect((await readdir(dir)).filter((n) => n.startsWith('shards'))).toEqual(['shards.fifo']);
  });

  it('cat -o /dev/null --shard-size 1KB: exit 2 before anything is written', async () => {
    const r = await cat('a.jsonl', '-o', '/dev/null', '--shard-size', '1KB');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('cannot be cut into shards');
  });

  it.each([['-o', "$'f\\xe9.jsonl'"], ['-o', 'x.jsonl', '--rejects', "$'r\\xe9.jsonl'"], ['-o', "$'g\\xe9/'"]])('cat a.jsonl %s %s …: exit 2, no file made', async (...args) => {
    const sub = join(dir, `nu-${args.length}-${args[1].length}`);
    await mkdir(sub);
    const r = spawnSync('bash', ['-c', `'${process.execPath}' '${CLI}' cat ../a.jsonl ${args.join(' ')}`], { cwd: sub, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('is not valid UTF-8');
    expect(await readdir(sub)).toEqual([]);
  });
});

describe('--rejects/--stats take the rule of -o (F5)', () => {
  it('the rejects and stats a failed command kept are replaced by its corrected rerun, without --overwrite (P-1)', async () => {
    await writeFile(join(dir, 'allbad.jsonl'), '{bad\n{bad2\n');
    const failed = await cat('allbad.jsonl', '-o', 'ob.jsonl', '--rejects', 'rb.jsonl', '--stats', 'sb.json');
    expect(failed.code, failed.stderr).toBe(1);
    expect(existsSync(join(dir, 'ob.jsonl'))).toBe(false);
    expect((await readFile(join(dir, 'rb.jsonl'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    const again = await cat('mixbad.jsonl', '-o', 'ob.jsonl', '--rejects', 'rb.jsonl', '--stats', 'sb.json', '--max-reject-rate', '1', '-q');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'sb.json'), 'utf8')).read).toBeGreaterThan(2);
  });

  // Hostile review 13 H9: with the records on stdout the side files were not locked, so the two
  // commands of `quality --rejects r.jsonl | dedup --rejects r.jsonl` both wrote r.jsonl, both
  // exited 0, and the first one's rejects were lost.
  it.each([['--rejects', 'busy2.jsonl'], ['--stats', 'busy2.json']])('with the records on stdout, %s another live command is writing is refused too', async (flag, name) => {
    await writeFile(join(dir, `.${name}.lock`), `${process.pid}\n`);
    const r = await runCli(['normalize', 'mixbad.jsonl', flag, name, '--max-reject-rate', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`another run (PID ${process.pid})`);
    expect(r.stdout).toBe('');
    await rm(join(dir, `.${name}.lock`));
  });

  it('a rejects file another live command is writing (its lock) is refused', async () => {
    // The lock a running command holds: this test process is alive.
    await writeFile(join(dir, '.busy.jsonl.lock'), `${process.pid}\n`);
    const r = await cat('mixbad.jsonl', '-o', 'y2.jsonl', '--rejects', 'busy.jsonl', '--max-reject-rate', '1');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`another run (PID ${process.pid})`);
  });
});

describe('an output inside an input folder is refused (F6)', () => {
  it.each([['d/sub/'], ['d/x.jsonl']])('cat d -o %s: exit 2, nothing written', async (out) => {
    await mkdir(join(dir, 'd'), { recursive: true });
    await writeFile(join(dir, 'd/a.jsonl'), records);
    const r = await cat('d', '-o', out);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("lies inside the input folder 'd'");
    expect(await readdir(join(dir, 'd'))).toEqual(['a.jsonl']);
  });
});
