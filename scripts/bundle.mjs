// Run by `npm run build` after tsc: the bundled CLI in dist/bundle/ (issue #16: a command's start
// reads, resolves and compiles ~90 module files unbundled; bundled, a few chunks).
//
// - Entries: main.js (the CLI: package.json bin, `npm start`), worker.js (the local executor's
//   worker) and index.js (the library: package.json "exports", so that a custom stage importing
//   'corpus-clean' shares the CLI's classes). Code shared between them, and every module loaded
//   by a dynamic import() (the commands, stages, readers and codecs that load on first use), is
//   in chunk-*.js files beside them: a command loads the same modules as unbundled, fewer files.
//   The small shared modules are one chunk, loaded by every command (see SMALL below).
// - Packages stay outside (node_modules, as unbundled), but for those in BUNDLED (see there).
// - Each module's import.meta.url (and import.meta.dirname) is rewritten to name the module's
//   place in tsc's output (dist/X/Y.js), so the files found beside it (presets.json, the built
//   tables, rules/, package.json, node_modules for createRequire) are the ones the unbundled build
//   finds. Nothing is copied.
// - CORPUS_CLEAN_BUNDLE is defined: src/exec/entries.ts then names the bundle's worker.js and
//   main.js as the files a run starts (worker processes, Slurm jobs).
// - Top-level `var`s that are never assigned again are made `const` again (scripts/constTopLevel.mjs:
//   V8 folds a module's constants into its optimised code, not a `var`'s).
// - dist/bundle/meta.json: esbuild's metafile (which source modules are in which chunk), for the
//   start-up tests and for anyone asking what a chunk holds.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBuiltin } from 'node:module';
import { build } from 'esbuild';
import { constTopLevel } from './constTopLevel.mjs';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const OUT = fileURLToPath(new URL('../dist/bundle/', import.meta.url));

