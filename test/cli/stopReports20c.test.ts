import { createReadStream, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';
import { sh, spawned } from '../helpers/spawn.js';

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

/** `corpus-clean ARGS` with writes to paths matching `path` failing with ENOSPC. */
function fullDisk(args: string[], cwd: string, path: string): ReturnType<typeof runNode> {
  return runNode(['--import', FAULTS, CLI, ...args], { cwd, env: { FAULT: 'write', FAULT_PATH: path } });
}

// What a single command says when it stops, and what it refuses before it starts (new-user
// review 20).

const records = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill a few batches of it` })).join('\n') + '\n';

// F4: a --rejects or --stats ending in / (a folder not there yet) ran the whole job, then failed at
// the final rename (ENOTDIR) and removed everything; an existing folder was refused up front.
describe('--rejects or --stats naming a new folder', () => {
  for (const flag of ['--rejects', '--stats']) {
    it(`${flag} NEWDIR/ is a usage error before anything is read or written`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'in.jsonl'), records(50));
      const r = await runCli(['quality', 'in.jsonl', '-o', 'out.jsonl', flag, 'newdir/'], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${flag} 'newdir/' ends in /, so it names a folder, but a file is needed`);
      expect(r.stderr).not.toMatch(/ENOTDIR|stopped after/);
      expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
    });
  }
});

// F1: after a failure (or a signal), 'written 9000' was said of records in shards then removed
// with the unfinished output, and 'rejected R' of a rejects file removed: the count says so now.
describe('counts of records removed with what they were written to', () => {
  it('a folder of shards removed after a failure: written says its records went with it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(40_000));
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'od/', '--shard-records', '3000', '-q'], dir, 'part-00003');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/: stopped after read \d+ = written 9000 \(removed with the unfinished output\) \+ rejected 0 /);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });

  it('a rejects file removed after a failure: rejected says its records went with it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 30_000 }, (_, i) => JSON.stringify(i % 10 === 3 ? { id: i } : { id: i, text: `record ${i} with a text of a few words` })).join('\n') + '\n');
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'r.jsonl', '--max-reject-rate', '1', '-q'], dir, 'r\\.jsonl\\.tmp');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/: stopped after read \d+ = written \d+( \(removed with the unfinished output\))? \+ rejected [1-9]\d* \(removed with the rejects file\)/);
  });

  it('rejects sent to a device are not said removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(20_000));
    const r = await fullDisk(['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', '/dev/null', '-q'], dir, 'o\\.jsonl\\.tmp');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('removed with the rejects file');
  });
});

// F11: -o a FIFO (or a device): a signal said 'unfinished output removed' while its reader had the
// records; its reader closing after 300000 bytes said 'written 0'.
describe('-o a FIFO', () => {
  it('its reader closes early: written counts the whole lines the pipe took', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(40_000));
    const r = await sh(`mkfifo of.jsonl && { head -c 300000 of.jsonl > got.txt & } && node ${CLI} cat in.jsonl -o of.jsonl -q; c=$?; wait; exit $c`, dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write 'of\.jsonl': EPIPE/);
    const m = /stopped after read \d+ = written (\d+) \+ rejected 0/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const got = (await readFile(join(dir, 'got.txt'), 'utf8')).split('\n').length - 1;
    // What the pipe took: what its reader read, and at most its buffer (64 KiB) more.
    expect(Number(m![1])).toBeGreaterThanOrEqual(got);
    expect(r.stderr).not.toContain('(removed with');
  });

  it('a signal: its records are said not taken back, not removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(400_000));
    const r = await spawned('bash', ['-c', `mkfifo of.jsonl && exec node ${CLI} cat in.jsonl -o of.jsonl -q`], {
      cwd: dir,
      during: (p) => {
        const open = setInterval(() => {
          if (!existsSyncSafe(join(dir, 'of.jsonl'))) return;
          clearInterval(open);
          let got = 0;
          let sent = false;
          // Read on to the end: the command is not left waiting on a full pipe.
          createReadStream(join(dir, 'of.jsonl')).on('data', (b) => {
            got += b.length;
            if (!sent && got > 200_000) {
              sent = true;
              p.kill('SIGINT');
            }
          }).on('error', () => {});
        }, 5);
        return () => clearInterval(open);
      },
    });
    if (r.code === 0) return;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^corpus-clean cat: interrupted; the records written to 'of\.jsonl' \(a pipe\) before the signal cannot be taken back, and its reader may have them: they are an incomplete output \(discard them\)\n/);
    expect(r.stderr).not.toContain('removed');
  });
});

function existsSyncSafe(p: string): boolean {
  try {
    return statSync(p).isFIFO();
  } catch {
    return false;
  }
}

// F2, F6: the stdin line counted the stream's buffer only: nothing for gzip stdin (its decoder had
// taken the whole pipe), not the partial line the reader held, 65536 for a Parquet copy of 393216.
describe('stdin a pipe, and the command stops', () => {
  it('gzip stdin: says every byte taken from the pipe', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(40_000));
    const r = await sh(`gzip -c in.jsonl > in.jsonl.gz && mkfifo f && { cat in.jsonl.gz > f 2>/dev/null & } && exec node --import ${FAULTS} ${CLI} cat - -o o.jsonl -q < f`, dir, { FAULT: 'write', FAULT_PATH: 'o\\.jsonl\\.tmp' });
    expect(r.code, r.stderr).toBe(1);
    const m = /; stdin: (\d+) bytes were taken from its pipe in all, [^\n]*\(a pipe cannot give them again\)\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
  });
});

// F6: Parquet on stdin with a full TMPDIR: 'error: ENOSPC: no space left on device, write', no path.
describe('Parquet stdin, its temporary copy failing', () => {
  it('names the copy and TMPDIR', async () => {
    const dir = await tempDir();
    const r = await sh(`cat ${join(ROOT, 'fixtures/parquet/dolma-zstd.parquet')} | node --import ${FAULTS} ${CLI} cat -o o.jsonl -q`, dir, { FAULT: 'write', FAULT_PATH: 'stdin\\.parquet' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean cat: error: cannot write the temporary copy of Parquet stdin '[^']*corpus-clean-stdin-\d+-[^']*\/stdin\.parquet' \(TMPDIR[^\n]*ENOSPC[^\n]*set TMPDIR to a folder with room/);
  });
});
