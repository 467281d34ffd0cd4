import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// A worker process whose stages cannot be built (here: the module changed as the worker imported
// it, M1's check) died with an uncaught stack on the run's stderr, and the run said only 'a worker
// failed ... exited with code 1'. Now the worker sends the reason as the run's error.
describe('a worker that cannot build its stages', { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    // Edits itself only when a worker process imports it (the run's own process imports it first,
    // unedited); the run's own process takes a second per batch, so that the worker is up before the
    // units are all done.
    await writeFile(
      join(dir, 'self.mjs'),
      `import { appendFileSync } from 'node:fs';\nif (process.env.CORPUS_CLEAN_WORKER !== undefined) appendFileSync(new URL(import.meta.url), '// edited by a worker\\n');\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches) { for await (const b of batches) { if (process.env.CORPUS_CLEAN_WORKER === undefined) await new Promise((r) => setTimeout(r, 1000)); yield b; } } }) };\n`,
    );
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `record ${i}`, pad: 'p'.repeat(100) })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: wb\nstages:\n  - module: ./self.mjs\noutput: {compression: none}\n');
  });

  it('process workers: the run fails with the reason, no uncaught stack', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o', '-w', '2', '--worker-kind', 'process', '--task-size', '1KiB'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`the module of stage mine '${join(dir, 'self.mjs')}' is not the one the run was planned with`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
