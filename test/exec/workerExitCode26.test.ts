import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 26 X-1: a stage's process.exit(3) in a worker thread was said as "worker thread
 * exited with code 3 before it finished its work", no hint; in a worker process it got the hint, and
 * both were advised "run the same command again to resume", which exits the same way again. Now a
 * worker's exit with a code not corpus-clean's own is a stage's doing, as exit 0 was: the hint, and
 * the advice of a stage's throw (fix the stage; or, the cause outside its code, the same command).
 * status says the stage ended its process, not that it threw.
 */
describe("a stage's process.exit(3) in a worker", { timeout: 300_000 }, () => {
  let dir = '';
  const hint = "a stage called process.exit(3)? A stage of one's own, or a library it uses, must return or throw";
  const results: Record<string, { code: number; stderr: string }> = {};
  let status = '';
  beforeAll(async () => {
    dir = await tempDir();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'in'));
    for (const i of [0, 1, 2, 3]) await writeFile(join(dir, 'in', `${i}.jsonl`), Array.from({ length: 20 }, (_, j) => JSON.stringify({ text: `f${i} ${j} ` + 'plain words here '.repeat(4) }) + '\n').join(''));
    // In a worker (a thread, or a process forked with IPC): exit(3) on its first batch, a file
    // left first; the run's own thread waits for that file on its first batch, so that the worker
    // is handed a task (the run's thread is the pool's first worker).
    await writeFile(
      join(dir, 'exw.mjs'),
      `import { isMainThread } from 'node:worker_threads';
import { existsSync, writeFileSync } from 'node:fs';
const flag = process.env.FLAG;
export default { name: 'exw', summary: 'x', options: {}, create: () => ({ name: 'exw', needsText: true, options: {},
  async *run(batches) {
    for await (const b of batches) {
      if (!isMainThread || process.send !== undefined) { writeFileSync(flag, ''); process.exit(3); }
      for (let i = 0; i < 600 && !existsSync(flag); i++) await new Promise((r) => setTimeout(r, 100));
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./exw.mjs\n');
    for (const kind of ['process', 'thread']) results[kind] = await runCli(['run', 'r.yaml', '-i', 'in', '-o', `o-${kind}`, '--workers', '2', '--task-size', '2KiB', '--worker-kind', kind], { cwd: dir, env: { FLAG: join(dir, `flag-${kind}`) } });
    status = (await runCli(['status', 'o-thread'], { cwd: dir })).stdout;
  });

  it('process and thread: the hint, and the advice of a stage that stopped the run, not "run the same command again to resume"', () => {
    for (const kind of ['process', 'thread']) {
      const r = results[kind]!;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`worker ${kind}( \\(PID \\d+\\))? exited with code 3 before it finished its work: `));
      expect(r.stderr).toContain(hint);
      expect(r.stderr).not.toContain('run the same command again to resume');
      expect(r.stderr).toMatch(/fix the stage/);
    }
  });

  it("status: the stage ended its process", () => {
    expect(status).toMatch(/stopped when a stage of one's own ended its process \(above\)/);
    expect(status).not.toContain('run the same command again to resume');
  });
});
