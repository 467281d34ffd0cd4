import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 24 N9, hostile review 24 F9e (F9d's sibling through C1): a file a stage module
// imports that was a link to /dev/zero was read whole by Node's import (1 GB in 8 s, no line), while
// the module itself in its place was refused by name. The files a module imports are now read as
// its side files are, before the module is imported: a device, a FIFO or a file over 64 MiB is
// refused by name, exit 2, nothing written. The timeout bounds a failure of this test only (the
// fixed run ends at once); it asserts no timing.
describe('a file a stage module imports that is a device, a FIFO or too large is refused before the import', { timeout: 300_000 }, () => {
  let dir: string;
  const bound = { timeoutMs: 30_000 };
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), JSON.stringify({ text: 'hello there' }) + '\n');
    await symlink('/dev/zero', join(dir, 'zero.mjs'));
    execFileSync('mkfifo', [join(dir, 'fifo.mjs')]);
    // Sparse: its size says 100 MiB, over the cap, with no block written.
    await writeFile(join(dir, 'big.mjs'), '');
    await truncate(join(dir, 'big.mjs'), 100 << 20);
    // The device two steps away: the module imports a helper that imports it.
    await writeFile(join(dir, 'helper.mjs'), "export * from './zero.mjs';\n");
    const stage = "export default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(b) { yield* b; } }) };\n";
    for (const [name, imp] of [['viaHelper', './helper.mjs'], ['fifo', './fifo.mjs'], ['big', './big.mjs']]) {
      await writeFile(join(dir, `use-${name}.mjs`), `import '${imp}';\n${stage}`);
      await writeFile(join(dir, `${name}.yaml`), `name: ${name}\nstages:\n  - module: ./use-${name}.mjs\n`);
    }
  });

  it('a link to /dev/zero imported by a helper the module imports', async () => {
    const r = await runCli(['run', 'viaHelper.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir, ...bound });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`viaHelper.yaml: stages[0]: cannot load module './use-viaHelper.mjs' (${join(dir, 'use-viaHelper.mjs')}): a file it imports, '${join(dir, 'zero.mjs')}': it is a character device (such as /dev/zero), not a file`);
    expect(existsSync(join(dir, 'o1'))).toBe(false);
  });

  it('a FIFO and a file over 64 MiB', async () => {
    const f = await runCli(['run', 'fifo.yaml', '-i', 'a.jsonl', '-o', 'o2', '-w', '1'], { cwd: dir, ...bound });
    expect(f.code, f.stderr).toBe(2);
    expect(f.stderr).toContain(`a file it imports, '${join(dir, 'fifo.mjs')}': it is a FIFO (named pipe), not a file`);
    const b = await runCli(['run', 'big.yaml', '-i', 'a.jsonl', '-o', 'o3', '-w', '1'], { cwd: dir, ...bound });
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toContain(`a file it imports, '${join(dir, 'big.mjs')}': it holds 100 MiB, more than the 64 MiB such a file may hold`);
  });
});
