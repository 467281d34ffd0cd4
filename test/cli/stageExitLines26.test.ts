import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 25 L-2: a stage's process.exit(N) on the run's own thread (-w 2's calling thread,
 * or -w 1) ended `run` with one line: no 'stopped with N of M units done' line and no advice line,
 * which a throw gets; the stage was not named though the call's stack names it; and status said
 * 'fix the stage it names' where no stage was named.
 */
describe("a stage's process.exit on the run's own thread: the lines a throw gets", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'fine words '.repeat(6) }) + '\n';
    await writeFile(join(dir, 'd.jsonl'), Array.from({ length: 200 }, (_, i) => line(i)).join(''));
    // Exits on its first batch, only on the calling thread (a worker process runs on): KIND=direct
    // calls process.exit(3) itself; KIND=timer lets a timer call it (no frame of the stage's module).
    await writeFile(
      join(dir, 'ex.mjs'),
      `import { isMainThread } from 'node:worker_threads';
const here = isMainThread && process.env.CORPUS_CLEAN_WORKER === undefined;
export default { name: 'ex', summary: 'x', options: {}, create: () => ({ name: 'ex', needsText: false, options: {},
  async *run(batches) {
    for await (const b of batches) {
      if (here && process.env.KIND === 'direct') process.exit(3);
      if (here && process.env.KIND === 'timer') { setTimeout(process.exit, 0, 3); await new Promise((r) => setTimeout(r, 5000)); }
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./ex.mjs\noutput: {compression: none}\n');
  });

  it('-w 2, called by the stage: the stage named, the stop line and the advice; status says to fix the stage', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'd.jsonl', '-o', 'od', '-w', '2', '--task-size', '4KiB'], { cwd: dir, env: { KIND: 'direct' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the process was ended by process\.exit\(3\) while task \d+ of phase 0-tasks .*: exit code 1\ncorpus-clean run: process\.exit was called by stage ex \(\.\/ex\.mjs, stages\[0\]\), at \/.*\/ex\.mjs:\d+\ncorpus-clean run: stopped with \d+ of \d+ units done.*\ncorpus-clean run: the run stopped.*fix the stage/);
    expect(existsSync(join(dir, 'od/_SUCCESS'))).toBe(false);
    const s = await runCli(['status', 'od'], { cwd: dir });
    expect(s.stdout).toMatch(/last attempt failed at .*; process\.exit was called by stage ex \(\.\/ex\.mjs, stages\[0\]\)/);
  });

  it('-w 1, called by a timer (no stage named): the stop line and advice without "fix the stage"; nor does status say it', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'd.jsonl', '-o', 'ot', '-w', '1'], { cwd: dir, env: { KIND: 'timer' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the process was ended by process\.exit\(3\) while task 0 of phase 0-tasks \(d\.jsonl\) was at work.*: exit code 1\ncorpus-clean run: stopped with 0 of 1 unit done\ncorpus-clean run: the run stopped before any unit finished: find the stage \(or a library it uses\) that calls process\.exit, make it return or throw, then run the same command to start it from its plan\n$/);
    const s = await runCli(['status', 'ot'], { cwd: dir });
    expect(s.stdout).toContain('last attempt failed at');
    expect(s.stdout).not.toContain('fix the stage it names');
  });
});
