import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/run.js';

const run = promisify(execFile);

// Issue #15: the package as published. `npm pack` output installs into a fresh project (no
// @types/node of its own, `"types": []` as TypeScript 6+ defaults to), its typed API compiles
// there with strict settings and full .d.ts checking, and the compiled program runs a recipe with
// runRecipe on two workers. The install uses the npm cache (CI's `npm ci` warmed it).
describe('the packed package in a fresh project', () => {
  it('installs, type-checks without extra settings, and runs pipeline and runRecipe (2 workers)', async () => {
    const dir = await tempDir();
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!;
    const proj = join(dir, 'proj');
    await run('mkdir', ['-p', proj]);
    await writeFile(join(proj, 'package.json'), JSON.stringify({ name: 'proj', private: true, type: 'module' }));
    await run('npm', ['install', join(dir, tgz), '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: proj });
    await writeFile(
      join(proj, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: [], outDir: 'out' }, files: ['use.ts'] }),
    );
    await writeFile(
      join(proj, 'recipe.yaml'),
      'name: lic\ninput: node_modules/corpus-clean/fixtures/sample/licenses.jsonl\nstages:\n  - normalize: {}\n  - quality: { preset: web-en }\n',
    );
    await writeFile(
      join(proj, 'use.ts'),
      `import { collect, docStage, fromRecords, getText, pipeline, runRecipe, UsageError, type Doc, type RunRecipeResult, type Stage } from 'corpus-clean';
const shout: Stage = docStage({ name: 'shout', apply(doc: Doc) { doc.data.text = getText(doc).toUpperCase(); return undefined; } });
const sink = collect();
const stats = await pipeline({ source: fromRecords([{ text: 'hello' }, { text: 'world' }]), stages: [shout], sink });
const result: RunRecipeResult = await runRecipe('recipe.yaml', { output: 'out-run', workers: 2, taskSize: '100KB', quiet: true });
let again = 'not refused';
try {
  await runRecipe('recipe.yaml', { output: 'out-run', quiet: true });
} catch (e) {
  if (e instanceof UsageError) again = e.message;
}
console.log(JSON.stringify({ written: stats.written, texts: sink.docs.map((d) => d.data.text), code: result.code, read: result.stats?.read, workers: (result.stats?.executor as { workers?: number } | undefined)?.workers, again }));
`,
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', proj]).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(compiled.stdout).toBe('');
    const out = await run(process.execPath, [join(proj, 'out/use.js')], { cwd: proj });
    const r = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(r).toMatchObject({ written: 2, texts: ['HELLO', 'WORLD'], code: 0, workers: 2 });
    expect(r.read).toBeGreaterThan(0);
    expect(r.again).toMatch(/overwrite: true/);
    // The rejects of gzip shards (the recipe default) are zstd.
    for (const f of ['_SUCCESS', '_stats.json', '_recipe.resolved.yaml', '_rejects.jsonl.zst']) expect(existsSync(join(proj, 'out-run', f)), f).toBe(true);
    expect(await readFile(join(proj, 'out-run/_recipe.resolved.yaml'), 'utf8')).toMatch(/quality:/);
  }, 600_000);
});
