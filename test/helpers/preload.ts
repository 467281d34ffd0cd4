import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Compile `source` (C) into a shared object in `dir`, for LD_PRELOAD: a shim that wraps a libc
 * call to send the process a signal at a chosen instant (interrupt21, interrupt23). Its path, or
 * undefined where that cannot be done (not Linux, no C compiler): the tests using it skip then.
 */
export async function compileShim(dir: string, source: string, name = 'shim'): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const c = join(dir, `${name}.c`);
  const so = join(dir, `${name}.so`);
  await writeFile(c, source);
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', so, c, '-ldl'], { encoding: 'utf8' });
  return cc.status === 0 ? so : undefined;
}
