import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * What to add to an ENOSPC about `path` when its file system has no free inodes left (new-user
 * review 20 F10: "no space left on device" where `df -h` shows space: a tmpfs or ext4 whose
 * inodes ran out), else ''. The nearest existing folder of `path` is asked.
 */
export function inodesHint(path: string): string {
  let p = resolve(path);
  for (let i = 0; i < 64; i++) {
    try {
      const st = statfsSync(p);
      return st.files > 0 && st.ffree === 0 ? ` (its file system has no free inodes left, though df -h may show free space: see df -i)` : '';
    } catch {
      const up = dirname(p);
      if (up === p) return '';
      p = up;
    }
  }
  return '';
}
