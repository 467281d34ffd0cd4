import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/run.js';

describe('--workers far above the work', () => {
  it('starts no more worker threads than the largest phase has units (was: one per asked worker)', async () => {
    const { spawn } = await import('node:child_process');
    const { readdirSync } = await import('node:fs');
    const { CLI } = await import('../helpers/run.js');
    const dir = await tempDir();
    const p = spawn(process.execPath, [CLI, 'run', 'rules/recipes/sample.yaml', '-o', join(dir, 'o'), '-q', '--task-size', '150KB', '--workers', '300', '--worker-kind', 'thread'], { cwd: ROOT, stdio: 'ignore' });
    let most = 0;
    const poll = setInterval(() => {
      try {
        most = Math.max(most, readdirSync(`/proc/${p.pid}/task`).length);
      } catch {
        // the process has ended
      }
    }, 20);
    const code = await new Promise<number | null>((res) => p.on('close', res));
    clearInterval(poll);
    expect(code).toBe(0);
    const plan = JSON.parse(await readFile(join(dir, 'o', '_plan.json'), 'utf8')) as { phases: { units: number }[] };
    const units = Math.max(...plan.phases.map((x) => x.units));
    expect(units).toBeLessThan(40);
    // Node's own threads (libuv pool, V8 platform) number about a dozen besides the workers.
    expect(most).toBeGreaterThan(units);
    expect(most).toBeLessThan(units + 40);
  });
});
