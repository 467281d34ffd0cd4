import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// What a single command says when it stops, and what it refuses before it starts (new-user
// review 20).

const records = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill a few batches of it` })).join('\n') + '\n';

// F4: a --rejects or --stats ending in / (a folder not there yet) ran the whole job, then failed at
// the final rename (ENOTDIR) and removed everything; an existing folder was refused up front.
describe('--rejects or --stats naming a new folder', () => {
  for (const flag of ['--rejects', '--stats']) {
    it(`${flag} NEWDIR/ is a usage error before anything is read or written`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'in.jsonl'), records(50));
      const r = await runCli(['quality', 'in.jsonl', '-o', 'out.jsonl', flag, 'newdir/'], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${flag} 'newdir/' ends in /, so it names a folder, but a file is needed`);
      expect(r.stderr).not.toMatch(/ENOTDIR|stopped after/);
      expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
    });
  }
});
