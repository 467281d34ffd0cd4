import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lazyRegistry, StageRegistry } from '../../src/core/registry.js';
import { STAGE_MODULES } from '../../src/cli/stageModules.js';
import { builtinStages } from '../../src/stages/index.js';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';

/**
 * Issue #16, twenty-fifth pass (start25b): `run`, `bench`, `task` and a run's workers hold every
 * built-in stage by name and load a stage's module when a recipe names it or the stage is built.
 * A normalize-only run compiled every stage's module (~60 chunks of the bundle).
 */
type Meta = { outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[] }> };

/** The modules defining the built-in stages' factories (cli/stageModules.ts). */
const FACTORIES = ['extract/extract', 'normalize/normalize', 'repair/repair', 'convert/convert', 'langid/langid', 'quality/quality', 'flagged-words/flaggedWords', 'pii/pii', 'url-filter/urlFilter', 'paragraphs/paragraphs', 'dedup/dedup'].map((f) => `src/stages/${f}.ts`).concat('src/export/tokenize-stage.ts');

describe('stage modules loaded when used (issue #16, start25b)', () => {
  let meta: Meta;
  let dir = '';
  let loaded: string[] = [];
  let run = { code: -1, stderr: '' };
  let refused = { code: -1, stderr: '' };

  beforeAll(async () => {
    meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as Meta;
    dir = await tempDir();
    const esm = 'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("import { writeSync } from 'node:fs'; export async function load(url, context, next) { if (url.startsWith('file:')) writeSync(2, 'LOADED ' + url + '\\\\n'); return next(url, context); }"));`);
    const one = join(dir, 'one.jsonl');
    await writeFile(one, JSON.stringify({ text: 'Ｔｈｅ cat sat on the mat.\r\nIt was a sunny day.' }) + '\n');
    await writeFile(join(dir, 'norm.yaml'), 'stages:\n  - normalize: {}\noutput:\n  compression: none\n');
    run = await runNode(['--import', esm, CLI, 'run', join(dir, 'norm.yaml'), '-i', one, '-o', join(dir, 'out'), '-q']);
    loaded = [...run.stderr.matchAll(/^LOADED file:\/\/(\S+)$/gm)].map((m) => m[1]);
    // a wrong option of a stage not yet loaded and an unknown stage, said together before anything is written
    await writeFile(join(dir, 'bad.yaml'), 'stages:\n  - normalize\n  - quality:\n      tag_onlyy: true\n  - qualty\n');
    refused = await runNode([CLI, 'run', join(dir, 'bad.yaml'), '-i', one, '-o', join(dir, 'bad-out'), '-q']);
  });

  it('a normalize-only run loads no other stage module', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out/part-00000-00000.jsonl'), 'utf8')).toContain('cat sat on the mat.\\nIt was a sunny day.');
    const bundle = join(ROOT, 'dist/bundle') + '/';
    const chunks = loaded.filter((f) => f.startsWith(bundle)).map((f) => 'dist/bundle/' + f.slice(bundle.length));
    expect(chunks).toContain('dist/bundle/main.js');
    const inputs = chunks.flatMap((c) => Object.keys(meta.outputs[c]?.inputs ?? {}));
    expect(inputs).toContain('src/stages/normalize/normalize.ts');
    expect(inputs.filter((i) => FACTORIES.includes(i))).toEqual(['src/stages/normalize/normalize.ts']);
  });

  it("keeps every stage module out of what a run's worker loads at its start", () => {
    const worker = Object.keys(meta.outputs).find((f) => meta.outputs[f].entryPoint === 'src/exec/worker.ts')!;
    const seen = new Set<string>();
    const walk = (f: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const i of meta.outputs[f].imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
    };
    walk(worker);
    const inputs = [...seen].flatMap((f) => Object.keys(meta.outputs[f].inputs));
    expect(inputs).toContain('src/exec/unit.ts');
    expect(inputs.filter((i) => FACTORIES.includes(i))).toEqual([]);
  });

  it('still refuses a wrong option of a stage and an unknown stage before anything is written', () => {
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/stages\[1\] \(quality\).*tag_onlyy/);
    expect(refused.stderr).toContain("unknown stage 'qualty'");
    expect(refused.stderr).toContain(`known stages: ${builtinStages.map((f) => f.name).join(', ')}`);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
  });

  it('the lazy registry names the built-in stages in their order and gives their factories once loaded', async () => {
    const r = lazyRegistry(STAGE_MODULES);
    expect(r.names()).toEqual(builtinStages.map((f) => f.name));
    expect(r.has('quality')).toBe(true);
    expect(() => r.get('quality')).toThrow(/not loaded yet/);
    expect(() => r.get('qualty')).toThrow(/unknown stage 'qualty'.*known stages: extract, normalize/);
    await r.loadNamedIn(['normalize', { stage: 'pii' }, { quality: { tag_only: true } }, 'nosuch', 7]);
    for (const n of ['normalize', 'pii', 'quality']) expect(r.get(n)).toBe(builtinStages.find((f) => f.name === n));
    expect(() => r.get('dedup')).toThrow(/not loaded yet/);
    expect(r.resolve('quality', { tagOnly: true }).tagOnly).toBe(true);
    // create loads what it builds
    const stage = await r.create('paragraphs', {});
    expect(stage.name).toBe('paragraphs');
    expect(r.get('paragraphs')).toBe(builtinStages.find((f) => f.name === 'paragraphs'));
  });

  it('refuses a module whose factory has another name, and a name registered twice', async () => {
    const r = new StageRegistry([{ name: 'a', load: async () => builtinStages[0] }]);
    await expect(r.load(['a'])).rejects.toThrow(/its module gives a factory named 'extract'/);
    expect(() => r.register({ name: 'a', load: async () => builtinStages[0] })).toThrow(/registered twice/);
  });
});
