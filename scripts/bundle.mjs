// Run by `npm run build` after tsc: the bundled CLI in dist/bundle/ (issue #16: a command's start
// reads, resolves and compiles ~90 module files unbundled; bundled, a few chunks).
//
// - Entries: main.js (the CLI: package.json bin, `npm start`), worker.js (the local executor's
//   worker) and index.js (the library: package.json "exports", so that a custom stage importing
//   'corpus-clean' shares the CLI's classes). Code shared between them, and every module loaded
//   by a dynamic import() (the commands, stages, readers and codecs that load on first use), is
//   in chunk-*.js files beside them: a command loads the same modules as unbundled, fewer files.
// - Packages stay outside (node_modules, as unbundled).
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
import { build } from 'esbuild';
import { constTopLevel } from './constTopLevel.mjs';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const OUT = fileURLToPath(new URL('../dist/bundle/', import.meta.url));

/** import.meta.url / import.meta.dirname of each source module as they are in dist/ (tsc's output). */
const modulePlaces = {
  name: 'module-places',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!args.path.startsWith(SRC) || !text.includes('import.meta.')) return undefined;
      // the module's tsc output, relative to dist/bundle/ (where every chunk is)
      const js = '../' + relative(SRC, args.path).split(sep).join('/').replace(/\.ts$/, '.js');
      return {
        loader: 'ts',
        contents: text
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(js)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify('/' + dirname(js))})`),
      };
    });
  },
};

await rm(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: 'src/cli/main.ts', worker: 'src/exec/worker.ts', index: 'src/index.ts' },
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  define: { CORPUS_CLEAN_BUNDLE: 'true' },
  plugins: [modulePlaces],
  metafile: true,
  logLevel: 'warning',
});
for (const f of await readdir(OUT)) if (f.endsWith('.js')) await writeFile(OUT + f, constTopLevel(await readFile(OUT + f, 'utf8')));
await writeFile(OUT + 'meta.json', JSON.stringify(result.metafile));
