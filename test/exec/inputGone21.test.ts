import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 21 N10: a run whose input was removed while it ran failed with 'ENOENT: no such
// file or directory, stat ...' and 'run the same command again to resume', which the rerun then
// refused (its inputs are not those planned). The error now says the input is gone and --overwrite.
describe('an input gone while the run uses it', () => {
  it('says so and what to do: --overwrite, which the rerun also says', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ text: `record ${i} `.repeat(20) })).join('\n') + '\n');
    // A stage of the test's own that moves the input away as the first batch passes it (once).
    await writeFile(join(dir, 'away.mjs'), `import { existsSync, renameSync } from 'node:fs';\nconst flag = ${JSON.stringify(join(dir, 'moved-once'))};\nexport default { name: 'away', summary: 'moves the input away', options: {}, create: () => ({ name: 'away', needsText: false, options: {}, async *run(b) { for await (const x of b) { if (!existsSync(flag)) { renameSync(${JSON.stringify(input)}, ${JSON.stringify(input + '.away')}); renameSync(${JSON.stringify(input + '.away')}, flag); } yield x; } } }) };\n`);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./away.mjs\n');
    const args = ['run', join(dir, 'r.yaml'), '-i', input, '-o', join(dir, 'out'), '-q', '-w', '1'];
    const r = await runCli(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`input '${input}' is no longer there (ENOENT: removed or moved after the run was planned); the run cannot go on or be resumed without it: run again with --overwrite once the inputs are complete`);
    expect(r.stderr).not.toMatch(/no such file or directory/);
    expect(r.stderr).toMatch(/corpus-clean run: the run stopped\n/);
    expect(r.stderr).not.toMatch(/run the same command again/);
    // Put back: the rerun refuses to resume (the file's time of change is another) and says --overwrite.
    await rename(join(dir, 'moved-once'), input);
    await writeFile(join(dir, 'moved-once'), '');
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toMatch(/--overwrite/);
    const over = await runCli([...args, '--overwrite'], { cwd: dir });
    expect(over.code, over.stderr).toBe(0);
    expect(existsSync(join(dir, 'out', '_SUCCESS'))).toBe(true);
  });
});
