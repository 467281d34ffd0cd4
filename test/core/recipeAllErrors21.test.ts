import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { resolveRecipe } from '../../src/core/recipe.js';
import { defaultRegistry } from '../../src/stages/index.js';
import { runCli, tempDir } from '../helpers/run.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// New-user review 21 N5: a recipe with a mistake in two stages said the first one only; fixed and
// run again, the next: one run per mistake. Every stage is now checked and all are said at once.
describe('a recipe with mistakes in several stages', () => {
  it('says every one, each with the recipe file and the stage', () => {
    let err: unknown;
    try {
      resolveRecipe({ stages: ['normalize', { langid: { min_scor: 0.5 } }, 'lenght', { dedup: { treshold: 0.8 } }] }, defaultRegistry(), 'r', { file: 'my.yaml' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const u = err as UsageError;
    expect(u.message).toMatch(/^my\.yaml: stages\[1\] \(langid\): unknown option 'min_scor'; did you mean 'min_score'\?/);
    expect(u.more).toHaveLength(2);
    expect(u.more[0]).toMatch(/^my\.yaml: stages\[2\]: unknown stage 'lenght'/);
    expect(u.more[1]).toMatch(/^my\.yaml: stages\[3\] \(dedup\): unknown option 'treshold'; did you mean 'threshold'\?/);
  });

  it('the CLI prints them one a line, exit 2', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'my.yaml'), 'stages:\n  - langid: {min_scor: 0.5}\n  - dedup: {treshold: 0.8}\n');
    await writeFile(join(dir, 'a.jsonl'), '{"text":"a"}\n');
    const r = await runCli(['run', 'my.yaml', '-i', 'a.jsonl', '-o', 'out'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/my\.yaml: stages\[0\] \(langid\): unknown option 'min_scor'.*\nmy\.yaml: stages\[1\] \(dedup\): unknown option 'treshold'/);
  });
});
