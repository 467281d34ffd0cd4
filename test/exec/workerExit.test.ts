import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idleWorkerFailure, workerExit } from '../../src/exec/local.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// review-newuser5 #24: a worker killed by a signal was named by its PID only ("a worker failed:
// worker process (PID 7524) was killed by SIGKILL") when it held no unit at that moment.
describe('a worker that dies is named with where the run was', () => {
  it('SIGKILL gets the out-of-memory hint; other signals and exit codes do not', () => {
    expect(workerExit(7524, null, 'SIGKILL')).toBe(
      'worker process (PID 7524) was killed by SIGKILL (not by corpus-clean: when nobody killed it, this is most often the kernel out of memory, see dmesg or journalctl -k; fewer --workers or a smaller --task-size use less)',
    );
    expect(workerExit(7524, null, 'SIGSEGV')).toBe('worker process (PID 7524) was killed by SIGSEGV');
    expect(workerExit(7524, 1, null)).toBe('worker process (PID 7524) exited with code 1');
    // A code corpus-clean never exits with is a stage's process.exit(N) (new-user review 24 N13).
    expect(workerExit(7524, 3, null)).toBe("worker process (PID 7524) exited with code 3 before it finished its work: a stage called process.exit(3)? A stage of one's own, or a library it uses, must return or throw");
  });

  it('a worker that died between units names the unit it last finished, or that it had run none', () => {
    expect(idleWorkerFailure('worker process (PID 1) was killed by SIGTERM', 'task 3 of phase 0-tasks (a.jsonl)')).toBe(
      'a worker failed while it ran no unit (after task 3 of phase 0-tasks (a.jsonl), which it finished): worker process (PID 1) was killed by SIGTERM',
    );
    expect(idleWorkerFailure('x', undefined)).toBe('a worker failed while it ran no unit (before its first unit): x');
  });
});

// Hostile review 6 F19 / ux7: a worker process whose main process went away (killed, or exited on
// Ctrl-C while the worker still loaded its stages) printed an unhandled ERR_IPC_CHANNEL_CLOSED
// stack trace into the run's stderr on its next send. It stops quietly now.
describe('an orphaned worker process', () => {
  it('exits without a stack trace when the channel to its main process closes while it loads its stages', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello world"}\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const out = join(dir, 'o');
    expect((await runCli(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', out, '-q', '--workers', '1'])).code).toBe(0);
    const data = JSON.stringify({ run: out, plan: join(out, '_plan.json') });
    const child = fork(join(ROOT, 'dist/bundle/worker.js'), [], { env: { ...process.env, CORPUS_CLEAN_WORKER: data }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b));
    // Gone before the worker has read its plan: its first send ('ready') finds the channel closed.
    child.disconnect();
    // 'exit' and the end of stderr ('close' waits on the channel this test already let go).
    const [code] = await Promise.all([new Promise((r) => child.on('exit', r)), new Promise((r) => child.stderr!.on('end', r))]);
    expect(err).toBe('');
    expect(code).toBe(1);
  });
});
