import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 25 C1d: the walk of a stage module's imports stops at 1,000 files (a bound on
// the work at a run's start); past it files were neither kept by content nor checked before the
// import, and nothing said so. The run now warns, naming the module.
describe("run: a stage module whose imports go past the 1,000 files a run follows", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    // top.mjs imports c0.mjs, which imports c1.mjs, ... c1004.mjs: by an import() the run never
    // makes, so that Node does not load 1,005 files (the walk reads the source, not what runs).
    const n = 1005;
    await Promise.all(Array.from({ length: n }, (_, i) => writeFile(join(dir, `c${i}.mjs`), i + 1 < n ? `if (globalThis.never) await import('./c${i + 1}.mjs');\n` : 'export const last = 1;\n')));
    await writeFile(join(dir, 'top.mjs'), "if (globalThis.never) await import('./c0.mjs');\nexport default { name: 'top', summary: 's', options: {}, create: () => ({ name: 'top', async *run(b) { yield* b; } }) };\n");
    await writeFile(join(dir, 'r.yaml'), 'name: top\nstages:\n  - module: ./top.mjs\n');
    await writeFile(join(dir, 'a.jsonl'), '{"text":"a"}\n');
  });

  it('warns, naming the module and what is not kept', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("corpus-clean: warning: r.yaml: stages[0]: module './top.mjs' (");
    expect(r.stderr).toContain('import more than 1,000 files by path, as many as a run follows: what the last 1 found import was not looked at; a file only they import is not kept by content');
    // Once, though the plan's walk of the imports reaches the bound too.
    expect(r.stderr.split('warning:').length).toBe(2);
  });
});