/** A source module's text, its import.meta.url / import.meta.dirname as they are in dist/ (tsc's output). */
async function placed(path) {
  const text = await readFile(path, 'utf8');
  if (!path.startsWith(SRC) || !text.includes('import.meta.')) return text;
  // the module's tsc output, relative to dist/bundle/ (where every chunk is)
  const js = '../' + relative(SRC, path).split(sep).join('/').replace(/\.ts$/, '.js');
  return text
    .replaceAll('import.meta.url', `new URL(${JSON.stringify(js)}, import.meta.url).href`)
    .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify('/' + dirname(js))})`);
}

/** Every source module placed (see placed()). */
const modulePlaces = {
  name: 'module-places',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => (args.path.startsWith(SRC) ? { loader: 'ts', contents: await placed(args.path) } : undefined));
  },
};

/**
 * One chunk for the small shared modules and those every command loads (issue #16, twenty-second
 * pass). esbuild puts each set of modules reached by the same entries (main, worker, index and
 * every import() target) in a chunk of its own: 126 files, of which `quality` loaded 40 (half
 * under 4 KB), and Node 20 pays ~0.5-1 ms CPU per ES module file (resolve, read, compile, link:
 * bench/RESULTS.md) where parsing 4 KB more costs a small fraction of that. So a first build finds
 * the chunks under SMALL bytes that are neither an entry nor an import() target, and those main.js
 * imports statically; the second makes every entry and import() target import (for its effects
 * only) a module 'cc-common' that imports their modules: reached from every entry, they share one
 * chunk, loaded by every command (quality 23 files, --version 2). A module whose static imports are
 * not all in the set is left out (what it imports would join the common chunk too); so is one that
 * does work when loaded (SIDE_EFFECTS: the common chunk runs in processes its modules did not).
 */
const SMALL = 4000;

/**
 * Packages bundled in (issue #16, twenty-fifth pass): `yaml`, which `run` and `report` load to read
 * a recipe and a run's resolved recipe, is ~80 CommonJS files in node_modules, each resolved, read
 * and compiled on its own (~60-90 ms of CPU per `run` start, profiled). Bundled, it is one chunk
 * (its CommonJS modules wrapped by esbuild, run when first required, as in node_modules). The
 * build resolves it as Node does (its package.json's "node" export, dist/index.js: the same code).
 * Other packages stay in node_modules: native addons, WebAssembly loaders and those read beside
 * their files (createRequire) need their own place, and a package loaded by createRequire at run
 * time (yaml in quality/ruleset.ts, repair/schema.ts, cli/textFieldHint.ts) is loaded from there.
 */
const BUNDLED = new Set(['yaml']);

/**
 * Every package import outside the bundle but for BUNDLED's (after commonChunk: 'cc-common' is
 * none). A bundled package's require() of a Node built-in (yaml: 'process', 'buffer') is given the
 * built-in through an ES module re-exporting it: an ES module file has no `require`, so esbuild's
 * stand-in for one would throw when yaml is loaded.
 */
const packagesOutside = {
  name: 'packages-outside',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (BUNDLED.has(args.path)) return undefined;
      const builtin = args.path.replace(/^node:/, '');
      if (args.kind === 'require-call' && isBuiltin(builtin)) return { path: builtin, namespace: 'node-builtin' };
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({ loader: 'js', contents: `export * from ${JSON.stringify('node:' + args.path)};\n` }));
  },
};

const options = {
  entryPoints: { main: 'src/cli/main.ts', worker: 'src/exec/worker.ts', index: 'src/index.ts' },
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  define: { CORPUS_CLEAN_BUNDLE: 'true' },
  metafile: true,
  logLevel: 'warning',
};

/**
 * The source modules (paths as in the metafile, src/...) of the small chunks and of the chunks
 * main.js imports, closed under static imports.
 */
function smallModules(meta) {
  const targets = new Set();
  for (const o of Object.values(meta.outputs)) for (const i of o.imports) if (i.kind === 'dynamic-import' && !i.external) targets.add(i.path);
  const set = new Set();
  for (const [file, o] of Object.entries(meta.outputs)) {
    if (!file.endsWith('.js') || o.entryPoint !== undefined || targets.has(file) || o.bytes >= SMALL) continue;
    for (const src of Object.keys(o.inputs)) set.add(src);
  }
  // and the modules of the chunks main.js imports (every command loads them anyway; the worker and
  // the library's index.js loaded them all too but for ~8 KB)
  const main = Object.keys(meta.outputs).find((f) => meta.outputs[f].entryPoint === options.entryPoints.main);
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of meta.outputs[f].imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
  };
  walk(main);
  for (const f of seen) if (f !== main) for (const src of Object.keys(meta.outputs[f].inputs)) set.add(src);
  for (let changed = true; changed; ) {
    changed = false;
    for (const src of set) {
      const out = meta.inputs[src].imports.some((i) => i.kind === 'import-statement' && !i.external && !set.has(i.path));
      if (out || SIDE_EFFECTS.test(src) || !src.startsWith('src/')) {
        set.delete(src);
        changed = true;
      }
    }
  }
  return set;
}

/**
 * Modules that do work when loaded: kept out of the common chunk (every process would do it).
 * quality/chars.ts reads and checks the built character table; core/streamSafe.ts allocates
 * three 64 KB tables. test/cli/bundle.test.ts checks the common chunk for others.
 */
const SIDE_EFFECTS = /^src\/(stages\/quality\/chars|core\/streamSafe)\.ts$/;

/** The entries and import() targets (source paths) of a build. */
function entriesOf(meta) {
  const set = new Set(Object.values(options.entryPoints));
  for (const inp of Object.values(meta.inputs)) for (const i of inp.imports) if (i.kind === 'dynamic-import' && !i.external && i.path.startsWith('src/')) set.add(i.path);
  return set;
}

/** 'cc-common', imported by every module in `entries`, importing every module in `common`. */
function commonChunk(entries, common) {
  const root = options.absWorkingDir;
  return {
    name: 'common-chunk',
    setup(b) {
      b.onResolve({ filter: /^cc-common$/ }, () => ({ path: 'cc-common', namespace: 'cc-common' }));
      b.onLoad({ filter: /.*/, namespace: 'cc-common' }, () => ({
        loader: 'js',
        resolveDir: root,
        contents: [...common].sort().map((m) => `import ${JSON.stringify('./' + m)};\n`).join(''),
      }));
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const src = relative(root, args.path).split(sep).join('/');
        if (!entries.has(src)) return undefined;
        const text = await placed(args.path);
        const bang = text.startsWith('#!') ? text.indexOf('\n') + 1 : 0; // a hashbang stays first
        return { loader: 'ts', contents: `${text.slice(0, bang)}import 'cc-common';\n${text.slice(bang)}` };
      });
    },
  };
}

await rm(OUT, { recursive: true, force: true });
const first = await build({ ...options, write: false, plugins: [packagesOutside, modulePlaces] });
const common = smallModules(first.metafile);
const result = await build({ ...options, plugins: [commonChunk(entriesOf(first.metafile), common), packagesOutside, modulePlaces] });
for (const f of await readdir(OUT)) if (f.endsWith('.js')) await writeFile(OUT + f, constTopLevel(await readFile(OUT + f, 'utf8')));
await writeFile(OUT + 'meta.json', JSON.stringify(result.metafile));
