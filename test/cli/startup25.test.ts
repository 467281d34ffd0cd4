import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';

/**
 * Issue #16, twenty-fifth pass: what a `run` of a one-record recipe loads and computes before its
 * first record. One run of the sample recipe (normalize, langid, quality, dedup) over one record,
 * its loaded files listed by a loader hook (ES modules) and a preload (CommonJS modules and the
 * built tables read), and one run that asks for what the first does not (OpenCC, franc).
 */
describe('start-up of a run (issue #16, twenty-fifth pass)', () => {
  let loaded: string[] = [];
  let required: string[] = [];
  let tables: string[] = [];
  let dir = '';
  let asked: { code: number; stderr: string } = { code: -1, stderr: '' };

  beforeAll(async () => {
    dir = await tempDir();
    // ES module files: a loader hook (its own thread: writeSync, as a process may exit at once)
    const esm = 'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("import { writeSync } from 'node:fs'; export async function load(url, context, next) { if (url.startsWith('file:')) writeSync(2, 'LOADED ' + url + '\\\\n'); return next(url, context); }"));`);
    // CommonJS files and the built tables read (the ES modules' readFileSync is node:fs's, patched before any of them loads)
    const pre = join(dir, 'pre.cjs');
    await writeFile(
      pre,
      [
        "const fs = require('fs'); const Module = require('module');",
        "const load = Module._load; Module._load = function (req, parent) { const m = load.apply(this, arguments); fs.writeSync(2, 'REQUIRED ' + req + ' FROM ' + (parent && parent.filename) + '\\n'); return m; };",
        "const read = fs.readFileSync; fs.readFileSync = function (p) { const s = String(p instanceof URL ? p.pathname : p); if (s.endsWith('.bin')) fs.writeSync(2, 'TABLE ' + s + '\\n'); return read.apply(this, arguments); };",
        '',
      ].join('\n'),
    );
    const one = join(dir, 'one.jsonl');
    await writeFile(one, JSON.stringify({ text: 'The cat sat on the mat. It was a sunny day, and the cat was happy to be there in the warm light.\nThe dog did not mind at all; it slept by the door until the evening came and the house grew quiet again.' }) + '\n');
    const r = await runNode(['-r', pre, '--import', esm, CLI, 'run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', one, '-o', join(dir, 'run-out'), '-q', '--max-reject-rate', '1', '--allow-empty']);
    expect(r.code, r.stderr).toBe(0);
    loaded = [...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]);
    required = [...r.stderr.matchAll(/^REQUIRED (.*)$/gm)].map((m) => m[1]);
    tables = [...r.stderr.matchAll(/^TABLE (.*)$/gm)].map((m) => m[1]);
    // a recipe that asks for OpenCC (normalize's chinese) and franc (langid's backend)
    const two = join(dir, 'two.jsonl');
    await writeFile(two, [{ text: '這個軟體的說明書寫得很清楚，我們都覺得學習起來非常容易。' }, { text: 'The weather was lovely today and we walked along the river for hours.' }].map((x) => JSON.stringify(x) + '\n').join(''));
    await writeFile(join(dir, 'asks.yaml'), 'stages:\n  - normalize:\n      chinese: t2s\n  - langid:\n      backend: franc\n      min_score: null\noutput:\n  compression: gzip\n');
    asked = await runNode([CLI, 'run', join(dir, 'asks.yaml'), '-i', two, '-o', join(dir, 'asks'), '-q', '--max-reject-rate', '1']);
  });

  it('reads the recipe with the bundled YAML parser: no file of node_modules/yaml is loaded', () => {
    expect(loaded.some((u) => u.endsWith('/dist/bundle/main.js'))).toBe(true);
    expect(required.some((l) => l.startsWith('../package.json '))).toBe(true); // the preload saw the CommonJS loads
    expect([...loaded, ...required].filter((u) => /\/node_modules\/yaml\/|^yaml /.test(u))).toEqual([]);
    // and the written resolved recipe is YAML as before; the report page read it back (yaml loaded
    // by report/collect.ts at that point: the name is the recipe's, not the folder's)
    const resolved = readFileSync(join(dir, 'run-out/_recipe.resolved.yaml'), 'utf8');
    expect(resolved).toMatch(/^stages:\n {2}- normalize:\n/m);
    expect(readFileSync(join(dir, 'run-out/_report.html'), 'utf8')).toContain('<title>corpus-clean report: sample</title>');
  });

  it('loads neither franc nor opencc-js when the recipe does not ask for them', () => {
    expect([...loaded, ...required].filter((u) => /node_modules\/(franc|opencc-js)\/|^(franc|opencc-js) /.test(u))).toEqual([]);
  });

  it("builds the text normaliser from the built table of stable characters, not 60,000 normalize() calls", () => {
    expect(tables).toContain(join(ROOT, 'dist/stages/normalize/unicode-stable.bin'));
  });

  // A run's worker processes and threads (dist/bundle/worker.js) load what worker.js imports
  // statically: report/collect.ts (through exec/samples.ts) brought the YAML parser into every
  // worker, and stages/index.ts franc and opencc-js, though a worker reads no recipe.
  it("keeps the YAML parser, franc and opencc-js out of what a run's worker loads", () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as { outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[] }> };
    const worker = Object.keys(meta.outputs).find((f) => meta.outputs[f].entryPoint === 'src/exec/worker.ts')!;
    const seen = new Set<string>();
    const walk = (f: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const i of meta.outputs[f].imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
    };
    walk(worker);
    expect(seen.size).toBeGreaterThan(5);
    const inputs = [...seen].flatMap((f) => Object.keys(meta.outputs[f].inputs));
    expect(inputs).toContain('src/exec/samples.ts');
    expect(inputs.filter((i) => i.includes('/node_modules/yaml/'))).toEqual([]);
    const packages = [...seen].flatMap((f) => meta.outputs[f].imports.filter((i) => i.external).map((i) => i.path));
    expect(packages).toContain('xxhash-wasm');
    expect(packages.filter((p) => /^(yaml|franc|opencc-js)$/.test(p))).toEqual([]);
  });

  it('still loads OpenCC and franc when the recipe asks for them', async () => {
    expect(asked.code, asked.stderr).toBe(0);
    const out = gunzipSync(await readFile(join(dir, 'asks/part-00000-00000.jsonl.gz'))).toString().trim().split('\n').map((l) => JSON.parse(l) as { text: string; attrs?: { lang?: string } });
    expect(out.map((d) => d.text)).toEqual(['这个软体的说明书写得很清楚，我们都觉得学习起来非常容易。', 'The weather was lovely today and we walked along the river for hours.']);
    expect(out.map((d) => d.attrs?.lang)).toEqual(['zh', 'en']);
  });
});
