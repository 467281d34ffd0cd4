import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
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
      if (!key.endsWith('Dir')) continue;
      const flag = `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
      const option = `${key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())} of ${s.name}`;
      // Not given: a spill folder defaults to the system temp folder, checked as well (hostile
      // review 23 E2: TMPDIR=/nonexistent failed with a raw 'ENOENT ... mkdtemp', exit 1, once the
      // one-process paragraphs spilled, after its first pass).
      const temp = value === null && key === 'spillDir';
      if (!temp && (typeof value !== 'string' || value === '')) continue;
      const folder = temp ? tmpdir() : (value as string);
      const name = temp ? `the system temp folder '${showPath(folder)}' (TMPDIR; ${flag} chooses another, ${option})` : `${flag} '${showPath(folder)}' (${option})`;
      const st = await stat(folder).catch((e: NodeJS.ErrnoException) => e);
      if (st instanceof Error) {
        if (st.code === 'ENOENT') throw new UsageError(`${name} does not exist: ${temp ? `set TMPDIR to an existing folder, or give ${flag} DIR` : 'make the folder first, or name an existing one'}`);
        if (st.code === 'ENOTDIR') throw new UsageError(`${name} cannot be a folder: part of its path is a file`);
        throw new UsageError(`${name} cannot be used: ${st.message}`);
      }
      if (!st.isDirectory()) throw new UsageError(`${name} is a file, but a folder is needed`);
      try {
        await access(folder, constants.W_OK | constants.X_OK);
      } catch (e) {
        // A read-only file system is no matter of permissions (new-user review 16 F1, as for outputs).
        throw new UsageError(`${name} cannot be written: ${(e as NodeJS.ErrnoException).code === 'EROFS' ? 'it is on a read-only file system (EROFS)' : 'no write permission in it'}`);
      }
    }
  }
}
