import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode, tempDir } from '../helpers/run.js';

/**
 * The CLI's exit guard (core/exitGuard.ts) wrapped process.emit and process.exit and put an
 * 'uncaughtException' listener first while runRecipe ran, in the process of a program that calls
 * the library: a stage's error that the program's own handler took and let pass ended the program
 * with corpus-clean's line and exit 1, and the program's own exit code was put back over the one
 * its 'exit' listener chose. A library leaves its caller's process as it is; the CLI keeps its
 * guarantees (test/cli/exitListener26, stageExit24, uncaughtStage25).
 */
describe("runRecipe leaves its caller's process as it is", { timeout: 300_000 }, () => {
  it("the caller's uncaughtException handler gets a stage's late error, process.exit/emit are its own, its 'exit' listener's code stands", async () => {
    const dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'fine words '.repeat(6) }) + '\n';
    await writeFile(join(dir, 'd.jsonl'), Array.from({ length: 50 }, (_, i) => line(i)).join(''));
    // On its first batch: what the process looks like from inside the run, then a throw in a timer it waits past.
    await writeFile(
      join(dir, 'late.mjs'),
      `export default { name: 'late', summary: 'x', options: {}, create: () => ({ name: 'late', needsText: false, options: {},
  async *run(batches) {
    let first = true;
    for await (const b of batches) {
      if (first) {
        first = false;
        globalThis.seen = { uncaught: process.listenerCount('uncaughtException'), exit: process.exit === globalThis.hostExit, emit: process.emit === globalThis.hostEmit };
        setTimeout(() => { throw new Error('late'); }, 0);
        await new Promise((r) => setTimeout(r, 100));
      }
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./late.mjs\noutput: {compression: none}\n');
    await writeFile(
      join(dir, 'host.mjs'),
      `import { runRecipe } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
globalThis.hostExit = process.exit;
globalThis.hostEmit = process.emit;
let caught = '';
process.on('uncaughtException', (e) => { caught = e.message; });
const r = await runRecipe('r.yaml', { input: 'd.jsonl', output: 'o', workers: 1, quiet: true });
process.stdout.write(JSON.stringify({ code: r.code, caught, seen: globalThis.seen, after: { exit: process.exit === globalThis.hostExit, emit: process.emit === globalThis.hostEmit, uncaught: process.listenerCount('uncaughtException') } }));
// The program's own say on its exit code: 5, then its 'exit' listener makes it 0.
process.exitCode = 5;
process.on('exit', () => { process.exitCode = 0; });
`,
    );
    const r = await runNode(['host.mjs'], { cwd: dir });
    expect(r.stderr).not.toContain('corpus-clean');
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { code: number; caught: string; seen: Record<string, unknown>; after: Record<string, unknown> };
    expect(got).toEqual({ code: 0, caught: 'late', seen: { uncaught: 1, exit: true, emit: true }, after: { exit: true, emit: true, uncaught: 1 } });
  });
});
