import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { outputTarget } from '../outputs.js';
import { OutputError } from './sharded.js';
import { makeDir } from '../dirs.js';

let serial = 0;

/**
 * Write a small file atomically: a temporary beside it, then a rename. A symlink is followed; a
 * device or FIFO is written in place. On any failure the temporary is removed and one
 * `OutputError` naming the path is thrown.
 */
export async function writeAtomic(path: string, text: string): Promise<void> {
  await makeDir(dirname(path));
  const target = await outputTarget(path);
  if (target.direct) {
    try {
      await writeFile(target.path, text);
    } catch (e) {
      throw new OutputError(path, e as Error);
    }
    return;
  }
  const tmp = join(dirname(target.path), `.${basename(target.path)}.tmp-${process.pid}-a${serial++}`);
  try {
    const h = await open(tmp, 'w');
    try {
      await h.writeFile(text);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, target.path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new OutputError(path, e as Error);
  }
}
