import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * R-1's sibling (new-user review 26): an unfinished run folder given as input is refused with the
 * advice to finish it with "the command that wrote it (...) again (it resumes)"; for a run begun
 * with --overwrite that command, pasted, starts over. It is printed without --overwrite.
 */
describe('an unfinished run begun with --overwrite, read as input', { timeout: 300_000 }, () => {
  it('is to be finished by its command without --overwrite', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'a.jsonl'), Array.from({ length: 5 }, (_, j) => JSON.stringify({ text: `record ${j} of plain words` }) + '\n').join(''));
    await writeFile(
      join(dir, 'boom.mjs'),
      `export default { name: 'boom', summary: 'x', options: {}, create: () => ({ name: 'boom', needsText: true, options: {},
  async *run(batches) { for await (const b of batches) { throw new Error('boom'); } } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./boom.mjs\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'in', '-o', 'o', '--workers', '1', '--overwrite', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    const read = await runCli(['cat', 'o', '-q'], { cwd: dir });
    expect(read.code).toBe(2);
    expect(read.stderr).toContain("'o' is an unfinished run (no _SUCCESS)");
    expect(read.stderr).toContain('the command that wrote it without --overwrite (corpus-clean run r.yaml -i in -o o --workers 1 -q) again (it resumes)');
  });
});
