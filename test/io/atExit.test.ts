import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run.js';

const ATEXIT = join(ROOT, 'dist/io/atExit.js');

describe('atExit: work done when the process exits', () => {
  it('a hook that throws neither stops the hooks after it nor prints a trace; the exit code stays', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-atexit-'));
    try {
      const mark = join(dir, 'later-hook-ran');
      // The first hook throws (as rmSync did on a folder a stream's open filled again); the second
      // stands for the output locks' release registered after it.
      const script = `import { atExit } from ${JSON.stringify(ATEXIT)}; import { writeFileSync } from 'node:fs';
atExit(() => { throw new Error('ENOTEMPTY: directory not empty'); });
atExit(() => writeFileSync(${JSON.stringify(mark)}, 'x'));
process.exit(143);`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.status).toBe(143);
      expect(r.stderr).toBe('');
      expect(existsSync(mark)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unregistered hook does not run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-atexit-'));
    try {
      const mark = join(dir, 'ran');
      const script = `import { atExit } from ${JSON.stringify(ATEXIT)}; import { writeFileSync } from 'node:fs';
const off = atExit(() => writeFileSync(${JSON.stringify(mark)}, 'x')); off();`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(existsSync(mark)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removeTreeSync removes a folder with what it holds, and a missing one is no error', async () => {
    const { removeTreeSync } = await import('../../src/io/atExit.js');
    const dir = mkdtempSync(join(tmpdir(), 'cc-atexit-'));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'spill.bin'), 'x');
    removeTreeSync(dir);
    expect(existsSync(dir)).toBe(false);
    removeTreeSync(dir);
  });
});
