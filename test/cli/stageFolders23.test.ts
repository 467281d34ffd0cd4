import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 E2: paragraphs' default spill folder (the system temp folder) escaped the
// check --spill-dir gets (F23): TMPDIR=/nonexistent failed with a raw "ENOENT ... mkdtemp",
// exit 1, once the one-process form spilled, after its whole first pass.
const input = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `Shared footer paragraph about cookies and privacy.\n\nUnique text number ${i} with enough words in it to stay longer than the fifty characters kept.` })).join('\n') + '\n';

describe("paragraphs' default spill folder (TMPDIR) is checked before the first record (E2)", () => {
  it('missing or a file: exit 2 naming TMPDIR and --spill-dir, no output; --spill-dir or run need no TMPDIR', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), input);
    await writeFile(join(dir, 'afile'), '');
    const para = (tmp: string, ...more: string[]): ReturnType<typeof runCli> => runCli(['paragraphs', 'in.jsonl', '-o', 'out/p.jsonl', '--hold-bytes', '0', ...more], { cwd: dir, env: { TMPDIR: tmp } });
    const missing = await para('/nonexistent-e2');
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain("corpus-clean: the system temp folder '/nonexistent-e2' (TMPDIR; --spill-dir chooses another, spill_dir of paragraphs) does not exist: set TMPDIR to an existing folder, or give --spill-dir DIR");
    const file = await para(join(dir, 'afile'));
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`the system temp folder '${join(dir, 'afile')}' (TMPDIR; --spill-dir chooses another, spill_dir of paragraphs) is a file, but a folder is needed`);
    expect((await readdir(dir)).sort()).toEqual(['afile', 'in.jsonl']);
    const given = await para('/nonexistent-e2', '--spill-dir', '.');
    expect(given.code, given.stderr).toBe(0);
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - paragraphs: {}\noutput: {compression: none}\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'rout', '-q'], { cwd: dir, env: { TMPDIR: '/nonexistent-e2' } });
    expect(run.code, run.stderr).toBe(0);
  });
});
