import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

// New-user review 19 F9: a full disk while `run` merged the paragraphs sketches (the merged
// count-min sketch is sketch_bytes, 64 MiB, whatever the input) failed with "ENOSPC: no space
// left on device, write": no file named, nor the room it needed.
describe('a full disk in the paragraphs merge step of run', () => {
  it('names the merged sketch and its size, leaves no partial sketch, and the rerun resumes', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'p.yaml'), `name: p\ninput: [${join(ROOT, 'fixtures/dedup')}]\nstages:\n  - paragraphs: {}\n`);
    const args = ['run', 'p.yaml', '-o', 'out', '--task-size', '20KB', '-q'];
    const full = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'paragraphs-merged' } });
    expect(full.code).toBe(1);
    expect(full.stderr).toContain("failed: cannot write 'out/_work/global/0/paragraphs-merged.cms': ENOSPC: injected write failure (the merged count-min sketch is sketch_bytes, 64 MiB: free that much there, or give paragraphs a smaller sketch_bytes)\n");
    expect(existsSync(join(dir, 'out/_work/global/0/paragraphs-merged.cms'))).toBe(false);
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'out/_stats.json'), 'utf8')).read).toBe(31);
    await rm(dir, { recursive: true, force: true });
  });
});
