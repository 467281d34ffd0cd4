import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, tempDir } from '../helpers/run.js';

/** Whether a process is gone (a zombie left for its new parent to reap counts as gone: it runs no more). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Hostile review 25 W1: after the main process of `run` ended abruptly (a stage's process.exit on
 * its own thread), a worker process lived on (PPID 1) until its stage yielded, writing into the run
 * folder meanwhile. Now a worker process still alive when the main process exits is ended with it.
 */
describe('a worker process ends with the main process', { timeout: 300_000 }, () => {
  it("-w 2: the main thread's stage exits while a worker process's stage is busy; the worker is gone when run has exited", async () => {
    const dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'fine words '.repeat(6) }) + '\n';
    await writeFile(join(dir, 'd.jsonl'), Array.from({ length: 200 }, (_, i) => line(i)).join(''));
    // The worker process writes its PID, then works without yielding (8 s at most); the main
    // thread's stage waits for that PID, then calls process.exit(1).
    await writeFile(
      join(dir, 'busy.mjs'),
      `import { existsSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
const main = isMainThread && process.env.CORPUS_CLEAN_WORKER === undefined;
export default { name: 'busy', summary: 'x', options: {}, create: () => ({ name: 'busy', needsText: false, options: {},
  async *run(batches) {
    for await (const b of batches) {
      if (main) {
        for (let i = 0; i < 600 && !existsSync(process.env.PIDFILE); i++) await new Promise((r) => setTimeout(r, 50));
        process.exit(1);
      }
      writeFileSync(process.env.PIDFILE, String(process.pid));
      const t = Date.now();
      while (Date.now() - t < 8000) {}
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./busy.mjs\noutput: {compression: none}\n');
    const pidFile = join(dir, 'worker.pid');
    // Its 'exit', not the end of its stderr: a worker left alive holds that pipe open.
    const p = spawn(process.execPath, [CLI, 'run', 'r.yaml', '-i', 'd.jsonl', '-o', 'o', '-w', '2', '--task-size', '4KiB'], { cwd: dir, env: { ...process.env, CORPUS_CLEAN_PROGRESS_MS: 'off', PIDFILE: pidFile } });
    const r = { stderr: '', code: -1 };
    p.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()));
    r.code = await new Promise<number>((done) => p.on('exit', (code) => done(code ?? -1)));
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(pidFile), r.stderr).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Killed as the main process exited; the kernel may take a moment to take it down (a generous bound, far below its 8 s of work).
    for (let i = 0; i < 40 && !gone(pid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(gone(pid)).toBe(true);
  });
});
