import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode, tempDir } from '../helpers/run.js';

/**
 * runRecipe put corpus-clean's SIGINT/SIGTERM/SIGHUP listeners (cli/interrupt.ts) first in its
 * caller's process and never took them off: a SIGTERM after runRecipe resolved printed
 * "corpus-clean: terminated after the run was finished" and ended the program with 143, cutting
 * its own shutdown handler short (new-user review 26 A-2). A library run leaves the program's
 * signals to the program; the CLI keeps its handlers (test/cli/interrupt*).
 */
describe("runRecipe leaves its caller's signals alone", { timeout: 300_000 }, () => {
  it("after runRecipe, the program's own SIGTERM handler runs to its end and its exit code stands", async () => {
    const dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'fine words '.repeat(6) }) + '\n';
    await writeFile(join(dir, 'd.jsonl'), Array.from({ length: 50 }, (_, i) => line(i)).join(''));
    await writeFile(
      join(dir, 'keep.mjs'),
      `export default { name: 'keep', summary: 'x', options: {}, create: () => ({ name: 'keep', needsText: false, options: {},
  async *run(batches) {
    for await (const b of batches) {
      globalThis.during ??= ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./keep.mjs\noutput: {compression: none}\n');
    await writeFile(
      join(dir, 'host.mjs'),
      `import { runRecipe } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
const count = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
process.on('SIGTERM', () => {
  process.stdout.write('host: shutting down\\n');
  // A clean-up that takes a while, then the program's own exit code.
  setTimeout(() => { process.stdout.write('host: clean shutdown done\\n'); process.exit(7); }, 50);
});
const before = count();
const r = await runRecipe('r.yaml', { input: 'd.jsonl', output: 'o', workers: 1, quiet: true });
process.stdout.write(JSON.stringify({ code: r.code, before, during: globalThis.during, after: count() }) + '\\n');
process.kill(process.pid, 'SIGTERM');
setInterval(() => {}, 1000);
`,
    );
    const r = await runNode(['host.mjs'], { cwd: dir });
    expect(r.stderr).not.toContain('corpus-clean');
    const lines = r.stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ code: 0, before: [0, 1, 0], during: [0, 1, 0], after: [0, 1, 0] });
    expect(lines.slice(1)).toEqual(['host: shutting down', 'host: clean shutdown done']);
    expect(r.code, r.stderr).toBe(7);
  });
});
