import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * A stage of one's own that calls process.exit(0) (hostile review 23b X1): `run` ended exit 0 with
 * no line, the run unfinished; with -w 2 exit 0 with 1 of 6 tasks done. Now: in the process that
 * runs the command (-w 1, `task`) the exit becomes code 1 with a line; a worker process or thread
 * that ends before its task is done fails the run, named.
 */
describe('a stage that calls process.exit(0)', () => {
  let dir = '';
  const hint = "a stage called process.exit? A stage of one's own, or a library it uses, must return or throw";

  beforeAll(async () => {
    dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `line ${i} ` + 'ok '.repeat(20) }) + '\n';
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 300 }, (_, i) => line(i)).join(''));
    await writeFile(join(dir, 'b.jsonl'), Array.from({ length: 300 }, (_, i) => line(i + 300)).join(''));
    // Exits on its first batch wherever it runs.
    await writeFile(join(dir, 'ex.mjs'), "export default { name: 'ex', summary: 'x', options: {}, create: () => ({ name: 'ex', needsText: false, options: {}, async *run(batches) { for await (const b of batches) { process.exit(0); yield b; } } }) };\n");
    // In a worker (process or thread): leaves a mark, then exits 0. In the calling thread: holds its
    // first task until the mark is there, so that a worker is handed a task and exits while it runs it.
    await writeFile(
      join(dir, 'exw.mjs'),
      `import { existsSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
const inWorker = !isMainThread || process.env.CORPUS_CLEAN_WORKER !== undefined;
const mark = process.env.EXIT_MARK;
export default { name: 'exw', summary: 'x', options: {}, create: () => ({ name: 'exw', needsText: false, options: {}, async *run(batches) {
  for await (const b of batches) {
    if (inWorker) { writeFileSync(mark, ''); process.exit(0); }
    // (at most a minute: a run whose worker never took a task is not left hanging)
    for (let i = 0; i < 3000 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 20));
    yield b;
  }
} }) };
`,
    );
    await writeFile(join(dir, 'rex.yaml'), 'stages:\n  - module: ./ex.mjs\n');
    await writeFile(join(dir, 'rexw.yaml'), 'stages:\n  - module: ./exw.mjs\n');
  });

  it('-w 1: exit 1 and a line naming the task, no _SUCCESS', async () => {
    const r = await runCli(['run', 'rex.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`corpus-clean: error: the process was ended by process.exit(0) while task 0 of phase 0-tasks (a.jsonl) was at work, before the run finished: ${hint}; the run is not finished (no _SUCCESS): exit code 1\n`);
    expect(existsSync(join(dir, 'o1/_SUCCESS'))).toBe(false);
  });

  for (const kind of ['process', 'thread'] as const) {
    it(`-w 2, a worker ${kind} that exits 0 in its task: the task fails, exit 1`, async () => {
      const mark = join(dir, `mark-${kind}`);
      const r = await runCli(['run', 'rexw.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', `o2-${kind}`, '-w', '2', '--task-size', '8KB', '--worker-kind', kind], { cwd: dir, env: { EXIT_MARK: mark } });
      expect(r.code, r.stderr).toBe(1);
      const who = kind === 'process' ? 'worker process \\(PID \\d+\\)' : 'worker thread';
      expect(r.stderr).toMatch(new RegExp(`error: task \\d of phase 0-tasks \\([ab]\\.jsonl bytes \\d+-\\d+ \\(from line \\d+\\)\\) failed: ${who} exited with code 0 before it finished its work: a stage called process\\.exit\\?`));
      // Its fix is in the stage (as for a throw), not a plain rerun that ends the same way.
      expect(r.stderr).toContain('fix the stage');
      expect(existsSync(join(dir, `o2-${kind}/_SUCCESS`))).toBe(false);
    });
  }

  it('`task` (a Slurm array task, a task rerun by hand): exit 1 and a line', async () => {
    const empty = await tempDir();
    // No sbatch on PATH: the plan is made, nothing submitted.
    await runCli(['run', 'rex.yaml', '-i', 'a.jsonl', '-o', 'o3', '--executor', 'slurm'], { cwd: dir, env: { PATH: empty } });
    const t = await runCli(['task', 'o3', '--phase', '0', '--unit', '0'], { cwd: dir });
    expect(t.code, t.stderr).toBe(1);
    expect(t.stderr).toContain(`corpus-clean task: error: the process was ended by process.exit(0) while task 0 of phase 0-tasks (a.jsonl) was at work, before it finished: ${hint}; the task is not done: exit code 1\n`);
  });

  it('whileAtWork: an exit with code 0 while work is registered ends with 1; after it, 0 as asked', async () => {
    const guard = JSON.stringify(join(ROOT, 'dist/core/exitGuard.js'));
    const run = promisify(execFile);
    // The CLI's process is guarded (cli/main.ts); a library's caller's is not (test/api/hostProcess26).
    const at = `const { guardThisProcess, whileAtWork } = await import(${guard}); guardThisProcess(); const done = whileAtWork(() => 'at work'); `;
    const during = await run(process.execPath, ['--input-type=module', '-e', `${at}process.exit(0);`]).catch((e: { code: number; stderr: string }) => e);
    // The guard says the exit code the process ends with at the end of the line (session 25, X1c).
    expect([(during as { code?: number }).code, during.stderr]).toEqual([1, 'at work: exit code 1\n']);
    const after = await run(process.execPath, ['--input-type=module', '-e', `${at}done(); process.exit(0);`]);
    expect(after.stderr).toBe('');
    // An exit with another code is said (new-user review 24 N13) and ends with the failure code, 1
    // (hostile review 24 X1c: process.exit(2) read as a usage error).
    const other = await run(process.execPath, ['--input-type=module', '-e', `${at}process.exit(3);`]).catch((e: { code: number; stderr: string }) => e);
    expect([(other as { code?: number }).code, other.stderr]).toEqual([1, 'at work: exit code 1\n']);
  });
});
