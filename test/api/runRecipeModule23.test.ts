import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode, tempDir } from '../helpers/run.js';

// New-user review 23 B0: runRecipe loaded the recipe a second time (for the output's name) with the
// registry the run had filled, and took the run's own stage module for a clash with a built-in
// stage: every recipe with `- module:` threw, after the run had finished.
describe('runRecipe with a stage of your own', { timeout: 300_000 }, () => {
  it('runs the documented example twice in one process, and still refuses a real clash by its kind', async () => {
    const dir = await tempDir();
    const recipe = join(ROOT, 'examples/custom-stage/recipe.yaml');
    // A second module naming its stage 'min-chars' as well: a clash with the example's stage, not with a built-in one.
    await writeFile(join(dir, 'other.mjs'), `export default { name: 'min-chars', summary: 'x', options: {}, create: () => { throw new Error('unused'); } };\n`);
    await writeFile(join(dir, 'other.yaml'), `input: [${JSON.stringify(join(ROOT, 'fixtures/sample/web-en.jsonl.gz'))}]\nstages:\n  - module: ./other.mjs\n`);
    await writeFile(
      join(dir, 'rr.mjs'),
      `import { runRecipe, defaultRegistry } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
        `const registry = defaultRegistry();\n` +
        `const a = await runRecipe(${JSON.stringify(recipe)}, { output: 'a', workers: 1, quiet: true, registry });\n` +
        `const b = await runRecipe(${JSON.stringify(recipe)}, { output: 'b', workers: 1, quiet: true, registry });\n` +
        `let clash = '';\n` +
        `try { await runRecipe('other.yaml', { output: 'c', workers: 1, quiet: true, registry }); } catch (e) { clash = e.message; }\n` +
        `process.stdout.write(JSON.stringify({ codes: [a.code, b.code], read: [a.stats?.read, b.stats?.read], written: [a.stats?.written, b.stats?.written], clash }));\n`,
    );
    const r = await runNode(['rr.mjs'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { codes: number[]; read: number[]; written: number[]; clash: string };
    expect(got.codes).toEqual([0, 0]);
    expect(got.read[0]).toBeGreaterThan(0);
    expect(got.read[1]).toBe(got.read[0]);
    expect(got.written[1]).toBe(got.written[0]);
    expect(got.clash).toMatch(/stage name 'min-chars' is already used by .*examples\/custom-stage\/min-chars\.js/);
  });
});
