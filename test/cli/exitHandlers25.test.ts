import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, runCli, tempDir } from '../helpers/run.js';

/**
 * Hostile review 25: how a run ends when a stage module's own handlers get in the way.
 * U1: an uncaught error whose message getter throws crashed corpus-clean's own handler (exit 7,
 * Node's raw stack). X1f: a module's 'uncaughtException' handler that calls process.exit(0) turned
 * a stage's throw into exit 0 with no line; a module's SIGTERM handler that calls process.exit(0)
 * turned a terminated run into exit 0 instead of 143.
 */
describe("a stage module's own handlers and odd errors", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `line ${i} ` + 'fine words '.repeat(8) }) + '\n';
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 60 }, (_, i) => line(i)).join(''));
    // KIND=getter: an Error whose message getter throws, thrown in a timer.
    // KIND=handler: the module's own uncaughtException handler exits 0; then a throw in a timer.
    // KIND=signal: the module's own SIGTERM handler exits 0; the stage writes FLAG and waits.
    await writeFile(
      join(dir, 'h.mjs'),
      `import { writeFileSync } from 'node:fs';
const kind = process.env.KIND;
if (kind === 'handler') process.on('uncaughtException', (e) => { console.error('my handler: ' + e.message); process.exit(0); });
if (kind === 'top') process.exit(0);
if (kind === 'signal') process.on('SIGTERM', () => { console.error('my SIGTERM handler: bye'); process.exit(0); });
function odd() {
  const e = new Error('x');
  Object.defineProperty(e, 'message', { get() { throw new Error('getter'); } });
  return e;
}
export default { name: 'h', summary: 'x', options: {}, create: () => ({ name: 'h', needsText: false, options: {},
  async *run(batches) {
    for await (const b of batches) {
      if (kind === 'getter') setTimeout(() => { throw odd(); }, 0);
      if (kind === 'handler') setTimeout(() => { throw new Error('late'); }, 0);
      if (kind === 'signal') { writeFileSync(process.env.FLAG, 'x'); await new Promise((r) => setTimeout(r, 20000)); }
      else await new Promise((r) => setTimeout(r, 200));
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize\n  - module: ./h.mjs\noutput: {compression: none}\n');
  });

  it("U1: an error whose message getter throws is said (its message unread), not a crash of corpus-clean's handler; exit 1", async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'og', '-w', '1'], { cwd: dir, env: { KIND: 'getter' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('Node.js v');
    expect(r.stderr).toMatch(/^corpus-clean run: error: .* threw outside a record, .*: Error: \(its message could not be read: its getter threw\)/m);
    expect(existsSync(join(dir, 'og/_SUCCESS'))).toBe(false);
  });

  it("X1f: a module's own 'uncaughtException' handler that calls process.exit(0) does not turn the stage's throw into a success: the error said, exit 1", async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'oh', '-w', '1'], { cwd: dir, env: { KIND: 'handler' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean run: error: stage h \(\.\/h\.mjs, stages\[1\]\) threw outside a record, .*: Error: late /m);
    expect(r.stderr).toContain("corpus-clean run: error: a stage module's own 'uncaughtException' handler called process.exit(0) before corpus-clean had stopped the work: the work is not finished");
    expect(r.stderr).toMatch(/: exit code 1\n$/);
    expect(existsSync(join(dir, 'oh/_SUCCESS'))).toBe(false);
  });

  it("X1f: a module's own SIGTERM handler that calls process.exit(0) does not turn a terminated run into a success: exit 143, said", async () => {
    const flag = join(dir, 'flag');
    const p = spawn(process.execPath, [CLI, 'run', 'r.yaml', '-i', 'a.jsonl', '-o', 'os', '-w', '1'], { cwd: dir, env: { ...process.env, CORPUS_CLEAN_PROGRESS_MS: 'off', KIND: 'signal', FLAG: flag } });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<number | null>((done) => p.on('close', (code) => done(code)));
    // The stage has begun its batch (it writes the flag, then waits): the signal comes then.
    for (let i = 0; i < 600 && !existsSync(flag) && p.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(flag), stderr).toBe(true);
    p.kill('SIGTERM');
    const code = await ended;
    expect(code, stderr).toBe(143);
    expect(stderr).toContain('my SIGTERM handler: bye');
    expect(stderr).toContain("corpus-clean run: terminated\ncorpus-clean run: error: a stage module's own signal handler called process.exit(0) before corpus-clean had stopped the work");
    expect(existsSync(join(dir, 'os/_SUCCESS'))).toBe(false);
  });

  it("a module's process.exit while modules load: the line's hint in one pair of parentheses, not two; exit 2", async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'ot', '-w', '1'], { cwd: dir, env: { KIND: 'top' } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("the run is not finished (a stage called process.exit? A stage of one's own, or a library it uses, must return or throw): exit code 2\n");
    expect(r.stderr).not.toContain('))');
  });
});
