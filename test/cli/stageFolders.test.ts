import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 10 F23: a --spill-dir that cannot work (missing, a file, unwritable) failed with
// a raw ENOENT/ENOTDIR, exit 1, after the first pass over the input, with no output.
const input = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `Shared footer paragraph about cookies and privacy.\n\nUnique text number ${i} with enough words in it to stay longer than the fifty characters kept.` })).join('\n') + '\n';

describe('a stage folder (paragraphs --spill-dir) is checked before the first record (F23)', () => {
  it('missing, a file, or unwritable: a usage error (exit 2) naming it, and no output made', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), input);
    await writeFile(join(dir, 'afile'), '');
    const run = (spill: string): ReturnType<typeof runCli> => runCli(['paragraphs', 'in.jsonl', '-o', 'out/p.jsonl', '--spill-dir', spill, '--hold-bytes', '0'], { cwd: dir });
    const missing = await run('no/such');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--spill-dir 'no/such' (spill_dir of paragraphs) does not exist: make the folder first, or name an existing one`);
    const file = await run('afile');
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`--spill-dir 'afile' (spill_dir of paragraphs) is a file, but a folder is needed`);
    const under = await run('afile/x');
    expect(under.code).toBe(2);
    expect(under.stderr).toContain(`--spill-dir 'afile/x' (spill_dir of paragraphs) cannot be a folder: part of its path is a file`);
    if (process.getuid?.() !== 0) {
      await mkdir(join(dir, 'ro'));
      await chmod(join(dir, 'ro'), 0o555);
      const ro = await run('ro');
      expect(ro.code).toBe(2);
      expect(ro.stderr).toContain('cannot be written: no write permission in it');
    }
    expect((await readdir(dir)).sort()).toEqual(['afile', 'in.jsonl', ...(process.getuid?.() !== 0 ? ['ro'] : [])]);
    // An existing folder works, and the spill is gone after.
    await mkdir(join(dir, 'spill'));
    const ok = await run('spill');
    expect(ok.code, ok.stderr).toBe(0);
    expect(await readdir(join(dir, 'spill'))).toEqual([]);
  });

  it('run does not use it (its tasks spill into the run folder): a recipe naming one that does not exist here is not refused', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), input);
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - paragraphs: {spill_dir: /no/such/spill}\noutput: {compression: none}\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'out', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  });
});
