import { readFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportRefused, moduleImports, readModuleImports } from '../../src/cli/recipeModules.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 25 M-0: a stage module (or a helper it imports) reached through a symbolic link
// had its imports looked for beside the link, while Node resolves them beside the file the link
// leads to. The real helpers were not kept in the plan (an edit between stop and resume was used
// silently), an unrelated file of the same name beside the link was kept instead, and a helper
// that was a link to /dev/zero beside the real module was not refused before the import (N9 back).
// The walk now resolves each file's imports from its real path. The timeout bounds a failure of
// this test only (the fixed run ends at once); it asserts no timing.
describe('the imports of a stage module or helper reached through a link are those Node loads', { timeout: 300_000 }, () => {
  let dir: string;
  const stage = "export default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(b) { yield* b; } }) };\n";
  beforeAll(async () => {
    dir = realpathSync(await tempDir());
    await mkdir(join(dir, 'shared'));
    await mkdir(join(dir, 'proj/lib'), { recursive: true });
    await writeFile(join(dir, 'shared/stage.mjs'), `import { lim } from './real.mjs';\nvoid lim;\n${stage}`);
    await writeFile(join(dir, 'shared/real.mjs'), "export { lim } from './dep.mjs';\n");
    await writeFile(join(dir, 'shared/dep.mjs'), 'export const lim = 30;\n');
    await writeFile(join(dir, 'shared/stage2.mjs'), `import './zz.mjs';\n${stage}`);
    await symlink('/dev/zero', join(dir, 'shared/zz.mjs'));
    // The project links the shared modules in; a file of its own shares a name with a shared one.
    await symlink('../shared/stage.mjs', join(dir, 'proj/linked-stage.mjs'));
    await symlink('../shared/stage2.mjs', join(dir, 'proj/linked2.mjs'));
    await writeFile(join(dir, 'proj/real.mjs'), 'export const unrelated = 1;\n');
    await writeFile(join(dir, 'proj/sl.mjs'), `import './lib/link.mjs';\n${stage}`);
    await symlink('../../shared/real.mjs', join(dir, 'proj/lib/link.mjs'));
    await writeFile(join(dir, 'proj/a.jsonl'), JSON.stringify({ text: 'hello there' }) + '\n');
    await writeFile(join(dir, 'proj/r.yaml'), 'name: sl\nstages:\n  - module: ./linked-stage.mjs\n');
    await writeFile(join(dir, 'proj/z.yaml'), 'name: z\nstages:\n  - module: ./linked2.mjs\n');
  });

  it('a linked module: its imports beside the real file, not the unrelated one beside the link', () => {
    expect(moduleImports(join(dir, 'proj/linked-stage.mjs'))).toEqual([join(dir, 'shared/dep.mjs'), join(dir, 'shared/real.mjs')]);
  });

  it('a linked helper: the link is kept, and the imports of the file it leads to', () => {
    expect(moduleImports(join(dir, 'proj/sl.mjs'))).toEqual([join(dir, 'proj/lib/link.mjs'), join(dir, 'shared/dep.mjs')]);
  });

  it('a link to /dev/zero beside the real file of a linked module is refused before the import', () => {
    let thrown: unknown;
    try {
      readModuleImports(join(dir, 'proj/linked2.mjs'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ImportRefused);
    expect((thrown as ImportRefused).path).toBe(join(dir, 'shared/zz.mjs'));
  });

  it('run: the plan keeps the real helpers; the /dev/zero helper is refused by name, nothing written', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: join(dir, 'proj'), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(await readFile(join(dir, 'proj/o1/_plan.json'), 'utf8')) as { sideFiles: { path: string }[] };
    expect(plan.sideFiles.map((s) => s.path).sort()).toEqual([join(dir, 'proj/linked-stage.mjs'), join(dir, 'shared/dep.mjs'), join(dir, 'shared/real.mjs')]);
    const z = await runCli(['run', 'z.yaml', '-i', 'a.jsonl', '-o', 'o2', '-w', '1'], { cwd: join(dir, 'proj'), timeoutMs: 30_000 });
    expect(z.code, z.stderr).toBe(2);
    expect(z.stderr).toContain(`a file it imports, '${join(dir, 'shared/zz.mjs')}': it is a character device (such as /dev/zero), not a file`);
    expect(existsSync(join(dir, 'proj/o2'))).toBe(false);
  });
});
