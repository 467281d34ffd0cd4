import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 25 X-a: a stage module's 'exit' listener that calls process.exit(0) made a failed
 * `run` and `task` exit 0 (X1d held only for process.exitCode = 0 in the listener): Node ends the
 * process inside the listener, in process.reallyExit, past the guard's put-back. Hostile review 25
 * X1e: a stage that calls process.reallyExit(0) itself: exit 0, no line, the run's lock left.
 */
describe("a stage module's 'exit' listener calling process.exit(0), and process.reallyExit(0) from a stage", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'fine words '.repeat(6) }) + '\n';
    await writeFile(join(dir, 'd.jsonl'), Array.from({ length: 200 }, (_, i) => line(i)).join(''));
    // KIND=listener: its 'exit' listener exits 0, a second one after it leaves a mark; the stage throws.
    // KIND=really: the stage calls process.reallyExit(0).
    await writeFile(
      join(dir, 'xl.mjs'),
      `import { writeFileSync } from 'node:fs';
const kind = process.env.KIND;
if (kind === 'listener') {
  process.on('exit', () => { process.exit(0); });
  process.on('exit', () => { writeFileSync(process.env.MARK, 'ran'); });
}
export default { name: 'xl', summary: 'x', options: {}, create: () => ({ name: 'xl', needsText: false, options: {},
  async *run(batches) {
    for await (const b of batches) {
      if (kind === 'really') process.reallyExit(0);
      if (b.some((d) => String(d.data.text).startsWith('row 150 '))) throw new Error('boom');
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./xl.mjs\noutput: {compression: none}\n');
  });

  it("run and task: the listener's process.exit(0) does not turn a stage's throw into exit 0; the listeners after it still run", async () => {
    const mark = join(dir, 'mark-run');
    const r = await runCli(['run', 'r.yaml', '-i', 'd.jsonl', '-o', 'ol', '-w', '1'], { cwd: dir, env: { KIND: 'listener', MARK: mark } });
    expect(r.stderr).toMatch(/stage xl \(\.\/xl\.mjs, stages\[0\]\) threw on .*: Error: boom/);
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(mark)).toBe(true);
    expect(existsSync(join(dir, 'ol/_SUCCESS'))).toBe(false);
    const t = await runCli(['task', 'ol', '--phase', '0', '--unit', '0'], { cwd: dir, env: { KIND: 'listener', MARK: join(dir, 'mark-task') } });
    expect(t.stderr).toMatch(/^corpus-clean task: error: .*Error: boom/m);
    expect(t.code, t.stderr).toBe(1);
  });

  it('run and task: process.reallyExit(0) from a stage is said, exit 1, and the run leaves no lock', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'd.jsonl', '-o', 'or', '-w', '1'], { cwd: dir, env: { KIND: 'really' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('the process was ended by process.reallyExit(0) while task 0 of phase 0-tasks (d.jsonl) was at work');
    expect(r.stderr).toMatch(/\ncorpus-clean run: process\.reallyExit was called by stage xl \(\.\/xl\.mjs, stages\[0\]\), at \/.*\/xl\.mjs:\d+\n/);
    expect(existsSync(join(dir, 'or/_SUCCESS'))).toBe(false);
    expect(existsSync(join(dir, 'or/.corpus-clean.lock'))).toBe(false);
    const t = await runCli(['task', 'or', '--phase', '0', '--unit', '0'], { cwd: dir, env: { KIND: 'really' } });
    expect(t.stderr).toContain('process.reallyExit(0)');
    expect(t.code, t.stderr).toBe(1);
  });
});
