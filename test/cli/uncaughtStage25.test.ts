import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 24 N14: an error a stage of one's own throws outside its apply/run (a timer, a
 * callback, an emitter's 'error' nobody listens to, a promise nobody awaits) ended `run` with
 * Node's raw crash text and exit 1: no stage named, no 'stopped' line, status saying only 'run the
 * same command again'. Now it stops the run as the stage's throw does: the stage named (from the
 * error's stack), where the run stopped, 'fix the stage', kept for status; exit 1. On the run's own
 * thread (-w 1), in a worker process and in a worker thread (-w 2), and in `task`.
 */
describe("a stage's error nobody caught (thrown in a timer, a callback or an 'error' event)", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const line = (f: string, i: number): string => JSON.stringify({ text: `${f} line ${i} ` + 'fine words '.repeat(8) }) + '\n';
    for (const f of ['a', 'b']) await writeFile(join(dir, `${f}.jsonl`), Array.from({ length: 60 }, (_, i) => line(f, i)).join(''));
    // HOW: timer (a throw in setTimeout), emit (an EventEmitter's 'error' with no listener), reject (a promise nobody awaits).
    // WHERE=worker: only in a worker (process or thread); the calling thread waits for the worker to begin first.
    await writeFile(
      join(dir, 'unc.mjs'),
      `import { isMainThread } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
const worker = process.env.CORPUS_CLEAN_WORKER !== undefined || !isMainThread;
const flag = process.env.FLAG;
function fail() {
  if (process.env.HOW === 'emit') setImmediate(() => new EventEmitter().emit('error', new Error('emitted boom')));
  else if (process.env.HOW === 'reject') Promise.reject(new Error('rejected boom'));
  else setTimeout(() => { throw new Error('async boom'); }, 0);
}
export default { name: 'unc', summary: 'x', options: {}, create: () => ({ name: 'unc', needsText: false, options: {},
  async *run(batches) {
    if (process.env.WHERE === 'worker' && !worker) for (let i = 0; i < 400 && !existsSync(flag); i++) await new Promise((r) => setTimeout(r, 50));
    for await (const b of batches) {
      if (process.env.WHERE !== 'worker' || worker) { if (flag) writeFileSync(flag, 'x'); fail(); await new Promise((r) => setTimeout(r, 200)); }
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize\n  - module: ./unc.mjs\noutput: {compression: none}\n');
  });

  const said = (how: string, line: number): RegExp => new RegExp(`stage unc \\(\\./unc\\.mjs, stages\\[1\\]\\) threw outside a record, where no stage's call could catch it \\([^)]*\\): Error: ${how} boom \\(at ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/unc\\.mjs:${line}\\)`);

  it('on the run\'s own thread (-w 1): the stage named, the stop line, fix the stage; status keeps it; exit 1', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir, env: { HOW: 'timer' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('Node.js v');
    expect(r.stderr).toMatch(new RegExp(`^corpus-clean run: error: ${said('async', 9).source}`, 'm'));
    expect(r.stderr).toContain('\ncorpus-clean run: stopped with 0 of 1 unit done');
    expect(r.stderr).toContain('corpus-clean run: the run stopped before any unit finished: fix the stage, then run the same command to start it from its plan\n');
    expect(existsSync(join(dir, 'o1/_SUCCESS'))).toBe(false);
    const s = await runCli(['status', 'o1'], { cwd: dir });
    expect(s.stdout).toMatch(new RegExp(`last attempt failed at [^:]+:\\d\\d:\\d\\d UTC: ${said('async', 9).source}`));
    expect(s.stdout).toContain('fix the stage it names, then run the same command again to start it from its plan');
  });

  it('in a worker process and in a worker thread (-w 2): the unit fails naming the stage, exit 1', async () => {
    for (const [kind, how, word, at] of [['process', 'emit', 'emitted', 7], ['thread', 'reject', 'rejected', 8]] as const) {
      const out = `o2-${kind}`;
      const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', out, '-w', '2', '--task-size', '1KiB', '--worker-kind', kind], { cwd: dir, env: { HOW: how, WHERE: 'worker', FLAG: join(dir, `flag-${kind}`) } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toContain('Node.js v');
      expect(r.stderr).toMatch(new RegExp(`^corpus-clean run: error: task \\d+ of phase 0-tasks \\([^\\n]*\\) failed: ${said(word, at).source}`, 'm'));
      expect(r.stderr).toContain('fix the stage');
    }
  });

  it('in `task`: the stage named, the task not done, exit 1', async () => {
    const r = await runCli(['task', 'o1', '--phase', '0', '--unit', '0'], { cwd: dir, env: { HOW: 'emit' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('Node.js v');
    expect(r.stderr).toMatch(new RegExp(`^corpus-clean task: error: task 0 of phase 0-tasks \\([^\\n]*\\) failed: ${said('emitted', 7).source}.*; the task is not done: exit code 1\\n`, 'm'));
  });
});
