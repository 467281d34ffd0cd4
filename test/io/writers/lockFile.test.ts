import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockOutput } from '../../../src/io/outputs.js';
import { lockText, parseLock, processStart } from '../../../src/io/writers/lockFile.js';
import { runCli, tempDir } from '../../helpers/run.js';

// Hostile review 10 F54: a bare PID checked on this host only. A container restarted with the
// same PID as the lock's holder was refused forever; a second host on a shared file system took
// a lock that was live on the first.
const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const ownStart = processStart(process.pid)!;

describe('what an output lock holds (F54)', () => {
  it('the PID on the first line (as older versions read it), then host, boot id and start time', async () => {
    expect(ownStart).toMatch(/^\d+$/);
    expect(lockText()).toBe(`${process.pid}\nhost=${hostname()}\nboot=${boot}\nstart=${ownStart}\n`);
    const dir = await tempDir();
    const release = lockOutput(join(dir, '.corpus-clean.lock'));
    expect(await readFile(join(dir, '.corpus-clean.lock'), 'utf8')).toBe(lockText());
    release();
  });

  it('a process name with spaces and parentheses does not shift the fields of /proc/PID/stat', async () => {
    const child = spawn('bash', ['-c', 'exec -a "a) b (c" sleep 30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const start = processStart(child.pid!);
      expect(start).toMatch(/^\d+$/);
      expect(stat).toContain(` ${start} `);
    } finally {
      child.kill();
    }
  });

  it('judges a lock: this host with the same start is held; another start, another boot or no such PID is stale; another host is held', () => {
    const me = (extra: string): ReturnType<typeof parseLock> => parseLock(`${process.pid}\nhost=${hostname()}\n${extra}`);
    expect(me(`boot=${boot}\nstart=${ownStart}\n`)).toMatchObject({ pid: process.pid, live: true, foreign: false });
    expect(me(`boot=${boot}\nstart=${Number(ownStart) + 1}\n`)).toMatchObject({ live: false });
    expect(me(`boot=00000000-0000-0000-0000-000000000000\nstart=${ownStart}\n`)).toMatchObject({ live: false });
    expect(parseLock(`999999999\nhost=${hostname()}\nboot=${boot}\nstart=1\n`)).toMatchObject({ live: false });
    expect(parseLock(`999999999\nhost=another-host\nboot=x\nstart=1\n`)).toMatchObject({ pid: 999999999, host: 'another-host', live: true, foreign: true });
    // Old locks (a PID only) are still read, judged by the PID alone.
    expect(parseLock(`${process.pid}\n`)).toMatchObject({ live: true, foreign: false });
    expect(parseLock('999999999\n')).toMatchObject({ live: false });
    expect(parseLock('')).toBeUndefined();
    expect(parseLock('x12\n')).toBeUndefined();
  });
});

describe('the CLI and locks of other processes and hosts (F54)', () => {
  const lines = '{"text":"a b c"}\n{"text":"d e f"}\n';

  it('a lock whose PID now runs another process (another start time) is taken over', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), lines);
    await mkdir(join(dir, 'out'));
    // This test's PID is alive, but its start time is not the lock's: a container restarted, its PID reused.
    await writeFile(join(dir, 'out/.corpus-clean.lock'), `${process.pid}\nhost=${hostname()}\nboot=${boot}\nstart=${Number(ownStart) + 7}\n`);
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'out') + '/']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl']);
  });

  it('a lock of another host is held, whatever its PID shows here: refused naming the host and PID, and how to remove it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), lines);
    await mkdir(join(dir, 'out'));
    const lock = join(dir, 'out/.corpus-clean.lock');
    const text = `999999999\nhost=node07\nboot=${boot}\nstart=5\n`;
    await writeFile(lock, text);
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'out') + '/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`another run (PID 999999999 on host 'node07') is writing to '${join(dir, 'out')}' (lock file ${lock}); this host ('${hostname()}') cannot tell whether that process still runs: wait for it, or, when sure it is gone (check on 'node07'), remove the lock file and run again`);
    expect(await readFile(lock, 'utf8')).toBe(text);
    expect(await readdir(join(dir, 'out'))).toEqual(['.corpus-clean.lock']);
    // A file output's lock the same.
    await writeFile(join(dir, '.o.jsonl.lock'), text);
    const f = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'o.jsonl')]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain(`PID 999999999 on host 'node07'`);
  });
});

describe('temporaries of another output are left alone (F54 sibling)', () => {
  it('a rerun of -o data.jsonl removes its own dead temporaries, not those of data-clean.jsonl (whose PID may live on another host)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"a b c"}\n');
    // PID 999999999 runs nowhere here; on a shared file system it may be another host's live writer.
    const others = ['.data-clean.jsonl.tmp-999999999-0', '.data2.jsonl.tmp-999999999-a0', '.data.jsonl.bak.tmp-999999999-a1'];
    const ours = ['.data.jsonl.tmp-999999999-a0', '.data-00003.jsonl.tmp-999999999-4', '.data.jsonl.tmp-999999999-2.spill.jsonl'];
    for (const n of [...others, ...ours]) await writeFile(join(dir, n), 'x');
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'data.jsonl'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(dir)).filter((n) => n.startsWith('.')).sort()).toEqual([...others].sort());
  });
});
