import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, signalWhen, tempDir } from '../helpers/run.js';

// Hostile review 12 H4: between taking the output lock and installing the signal handlers, a
// SIGINT/SIGTERM/SIGHUP killed the process by the default action: no message, no 130/143/129,
// the lock and temporaries left (for run, for seconds under load while its plan was written).
describe('a signal between the output lock and the start of the work (H4)', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`run, ${signal} while its _plan.json is written (after the lock, before the tasks): exit ${code} with its message, no lock, no temporary`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'in.jsonl'), '{"text":"a b c"}\n');
      await writeFile(join(dir, 'r.yaml'), 'name: r\nstages: [normalize]\noutput: {compression: none}\n');
      const out = join(dir, 'out');
      const r = await signalWhen(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', out, '-q'], out, (names) => names.some((n) => n.startsWith('._plan.json.tmp-')), signal, { CORPUS_CLEAN_PAUSE_ATOMIC: '_plan.json' });
      expect(r.signal, r.stderr).toBe(null);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(signal === 'SIGTERM' ? /corpus-clean run: terminated/ : /corpus-clean run: hung up/);
      expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
      // The rerun finishes.
      const again = await runCli(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', out, '-q']);
      expect(again.code, again.stderr).toBe(0);
    });
  }
});

// Hostile review 12 H2: a --work usage error left the empty -o folder dedup-disk had made.
describe('dedup-disk checks --work before it makes its output folder (H2)', () => {
  it('--work under a file: exit 2, no -o folder made', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), '{"text":"a b c d e f g"}\n');
    await writeFile(join(dir, 'afile'), '');
    const r = await runCli(['dedup-disk', 'a.jsonl', '-o', 'dd/', '--work', 'afile/w'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--work 'afile/w' cannot be created`);
    await mkdir(join(dir, 'wk'));
    await writeFile(join(dir, 'wk', 'x.txt'), '');
    const full = await runCli(['dedup-disk', 'a.jsonl', '-o', 'dd2/', '--work', 'wk'], { cwd: dir });
    expect(full.code).toBe(2);
    expect(full.stderr).toContain(`work folder 'wk' is not empty`);
    expect((await readdir(dir)).sort()).toEqual(['a.jsonl', 'afile', 'wk']);
  });
});

// Hostile review 12 H8: stdout redirected into a file keeps the records written before a signal,
// while the message said "unfinished output removed".
describe('a signal while writing to stdout (H8)', () => {
  it('says that stdout keeps what was written (it cannot be taken back), and that the rejects and stats were removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"a b"}\nbad\n');
    const fd = openSync(join(dir, 'so.jsonl'), 'w');
    const p = spawn(process.execPath, [CLI, 'cat', join(dir, 'in.jsonl'), '--stats', join(dir, 's.json'), '--max-reject-rate', '1', '-q'], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], env: { ...process.env, CORPUS_CLEAN_PAUSE_ATOMIC: 's.json' } });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const poll = setInterval(async () => {
      if ((await readdir(dir)).some((n) => n.startsWith('.s.json.tmp-'))) p.kill('SIGTERM');
    }, 5);
    const code = await new Promise<number | null>((res) => p.on('close', (c) => res(c)));
    clearInterval(poll);
    expect(code, err).toBe(143);
    expect(err).toContain('corpus-clean cat: terminated; stdout keeps the records written before the signal (they may be incomplete: discard them); the unfinished rejects and stats removed');
    expect(err).not.toContain('unfinished output removed');
    expect(await readFile(join(dir, 'so.jsonl'), 'utf8')).toBe('{"text":"a b"}\n');
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl', 'so.jsonl']);
  });
});

// Hostile review 12 H9: a file output into a finished folder output was accepted (the reverse
// order is refused): the folder then held a file its readers leave out.
describe('a file output into a folder output (H9)', () => {
  it('is refused into a finished folder output or one being written; a name its readers skip (_x, .x) is not', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), '{"text":"a b c"}\n');
    expect((await runCli(['cat', 'a.jsonl', '-o', 'd/', '-q'], { cwd: dir })).code).toBe(0);
    const into = await runCli(['cat', 'a.jsonl', '-o', 'd/x.jsonl', '-q'], { cwd: dir });
    expect(into.code).toBe(2);
    expect(into.stderr).toContain(`output file 'd/x.jsonl' would go into 'd', the finished output of a command (its _SUCCESS)`);
    expect((await runCli(['cat', 'a.jsonl', '-o', 'd/_copy.jsonl', '-q'], { cwd: dir })).code).toBe(0);
    await mkdir(join(dir, 'e'));
    await writeFile(join(dir, 'e', '.corpus-clean.lock'), `${process.pid}\n`);
    const busy = await runCli(['cat', 'a.jsonl', '-o', 'e/x.jsonl', '-q'], { cwd: dir });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`a folder output another command is writing (PID ${process.pid} holds its lock)`);
    expect((await readdir(join(dir, 'd'))).sort()).toEqual(['_SUCCESS', '_copy.jsonl', 'part-00000.jsonl']);
  });
});
