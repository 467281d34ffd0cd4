import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinStages } from '../../src/stages/index.js';
import { STAGE_MODULES, stageOnly } from '../../src/cli/stageModules.js';
import { commandOnly, FIXED_COMMANDS } from '../../src/cli/commandModules.js';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';

/**
 * The modules in the files a process loaded: each file of the bundled CLI (dist/bundle/, whose
 * chunks hold the modules one command needs and no other: a module reached only through an
 * import() is in no chunk loaded before it) stands for the source modules esbuild put in it
 * (dist/bundle/meta.json), named as in tsc's dist/ (dist/io/readers/jsonl.js); other files
 * (node_modules, node:) as they are.
 */
function modulesOf(loaded: string[]): string[] {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return loaded.flatMap((u) => {
    const bundled = meta.outputs[u.startsWith('file:') ? u.slice(pathToFileURL(ROOT + '/').href.length) : ''];
    if (bundled === undefined) return [u];
    return Object.keys(bundled.inputs).map((src) => pathToFileURL(join(ROOT, src.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js'))).href);
  });
}

describe('start-up: a stage command loads only its own module', () => {
  it('every built-in stage is found where STAGE_MODULES says, as the same factory', async () => {
    expect(Object.keys(STAGE_MODULES).sort()).toEqual(builtinStages.map((f) => f.name).sort());
    for (const f of builtinStages) expect(await STAGE_MODULES[f.name]()).toBe(f);
  });

  it('stageOnly gives the stage command for a stage name and nothing for other names', async () => {
    const q = await stageOnly('quality');
    expect(q?.name).toBe('quality');
    expect(q?.help()).toContain('Usage: corpus-clean quality');
    expect(await stageOnly('run')).toBeUndefined();
    expect(await stageOnly('toString')).toBeUndefined();
  });

  // Issue #16: `quality` on a 1 KB file in <= 0.25 s wall. The YAML parser (about 90 files) came
  // back into every stage command's start-up through the text-field note and the repair note.
  // The readers of other formats, the pure-JS codecs (fflate, fzstd) and the Parquet writer load on first use too.
  it('a stage command over a small file loads no YAML parser and not the repair stage, nor other readers, codecs or the Parquet writer, nor dedup its phased form', async () => {
    const dir = await tempDir();
    try {
      const hook = join(dir, 'loaded.cjs');
      await writeFile(hook, "process.on('exit', () => { process.stderr.write('\\nYAML ' + Object.keys(require('module')._cache).filter((k) => k.includes('/node_modules/yaml/')).length + '\\n'); });\n");
      const input = join(dir, 'one.jsonl');
      await writeFile(input, JSON.stringify({ text: 'The cat sat on the mat. It was a sunny day and the cat was happy there.' }) + '\n');
      // every ES module file loaded, through a loader hook
      const esm = 'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("export async function load(url, context, next) { if (url.startsWith('file:') || url.startsWith('node:')) process.stderr.write('LOADED ' + url + '\\\\n'); return next(url, context); }"));`);
      for (const cmd of ['quality', 'normalize']) {
        const r = await runNode(['-r', hook, '--import', esm, CLI, cmd, input, '-o', join(dir, `${cmd}.jsonl`), '-q', '--max-reject-rate', '1']);
        expect([0, 1], r.stderr).toContain(r.code); // quality drops the short text: exit 1, "wrote nothing"
        expect(r.stderr, cmd).toMatch(/\nYAML 0\n/);
        const loaded = modulesOf([...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]));
        expect(loaded.some((u) => u.endsWith('/io/readers/jsonl.js')), cmd).toBe(true);
        // issue #16, nineteenth pass: nor the zstd decoder for a plain input (io/gap.ts holds what the readers ask), nor its
        // compressor for a .jsonl output (io/zstdRecord.ts says what a run wrote with)
        expect(loaded.filter((u) => /\/node_modules\/(fflate|fzstd)\/|\/io\/zstd(Encode)?\.js$|\/io\/readers\/(csv|jsonArray|text|parquet|warc|html)\.js$|\/io\/writers\/parquet(Schema)?\.js$|\/stages\/extract\/html\.js$/.test(u)), cmd).toEqual([]);
        // issue #16, twentieth pass: nor node:crypto (the hidden names of long outputs load it when
        // they need it; the built tables' checksum is zlib's CRC-32)
        expect(loaded, cmd).not.toContain('node:crypto');
        // nor the charset guesser (stages/extract/charset.js and its tables): loaded at the first
        // invalid_utf8 reject (io/readers/encoding.ts CharsetCounts)
        expect(loaded.filter((u) => /\/stages\/extract\/(charset|hanFrequency|jaKoFrequency)\.js$/.test(u)), cmd).toEqual([]);
        // nor the recipe reader and its data-juicer hints (`--shard-size` is parsed by core/size.ts)
        expect(loaded.filter((u) => /\/core\/(recipe|dataJuicer)\.js$/.test(u)), cmd).toEqual([]);
      }
      // Issue 16, nineteenth pass: nor, for a one-process dedup, its phased forms (the global/
      // on-disk modules an executor runs: loaded at their first phase, global/lazy.ts).
      const r = await runNode(['--import', esm, CLI, 'dedup', input, '-o', join(dir, 'dedup.jsonl'), '-q']);
      expect(r.code, r.stderr).toBe(0);
      const loaded = modulesOf([...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]));
      expect(loaded.some((u) => u.endsWith('/stages/dedup/filter.js'))).toBe(true);
      expect(loaded.filter((u) => /\/stages\/dedup\/(global\/(exact|minhash)|disk\/\w+)\.js$|\/core\/workSeal\.js$/.test(u))).toEqual([]);
      expect(loaded).not.toContain('node:crypto');
      expect(loaded.filter((u) => /\/stages\/extract\/charset\.js$|\/core\/(recipe|dataJuicer)\.js$|\/stages\/quality\/ruleset\.js$/.test(u))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Issue #16, twenty-second pass: node:child_process (with node:net and node:dgram), node:v8 and
  // node:tty were compiled at every start for calls that a short command never makes, and the
  // `performance` global loaded node:perf_hooks for the pipeline's and the progress line's clock
  // (core/lazyBuiltins.ts). Node's own list of the built-ins it loaded, written at exit.
  it('a stage command loads no child_process, v8, tty or perf_hooks built-in', async () => {
    const dir = await tempDir();
    try {
      const hook = join(dir, 'builtins.cjs');
      await writeFile(hook, "process.on('exit', () => { require('fs').writeSync(2, '\\nBUILTINS ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'); });\n");
      const input = join(dir, 'one.jsonl');
      await writeFile(input, JSON.stringify({ text: 'The cat sat on the mat. It was a sunny day and the cat was happy there, as it is on most days.' }) + '\n');
      // with and without -q (the progress line's clock); stdout a device (an isatty question)
      for (const args of [['quality', '-q'], ['quality'], ['dedup', '-q'], ['dedup', '-o', '/dev/null']]) {
        const out = args.includes('-o') ? [] : ['-o', join(dir, 'out.jsonl'), '--overwrite'];
        const r = await runNode(['-r', hook, CLI, ...args, input, ...out, '--max-reject-rate', '1', '--allow-empty']);
        expect(r.code, r.stderr).toBe(0);
        const builtins = /\nBUILTINS (.*)\n/.exec(r.stderr)?.[1].split(' ') ?? [];
        expect(builtins, args.join(' ')).toContain('fs');
        expect(builtins.filter((m) => /^(child_process|dgram|v8|tty|perf_hooks)$/.test(m)), args.join(' ')).toEqual([]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every command is found by its name alone, as commands() lists it', async () => {
    // main.ts runs the CLI when imported: its list is read through `--help` instead.
    const r = await runNode([CLI, '--help']);
    const names = [...r.stdout.matchAll(/^  (\S+) {2,}/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(15);
    expect(Object.keys(FIXED_COMMANDS).sort()).toEqual(names.filter((n) => !Object.hasOwn(STAGE_MODULES, n)).sort());
    for (const n of names) expect((await commandOnly(n))?.name, n).toBe(n);
    expect(await commandOnly('--help')).toBeUndefined();
    expect(await commandOnly('toString')).toBeUndefined();
  });

  // status, report, merge and --version loaded every command and stage module (tests13: ~0.4 s CPU
  // per start, every Slurm and local task process too).
  it('status, --version and report load no stage module', async () => {
    // The hook writes with writeSync: hooks run on their own thread, and a process that exits at once (--version) lost its async writes.
    const esm = 'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("import { writeSync } from 'node:fs'; export async function load(url, context, next) { if (url.startsWith('file:')) writeSync(2, 'LOADED ' + url + '\\\\n'); return next(url, context); }"));`);
    const dir = await tempDir();
    try {
      for (const args of [['--version'], ['status', dir], ['report', '--help'], ['merge', '--help']]) {
        const r = await runNode(['--import', esm, CLI, ...args]);
        const loaded = modulesOf([...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]));
        expect(loaded.some((u) => u.endsWith('/cli/main.js')), args.join(' ')).toBe(true);
        expect(loaded.filter((u) => /\/stages\/(index|langid\/langid|quality\/quality|dedup\/dedup|normalize\/normalize)\.js$|\/node_modules\/franc/.test(u)), args.join(' ')).toEqual([]);
        // issue #16, nineteenth pass: nor the run path (cat's static import brought it all)
        if (args[0] === '--version') expect(loaded.filter((u) => /\/cli\/(execute|commands\/cat)\.js$/.test(u))).toEqual([]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
