import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23b C4: a stage of one's own whose create() threw (it cannot open its model, a
// bad option combination) was not named: 'corpus-clean run: error: cannot open my model file',
// and a TypeError came as a corpus-clean bug with the bundle's stack. It is named now as a throw
// on a record is (A5), with its module and stages[i], said to have happened while it was built;
// exit 2 (nothing read), the stack only with CORPUS_CLEAN_DEBUG=1.
describe("a stage of one's own whose create throws", { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), JSON.stringify({ text: 'hello' }) + '\n');
    await writeFile(join(dir, 't3.mjs'), "export default { name: 't3', summary: 'x', options: {}, create: () => { throw new Error('cannot open my model file'); } };\n");
    await writeFile(join(dir, 't5.mjs'), "export default { name: 't5', summary: 'x', options: {}, create: () => { const cfg = undefined; return cfg.model; } };\n");
    await writeFile(join(dir, 'r3.yaml'), 'name: t3\nstages:\n  - normalize\n  - module: ./t3.mjs\n');
    await writeFile(join(dir, 'r5.yaml'), 'name: t5\nstages:\n  - module: ./t5.mjs\n');
  });
  it('an Error: named with its module and stages[i], no stack, exit 2, nothing made', async () => {
    const r = await runCli(['run', 'r3.yaml', '-i', 'a.jsonl', '-o', 'o3'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe("corpus-clean: stage t3 (./t3.mjs, stages[1]) threw while it was being built (its create), before any record was read: Error: cannot open my model file (CORPUS_CLEAN_DEBUG=1 shows its stack)\n");
    expect(existsSync(join(dir, 'o3'))).toBe(false);
  });
  it('a TypeError: the same line, not a corpus-clean bug; its stack with CORPUS_CLEAN_DEBUG=1', async () => {
    const r = await runCli(['run', 'r5.yaml', '-i', 'a.jsonl', '-o', 'o5'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe("corpus-clean: stage t5 (./t5.mjs, stages[0]) threw while it was being built (its create), before any record was read: TypeError: Cannot read properties of undefined (reading 'model') (CORPUS_CLEAN_DEBUG=1 shows its stack)\n");
    const d = await runCli(['run', 'r5.yaml', '-i', 'a.jsonl', '-o', 'o5'], { cwd: dir, env: { CORPUS_CLEAN_DEBUG: '1' } });
    expect(d.code).toBe(2);
    expect(d.stderr).toContain(`at Object.create (file://${join(dir, 't5.mjs')}:1:`);
  });
});
