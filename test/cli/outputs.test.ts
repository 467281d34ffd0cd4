import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// Output safety (issue #10, "Data loss and destruction"): an output that is also an input, paths
// that cannot work, devices/FIFOs/symlinks, concurrent runs, file-mode shard sets.
const lines = (n: number, tag = 'r'): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${tag}${i}`, text: `record ${i} of ${tag}` })).join('\n') + '\n';

describe('outputs that are also inputs are refused before anything is touched', () => {
  it('run -i DIR -o DIR --overwrite refuses and leaves the input shards in place (B3)', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'part-00000.jsonl'), lines(20));
    // A finished output folder (an unfinished one is refused as input before this check).
    await writeFile(join(out, '_SUCCESS'), '');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages: [normalize]\noutput: {compression: none}\n');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-i', out, '-o', out, '--overwrite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds the input .*part-00000\.jsonl/);
    expect(await readFile(join(out, 'part-00000.jsonl'), 'utf8')).toBe(lines(20));
    expect((await readdir(out)).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl']);
  });

  it('an output folder under an input folder is refused too (-i out -o out/v2 --overwrite)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'out/v2'), { recursive: true });
    await writeFile(join(dir, 'out/v2/part-00000.jsonl'), lines(5));
    const r = await runCli(['cat', join(dir, 'out'), '-o', join(dir, 'out/v2') + '/', '--overwrite']);
    expect(r.code).toBe(2);
    expect(await readFile(join(dir, 'out/v2/part-00000.jsonl'), 'utf8')).toBe(lines(5));
  });

  for (const flag of ['--stats', '--rejects', '-o']) {
    it(`${flag} naming an input file is refused and the input is kept (D4)`, async () => {
      const dir = await tempDir();
      const input = join(dir, 'in.jsonl');
      await writeFile(input, lines(10));
      const args = flag === '-o' ? ['cat', input, '-o', input] : ['cat', input, '-o', join(dir, 'o.jsonl'), flag, input];
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is also an input/);
      expect(await readFile(input, 'utf8')).toBe(lines(10));
    });
  }
});

describe('outputs that cannot work are usage errors before reading (D3)', () => {
  it('a file where a folder is needed, or below a file', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(3));
    const afile = join(dir, 'afile');
    await writeFile(afile, 'x');
    for (const args of [['cat', input, '-o', afile + '/'], ['cat', input, '-o', join(afile, 'sub/x.jsonl')], ['cat', input, '-o', join(dir, 'o.jsonl'), '--rejects', join(afile, 'r.jsonl')]]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/read \d+/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages: [normalize]\n');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-i', input, '-o', afile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a file, but a folder is needed/);
    expect(await readFile(afile, 'utf8')).toBe('x');
  });
});

describe('devices, FIFOs and symlinks named as output (B4)', () => {
  it('a symlink is followed: its target gets the records, the link stays a link', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(4));
    await writeFile(join(dir, 'real.jsonl'), 'precious\n');
    await symlink('real.jsonl', join(dir, 'link.jsonl'));
    // An existing output file is an earlier result: refused without --overwrite (issue #15), target
    // untouched; an existing --stats file too (hostile review 5 F5).
    const refused = await runCli(['cat', input, '-o', join(dir, 'link.jsonl')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists .*--overwrite/);
    expect(await readFile(join(dir, 'real.jsonl'), 'utf8')).toBe('precious\n');
    for (const flag of ['-o', '--stats']) {
      const args = flag === '-o' ? ['cat', input, '-o', join(dir, 'link.jsonl'), '--overwrite'] : ['cat', input, '-o', join(dir, 'x.jsonl'), '--stats', join(dir, 'link.jsonl'), '--overwrite'];
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect((await lstat(join(dir, 'link.jsonl'))).isSymbolicLink()).toBe(true);
      expect(await readlink(join(dir, 'link.jsonl'))).toBe('real.jsonl');
    }
    expect(JSON.parse(await readFile(join(dir, 'real.jsonl'), 'utf8')).command).toBe('cat');
  });

  it('a FIFO is written as a stream and stays a FIFO', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(4));
    const fifo = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    const got: Buffer[] = [];
    reader.stdout.on('data', (b: Buffer) => got.push(b));
    const done = new Promise((r) => reader.on('close', r));
    const r = await runCli(['cat', input, '-o', fifo]);
    await done;
    expect(r.code).toBe(0);
    expect(Buffer.concat(got).toString()).toBe(lines(4));
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('a character device (a private /dev/null) stays a device', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(4));
    const dev = join(dir, 'mynull');
    execFileSync('mknod', ['-m', '666', dev, 'c', '1', '3']);
    for (const args of [['cat', input, '-o', dev], ['cat', input, '-o', join(dir, 'a.jsonl'), '--rejects', dev, '--stats', dev]]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect((await lstat(dev)).isCharacterDevice()).toBe(true);
    }
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('one output, one run at a time', () => {
  it('a FIFO or device output is a stream and takes no lock: commands writing to it at once do not refuse each other', async () => {
    // Seen in CI: two commands with -o /dev/null at once, the second refused by /dev/.null.lock.
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(3));
    const fifo = join(dir, 'p');
    execFileSync('mkfifo', [fifo]);
    await writeFile(join(dir, '.p.lock'), `${process.pid}\n`); // a live holder, as a second writer sees
    const got = join(dir, 'got');
    const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, got]);
    const closed = new Promise((res) => reader.on('close', res));
    const r = await runCli(['cat', input, '-o', fifo, '-q'], { timeoutMs: 60_000 });
    if (r.code !== 0) await writeFile(fifo, ''); // let the reader end when the writer was refused
    await closed;
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(got, 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('a second run into a locked folder is refused; a stale lock (dead PID) is taken over (D5)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(4));
    const out = join(dir, 'out');
    await mkdir(out);
    // A live process holds the lock: this test's own PID.
    await writeFile(join(out, '.corpus-clean.lock'), `${process.pid}\n`);
    const r = await runCli(['cat', input, '-o', out + '/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`another run \\(PID ${process.pid}\\) is writing to '${out}' `));
    expect(await readdir(out)).toEqual(['.corpus-clean.lock']);
    // A file output's lock names the file, not its folder (hostile review 6 F19); and /dev/null may
    // take the records, the rejects and the stats at once (README: a device for --rejects and --stats).
    await writeFile(join(out, '.one.jsonl.lock'), `${process.pid}\n`);
    const file = await runCli(['cat', input, '-o', join(out, 'one.jsonl'), '--rejects', '/dev/null', '--stats', '/dev/null']);
    expect(file.stderr).toMatch(new RegExp(`another run \\(PID ${process.pid}\\) is writing to '${join(out, 'one.jsonl')}' \\(lock file`));
    await rm(join(out, '.one.jsonl.lock'));
    const devnull = await runCli(['cat', input, '-o', '/dev/null', '--rejects', '/dev/null', '--stats', '/dev/null', '-q']);
    expect(devnull.code, devnull.stderr).toBe(0);
    // A dead process's lock: taken over, and removed at the end.
    await writeFile(join(out, '.corpus-clean.lock'), '999999999\n');
    const ok = await runCli(['cat', input, '-o', out + '/']);
    expect(ok.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl']);
  });

  it('a file-mode shard set of an earlier run is refused, and replaced whole with --overwrite (D6)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(30));
    const out = join(dir, 'out.jsonl');
    expect((await runCli(['cat', input, '-o', out, '--shard-records', '5'])).code).toBe(0);
    expect((await readdir(dir)).filter((n) => n.startsWith('out-'))).toHaveLength(6);
    const again = await runCli(['cat', input, '-o', out, '--shard-records', '10']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already hold out-00000\.jsonl and 6 more/); // 5 more shards and the set's marker out.jsonl._SUCCESS
    expect((await runCli(['cat', input, '-o', out, '--shard-records', '10', '--overwrite'])).code).toBe(0);
    expect((await readdir(dir)).filter((n) => n.startsWith('out')).sort()).toEqual(['out-00000.jsonl', 'out-00001.jsonl', 'out-00002.jsonl', 'out.jsonl._SUCCESS']);
  });

  it('--overwrite removes the temporaries a killed run left (M-a)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(3));
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'part-00000.jsonl'), 'old\n');
    // An earlier output of ours (its manifest lists the shard): a shard-named file no manifest lists
    // is left alone, with or without --overwrite (hostile review 20 F5).
    await writeFile(join(out, '_SUCCESS'), JSON.stringify({ exit_code: 0, command: 'cat', records: 1, shards: ['part-00000.jsonl'] }) + '\n');
    await writeFile(join(out, '.part-00001.jsonl.gz.tmp-123-4'), 'half');
    await writeFile(join(out, '._rejects.jsonl.tmp-123-0'), 'half');
    expect((await runCli(['cat', input, '-o', out + '/', '--overwrite'])).code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl']);
  });
});

describe('dedup-disk checks its output flags before its long work (K2)', () => {
  it('a bad --compress or an earlier run in the output folder fails before the work folder is used', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines(20));
    const work = join(dir, 'work');
    const r = await runCli(['dedup-disk', input, '--work', work, '-o', join(dir, 'o') + '/', '--compress', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--compress must be/);
    expect(r.stderr).not.toMatch(/near-duplicates/);
    await expect(readdir(work)).rejects.toThrow();
    await mkdir(join(dir, 'o'));
    await writeFile(join(dir, 'o/part-00000.jsonl'), 'old\n');
    await writeFile(join(dir, 'o/_SUCCESS'), JSON.stringify({ exit_code: 0, command: 'cat', records: 1, shards: ['part-00000.jsonl'] }) + '\n');
    const r2 = await runCli(['dedup-disk', input, '--work', work, '-o', join(dir, 'o') + '/']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/earlier run/);
    await expect(readdir(work)).rejects.toThrow();
  });
});

void ROOT;

describe('recipe names cannot climb out of out/ (Y1)', () => {
  it('a name with .. and no --output is refused before anything is written', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), lines(3));
    await writeFile(join(dir, 'r.yaml'), 'name: ../../escaped\nstages: [normalize]\n');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would write outside out\//);
    expect(await readdir(dir)).toEqual(['in.jsonl', 'r.yaml']);
  });
});
