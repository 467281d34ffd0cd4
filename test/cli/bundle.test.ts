import { readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { buildCharTable, charTableFile, LETTER, PUNCT } from '../../src/stages/quality/chars.js';
import { defaultUnitTables, unitTableFile } from '../../src/stages/dedup/shingle.js';
import { CLI, HAS_SBATCH, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';
// @ts-expect-error: a plain .mjs script of the build, without types
import { constTopLevel } from '../../scripts/constTopLevel.mjs';

/**
 * The bundled CLI (dist/bundle/, scripts/bundle.mjs; issue #16, start-up): what users run must
 * behave as tsc's dist/ does. Its modules find their data files where the unbundled build has
 * them, the processes a run starts run the bundle, and a custom stage importing 'corpus-clean'
 * gets the bundle's classes.
 */
describe('the bundled CLI', () => {
  it('is what the tests run, the package\'s bin and its library entry', async () => {
    expect(CLI).toBe(join(ROOT, 'dist/bundle/main.js'));
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin['corpus-clean']).toBe('dist/bundle/main.js');
    expect(pkg.exports['.'].default).toBe('./dist/bundle/index.js');
  });

  // The built tables are keyed by a version (esbuild reprints function source: with a key hashing
  // it, the bundle built both tables at every start) and read from dist/stages/, beside the
  // unbundled modules. Shown by a copy of the build whose tables were changed under a valid
  // header: the bundle's decisions follow the files.
  it('reads the built tables from where the unbundled build has them', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    await symlink(join(ROOT, 'rules'), join(dir, 'rules'));
    const cli = join(dir, 'dist/bundle/main.js');
    const written = async (args: string[]): Promise<number> => {
      const r = await runNode([cli, ...args, '--overwrite', '--allow-empty', '--max-reject-rate', '1']);
      expect(r.code, r.stderr).toBe(0);
      return Number(/= written (\d+) \+/.exec(r.stderr)?.[1]);
    };
    const quality = (): Promise<number> => written(['quality', join(ROOT, 'fixtures/sample/web-en.jsonl.gz'), '-o', join(dir, 'q.jsonl')]);
    // two texts of different words with the same word lengths
    const input = join(dir, 'in.jsonl');
    await writeFile(input, ['alpha bravo charlie delta echo foxtrot golf hotel', 'qqqqq wwwww eeeeeee rrrrr tttt yyyyyyy uuuu iiiii'].map((t) => JSON.stringify({ text: t }) + '\n').join(''));
    const dedup = (): Promise<number> => written(['dedup', input, '-o', join(dir, 'd.jsonl')]);
    const q = await quality();
    expect(q).toBeGreaterThan(100);
    expect(await dedup()).toBe(2);
    // every letter a punctuation mark: the quality rules see no words
    await writeFile(join(dir, 'dist/stages/quality/char-class.bin'), charTableFile(buildCharTable().map((c) => (c & LETTER ? PUNCT : c))));
    expect(await quality()).toBeLessThan(q);
    // every lower-case letter shingled as 'x': the two texts are the same
    const units = defaultUnitTables().map((t) => t.map((v, u) => (u >= 0x61 && u <= 0x7a ? t[0x78] : v)));
    await writeFile(join(dir, 'dist/stages/dedup/shingle-units.bin'), unitTableFile(units));
    expect(await dedup()).toBe(1);
  });

  // In a copy of the build, tsc's worker fails at once and the bundle's says it started.
  it('starts the bundle\'s worker in a run\'s worker threads and processes', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    await symlink(join(ROOT, 'rules'), join(dir, 'rules'));
    await writeFile(join(dir, 'dist/exec/worker.js'), "throw new Error('tsc\\'s worker was started');\n");
    const marks = join(dir, 'started.txt');
    const bundled = join(dir, 'dist/bundle/worker.js');
    await writeFile(bundled, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(marks)}, 'started\\n');\n${await readFile(bundled, 'utf8')}`);
    for (const kind of ['thread', 'process']) {
      await writeFile(marks, '');
      const r = await runNode([join(dir, 'dist/bundle/main.js'), 'run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', join(dir, kind), '--workers', '2', '--worker-kind', kind, '--task-size', '100KB', '-q']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, kind).not.toMatch(/worker/);
      expect(await readFile(marks, 'utf8'), kind).toBe('started\n');
    }
  });

  // A second copy of the core classes would make a custom stage's UsageError a crash (exit 1, "error:")
  // instead of a usage error (exit 2). 'corpus-clean' resolves as after `npm install` of this folder (a link).
  it('gives a custom stage importing corpus-clean the classes the CLI uses', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'node_modules'));
    await symlink(ROOT, join(dir, 'node_modules/corpus-clean'));
    await writeFile(
      join(dir, 'picky.js'),
      "import { UsageError, docStage } from 'corpus-clean';\nexport default { name: 'picky', summary: 'refuses its options', options: { level: { type: 'integer', default: 1 } }, create: ({ level }) => { if (level > 1) throw new UsageError('picky: level ' + level + ' is too high'); return docStage({ name: 'picky', options: { level }, apply: () => undefined }); } };\n",
    );
    await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./picky.js\n    level: 2\n');
    const r = await runCli(['run', 'r.yaml', '-i', join(ROOT, 'fixtures/sample'), '-o', 'o', '--workers', '1'], { cwd: dir });
    expect(r.stderr).toMatch(/^corpus-clean: r\.yaml: stages\[0\] \(picky\): level 2 is too high$/m);
    expect(r.code).toBe(2);
  });

  // esbuild prints top-level const as var; V8 folds a const into optimised code, not a var (the
  // quality stage took ~7 % more instructions on the 10 MB slice before scripts/constTopLevel.mjs).
  it('keeps top-level constants const: those never assigned, and only those', () => {
    const src = [
      'var A = 1;', 'var B = new Uint8Array(4);', 'var C = class {\n};', 'var D = 1;', 'var E = 2;', 'var F = [];', 'var G = 0;', 'var H = {};', 'var I;', 'var J = 1, K = 2;', 'var L = 3;',
      'function f() { D = 2; E += 1; for (G of F) ; ({ H } = {}); [, L] = [1, 2]; }', 'function g() { K++; }', 'export { A };', '',
    ].join('\n');
    const out = constTopLevel(src) as string;
    expect(out.split('\n').slice(0, 11)).toEqual(['const A = 1;', 'const B = new Uint8Array(4);', 'const C = class {', '};', 'var D = 1;', 'var E = 2;', 'const F = [];', 'var G = 0;', 'var H = {};', 'var I;', 'var J = 1, K = 2;']);
    expect(out).toContain('\nvar L = 3;\n');
    // the quality analyser's chunk as built
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    const chunk = Object.keys(meta.outputs).find((o) => 'src/stages/quality/profile.ts' in meta.outputs[o].inputs)!;
    const text = readFileSync(join(ROOT, chunk), 'utf8');
    expect(text).toMatch(/^const TOK_WORD = 1;$/m);
    expect(text).toMatch(/^const INNER = new Uint8Array\(65536\);$/m);
  });

  // Issue #16, twenty-second pass: the small shared modules and those main.js imports are one chunk
  // (each ES module file costs a start ~0.5-1 ms CPU: `quality` loaded 40 files, 23 now), and that
  // chunk, which every command, worker and `import 'corpus-clean'` loads, does no work when loaded:
  // its top-level statements declare things, calling only the constructors and helpers below, and
  // register 'exit' hooks (removing their own temporary files and locks, which a worker and the
  // library registered before too). quality/chars.ts, which reads its table when loaded, is kept
  // out by scripts/bundle.mjs.
  it('puts the small shared modules in one chunk that does nothing when loaded', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    const chunkOf = (src: string): string => Object.keys(meta.outputs).find((o) => o.endsWith('.js') && src in meta.outputs[o].inputs)!;
    const common = chunkOf('src/core/errors.ts');
    const together = ['src/core/own.ts', 'src/version.ts', 'src/core/suggest.ts', 'src/io/atExit.ts', 'src/exec/v8.ts', 'src/io/stdout.ts', 'src/cli/interrupt.ts'];
    expect(together.map(chunkOf)).toEqual(together.map(() => common));
    expect(chunkOf('src/stages/quality/chars.ts')).not.toBe(common);
    const sf = ts.createSourceFile('c.js', readFileSync(join(ROOT, common), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const calls: string[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return; // run when called, not when loaded
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const callee = n.expression.getText(sf);
        // table (core/own.ts): an object literal copied into a null-prototype object (the stage loaders' STAGE_MODULES, shared by the CLI and the worker since start25b).
        const pure = /^(createRequire\d*(\(.*\))?|table\d*|URL|RegExp|TextEncoder|Map|Set|WeakMap|Uint8Array|Symbol|Buffer\.from|Object\.keys|[A-Z_]+\.map)$/s.test(callee);
        const exitHook = callee === 'process.once' && ts.isCallExpression(n) && n.arguments[0]?.getText(sf) === '"exit"';
        if (!pure && !exitHook) calls.push(n.getText(sf).slice(0, 80));
      }
      ts.forEachChild(n, visit);
    };
    for (const s of sf.statements) if (!ts.isImportDeclaration(s) && !ts.isExportDeclaration(s)) visit(s);
    expect(calls).toEqual([]);
  });

  // The scripts are written before the first sbatch, which fails here (no such partition).
  it.runIf(HAS_SBATCH)('names the bundle in the Slurm jobs\' scripts', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const r = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', out, '-q', '--executor', 'slurm', '--partition', 'no-such-partition-cc'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    const scripts = (await readdir(join(out, '_slurm'))).filter((f) => f.endsWith('.sbatch'));
    expect(scripts.length).toBeGreaterThan(1);
    for (const f of scripts) expect(await readFile(join(out, '_slurm', f), 'utf8'), f).toContain(`'${join(ROOT, 'dist/bundle/main.js')}' `);
  });
});
