import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { showPath } from '../core/fsname.js';
import type { Stage } from '../core/stage.js';

/**
 * The folders stages write their temporaries into (paragraphs' `spillDir`: options named
 * `...Dir`) must exist as writable folders before the first record is read, as output paths are
 * checked (hostile review 10 F23: a missing `--spill-dir` failed with a raw ENOENT, exit 1, after
 * the first pass over the input). A stage makes no folder of its own: one that does not exist
 * is more likely a typo than a wish.
 */
export async function checkStageFolders(stages: readonly Stage[]): Promise<void> {
  for (const s of stages) {
    for (const [key, value] of Object.entries(s.options ?? {})) {
      if (!key.endsWith('Dir') || typeof value !== 'string' || value === '') continue;
      const flag = `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
      const name = `${flag} '${showPath(value)}' (${key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())} of ${s.name})`;
      const st = await stat(value).catch((e: NodeJS.ErrnoException) => e);
      if (st instanceof Error) {
        if (st.code === 'ENOENT') throw new UsageError(`${name} does not exist: make the folder first, or name an existing one`);
        if (st.code === 'ENOTDIR') throw new UsageError(`${name} cannot be a folder: part of its path is a file`);
        throw new UsageError(`${name} cannot be used: ${st.message}`);
      }
      if (!st.isDirectory()) throw new UsageError(`${name} is a file, but a folder is needed`);
      try {
        await access(value, constants.W_OK | constants.X_OK);
      } catch (e) {
        // A read-only file system is no matter of permissions (new-user review 16 F1, as for outputs).
        throw new UsageError(`${name} cannot be written: ${(e as NodeJS.ErrnoException).code === 'EROFS' ? 'it is on a read-only file system (EROFS)' : 'no write permission in it'}`);
      }
    }
  }
}
