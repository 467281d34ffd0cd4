import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

// New-user review 19 F10: a full disk just after `run` took its lock (writing its seals or its
// plan) left _recipe.resolved.yaml and _work/ in the output folder without a plan, and the rerun
// was refused as "already holds _recipe.resolved.yaml and 1 more from an earlier run".
describe('a full disk while run starts', () => {
  it('leaves nothing that refuses the rerun, which runs; a failure once the plan is written names its file and the rerun resumes', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'r.yaml'), `name: t\ninput: [${join(ROOT, 'fixtures/dedup')}]\nstages:\n  - dedup: {}\n`);
    const args = ['run', 'r.yaml', '-o', 'out', '-q'];
    for (const [path, file] of [
      ['SEALED-FROM-START', 'out/_work/seals/SEALED-FROM-START'],
      ['_plan\\.json', 'out/_plan.json'],
    ]) {
      const full = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: path } });
      expect(full.code, full.stderr).toBe(1);
      expect(full.stderr).toContain(`corpus-clean run: error: cannot write '${file}': ENOSPC`);
      expect(existsSync(join(dir, 'out')) ? await readdir(join(dir, 'out')) : []).toEqual([]);
      const again = await runCli(args, { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      await rm(join(dir, 'out'), { recursive: true, force: true });
    }
    // Past the plan: the files of an attempt, named (they said only "ENOSPC: injected write failure").
    for (const file of ['out/_work/attempts.json', 'out/_work/command.json']) {
      const full = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: file.replaceAll('.', '\\.') } });
      expect(full.code, full.stderr).toBe(1);
      expect(full.stderr).toContain(`corpus-clean run: error: cannot write '${file}': ENOSPC`);
      expect(existsSync(join(dir, file))).toBe(false);
      const again = await runCli(['run', 'r.yaml', '-o', 'out'], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain("resuming the unfinished run in out");
      await rm(join(dir, 'out'), { recursive: true, force: true });
    }
    await rm(dir, { recursive: true, force: true });
  });
});
