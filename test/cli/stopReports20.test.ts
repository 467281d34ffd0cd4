import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';
import { sh, spawned } from '../helpers/spawn.js';

// How a single command stopped by a failure or a signal says how far it got (new-user and
// hostile reviews 19): the "stopped after read N = written W + rejected R" line.

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

/** `corpus-clean ARGS` with writes to paths matching `path` failing with ENOSPC. */
function fullDisk(args: string[], cwd: string, path: string): ReturnType<typeof runNode> {
  return runNode(['--import', FAULTS, CLI, ...args], { cwd, env: { FAULT: 'write', FAULT_PATH: path } });
}

/** The numbers of the "stopped after read N = written W + rejected R [+ X on their way]" line; they add up. */
function stopped(stderr: string): { read: number; written: number; rejected: number; away: number } {
  const m = /: stopped after read (\d+) = written (\d+)(?: \([^)]*\))? \+ rejected (\d+)(?: \([^)]*\))?(?: \+ (\d+) on (?:its|their) way)? in [\d.]+ s \([\d.]+ MB\)/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  const [read, written, rejected, away] = [1, 2, 3, 4].map((i) => Number(m![i] ?? 0));
  expect(written + rejected + away).toBe(read);
  return { read, written, rejected, away };
}

/** `n` records of about 90 bytes, every one with text (a batch of about 1 MiB holds some 11000). */
const records = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill a few batches of it` })).join('\n') + '\n';

const newlines = (b: Buffer): number => {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
};

// F2: the written count was counted per batch: three shards of 3000 records on disk, and the
// fourth failing in the same batch of 11000, said "written 0"; a batch still in a stream's buffer
// when its write failed was counted whole. It is now what reached the output.
describe('written, after a write failure, is what reached the output', () => {
  it('a folder of shards: the records of the shards written before the failing one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(40_000));
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'od/', '--shard-records', '3000', '-q'], dir, 'part-00003');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean cat: error: cannot write 'od\/part-00003\.jsonl': ENOSPC/);
    const s = stopped(r.stderr);
    expect(s.written).toBe(9000);
    expect(s.read).toBeGreaterThan(9000);
    expect(r.stderr).toMatch(/: the output 'od\/' was incomplete and is removed\n$/);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });

  it('stdout to a file that fills up (ulimit -f): the whole lines the file holds', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(40_000));
    // 300 KiB: the first write (a block of about 1 MiB) is cut there.
    const r = await sh(`ulimit -f 300; exec node ${CLI} cat in.jsonl -q > out.jsonl`, dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean cat: error: cannot write to stdout: EFBIG/);
    const out = await readFile(join(dir, 'out.jsonl'));
    expect(out.length).toBe(300 * 1024);
    const s = stopped(r.stderr);
    expect(s.written).toBe(newlines(out));
    expect(s.written).toBeGreaterThan(0);
  });
});

// F8: --rejects that cannot be written (a full disk, /dev/full) was told as the output's failure:
// "the output 'o.jsonl' was incomplete and is removed (its rejects too)".
describe('a failure of the rejects file names the rejects file', () => {
  it.runIf(existsSync('/dev/full'))('--rejects /dev/full: the rejects file failed, the output is removed with it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 30_000 }, (_, i) => JSON.stringify(i % 10 === 3 ? { id: i } : { id: i, text: `record ${i} with a text of a few words` })).join('\n') + '\n');
    const r = await runNode([CLI, 'cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', '/dev/full', '--max-reject-rate', '1', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^corpus-clean cat: error: cannot write '\/dev\/full': ENOSPC/);
    expect(lines[1]).toMatch(/^corpus-clean cat: stopped after read \d+ = .*: its rejects file '\/dev\/full' failed: the rejects written to it before are incomplete \(discard them\); the output 'o\.jsonl', not finished, is removed with it$/);
    expect(lines).toHaveLength(2);
    stopped(r.stderr);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });

  it('a rejects file on a full disk: named, removed, and the output with it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 30_000 }, (_, i) => JSON.stringify(i % 10 === 3 ? { id: i } : { id: i, text: `record ${i} with a text of a few words` })).join('\n') + '\n');
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'r.jsonl', '--stats', 's.json', '--max-reject-rate', '1', '-q'], dir, 'r\\.jsonl\\.tmp');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean cat: error: cannot write 'r\.jsonl': ENOSPC[^\n]*\ncorpus-clean cat: stopped after read \d+ = [^\n]*: its rejects file 'r\.jsonl' failed and is removed; the output 'o\.jsonl', not finished, is removed with it \(no stats written\)\n$/);
    stopped(r.stderr);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });

  it('--rejects to a device while the output fails: its rejects are said incomplete, not removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(20_000));
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', '/dev/null', '-q'], dir, 'o\\.jsonl\\.tmp');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/: the output 'o\.jsonl' was incomplete and is removed \(the rejects sent to '\/dev\/null' are incomplete\)\n$/);
  });
});

// F11: Ctrl-C (or a kill) said "interrupted; unfinished output removed" and no more: not how far
// the command got, which a write failure says. The same line follows now, the exit code kept.
describe('a signal says how far the command got', () => {
  it('SIGINT with stdout a pipe: exit 130, and written is the records its reader got', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(400_000));
    const out: Buffer[] = [];
    let got = 0;
    let sent = false;
    const ran = await spawned(process.execPath, [CLI, 'cat', 'in.jsonl', '-q'], {
      cwd: dir,
      onStdout: (b, p) => {
        out.push(b);
        got += b.length;
        // Some records read: the signal lands while they are being written.
        if (!sent && got > 200_000) {
          sent = true;
          p.kill('SIGINT');
        }
      },
    });
    const r = { ...ran, stdout: Buffer.concat(out) };
    // Read to the end before the signal came (a very fast machine): nothing to check here.
    if (r.code === 0) return;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^corpus-clean cat: interrupted; stdout keeps the records written before the signal \(they may be incomplete: discard them\)\ncorpus-clean cat: stopped after read \d+ = written \d+ \+ rejected 0( \+ \d+ on (its|their) way)? in [\d.]+ s \([\d.]+ MB\)\n$/);
    const s = stopped(r.stderr);
    expect(s.written).toBe(newlines(r.stdout));
    expect(s.read).toBeGreaterThanOrEqual(s.written);
  });

  it('SIGTERM with a file output: exit 143, the line after the message, nothing left', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(400_000));
    const r = await spawned(process.execPath, [CLI, 'cat', 'in.jsonl', '-o', 'o/', '--shard-records', '20000', '-q'], {
      cwd: dir,
      during: (p) => {
        let sent = false;
        // The second shard in place: some records are read and written.
        const poll = setInterval(async () => {
          const names = await readdir(join(dir, 'o')).catch(() => [] as string[]);
          if (!sent && names.includes('part-00001.jsonl')) {
            sent = true;
            p.kill('SIGTERM');
          }
        }, 2);
        return () => clearInterval(poll);
      },
    });
    if (r.code === 0) return;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/^corpus-clean cat: terminated; unfinished output removed\ncorpus-clean cat: stopped after read \d+ = written \d+ \(removed with the unfinished output\) \+ rejected 0( \+ \d+ on (its|their) way)? in [\d.]+ s \([\d.]+ MB\)\n$/);
    // Two shards of 20000 were in place when the signal was sent.
    expect(stopped(r.stderr).written).toBeGreaterThanOrEqual(40_000);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
    await expect(stat(join(dir, 'o'))).rejects.toThrow();
  });
});

// Hostile review 19 F4 (second part): with stdin a pipe (a FIFO), a command stopped by a failure
// counted the records it read, while Node had taken more of the pipe ahead of the reader (up to
// 64 KiB), lost with it: the producer had sent more than 'read' and on their way said.
describe('stdin a FIFO, and the command stops', () => {
  it('says how many bytes it took from the pipe past the records it read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(40_000));
    // The first write of the output fails: meanwhile Node has read on into the pipe.
    const r = await sh(`mkfifo f && { cat in.jsonl > f 2>/dev/null & } && exec node --import ${FAULTS} ${CLI} cat - -o o.jsonl -q < f`, dir, { FAULT: 'write', FAULT_PATH: 'o\\.jsonl\\.tmp' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean cat: error: cannot write 'o\.jsonl': ENOSPC/);
    expect(stopped(r.stderr).written).toBe(0);
    const m = /: the output 'o\.jsonl' was incomplete and is removed; stdin: (\d+) bytes were taken from its pipe in all, [^\n]*\(a pipe cannot give them again\)\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
  });
});
