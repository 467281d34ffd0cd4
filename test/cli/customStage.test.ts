import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/** Stages of your own in recipes (`- module: ./my-stage.js`), with the example in examples/custom-stage/. */
describe('custom stage modules in recipes', () => {
  it('runs the documented example from any folder: options checked and used, the resolved recipe reruns', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const r = await runCli(['run', join(ROOT, 'examples/custom-stage/recipe.yaml'), '-o', out], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rejects = (await readFile(join(out, '_rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.filter((x) => x.stage === 'min-chars').length).toBeGreaterThan(0);
    expect(rejects.filter((x) => x.stage === 'min-chars').every((x) => x.reason === 'too_short:500')).toBe(true);
    const resolved = parse(await readFile(join(out, '_recipe.resolved.yaml'), 'utf8'));
    expect(resolved.stages[1]).toEqual({ module: join(ROOT, 'examples/custom-stage/min-chars.js'), min_chars: 500 });
    const again = await runCli(['run', join(out, '_recipe.resolved.yaml'), '-o', join(dir, 'again')], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(dir, 'again/_rejects.jsonl'), 'utf8')).toBe(await readFile(join(out, '_rejects.jsonl'), 'utf8'));
  });

  it('the example reads the run\'s text field (text_field: raw_content), not only text/content', async () => {
    const dir = await tempDir();
    const long = 'A sentence of the raw content field, long enough. '.repeat(12);
    await writeFile(join(dir, 'in.jsonl'), `${JSON.stringify({ raw_content: long })}\n${JSON.stringify({ raw_content: 'too short' })}\n`);
    const recipe = join(dir, 'r.yaml');
    const mod = join(ROOT, 'examples/custom-stage/min-chars.js');
    await writeFile(recipe, `input: [in.jsonl]\ntext_field: raw_content\nstages:\n  - module: ${JSON.stringify(mod)}\n    min_chars: 300\noutput: {compression: none}\n`);
    const out = join(dir, 'out');
    const r = await runCli(['run', recipe, '-o', out, '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/read 2 = written 1 \+ rejected 1/);
    const back = await runCli(['cat', out + '/', '--text-field', 'raw_content']);
    expect(JSON.parse(back.stdout.trim()).raw_content).toBe(long);
  });

  it('says how to make corpus-clean resolvable when a module outside the package imports it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'min-chars.mjs'), await readFile(join(ROOT, 'examples/custom-stage/min-chars.js'), 'utf8'));
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'stages:\n  - module: ./min-chars.mjs\n');
    const r = await runCli(['run', recipe, '-i', join(ROOT, 'fixtures/sample'), '-o', join(dir, 'o')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'npm install ${ROOT}' (this installation; or the .tgz of 'npm pack')`);
  });

  it('checks a module stage before reading: its options, its export and its name', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'r.yaml');
    const mod = join(ROOT, 'examples/custom-stage/min-chars.js');
    await writeFile(recipe, `input: [${JSON.stringify(join(ROOT, 'fixtures/sample'))}]\nstages:\n  - module: ${JSON.stringify(mod)}\n    min_char: 5\n`);
    const bad = await runCli(['run', recipe, '-o', join(dir, 'o')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${recipe}: stages[0] (min-chars): unknown option 'min_char'; did you mean 'min_chars'?`);
    await writeFile(join(dir, 'empty.js'), 'export const x = 1;\n');
    await writeFile(recipe, 'stages:\n  - module: ./empty.js\n');
    expect((await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', join(dir, 'o')])).stderr).toMatch(/stages\[0\]: module '\.\/empty\.js' exports no stage factory/);
    await writeFile(join(dir, 'clash.js'), "export default { name: 'quality', summary: 'x', options: {}, create: () => ({ name: 'quality', needsText: false, options: {}, async *run(b) { yield* b; } }) };\n");
    await writeFile(recipe, 'stages:\n  - module: ./clash.js\n');
    expect((await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', join(dir, 'o')])).stderr).toMatch(/names its stage 'quality', which is a built-in stage/);
    await writeFile(recipe, 'stages:\n  - module: ./nowhere.js\n');
    const missing = await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', join(dir, 'o')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot load module '\.\/nowhere\.js'/);
  });

  // A run named by a recipe file with a newline in its name reruns from its resolved recipe; a
  // stage module whose name holds one is refused (it goes into every accounting line).
  it('control characters: a recipe file name is made plain, a stage module name is refused', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello there"}\n');
    await writeFile(join(dir, 'r\n.yaml'), 'stages:\n  - normalize: {}\n');
    const r = await runCli(['run', 'r\n.yaml', '-i', 'in.jsonl', '-o', 'R', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(parse(await readFile(join(dir, 'R/_recipe.resolved.yaml'), 'utf8')).name).toBe('r_');
    const again = await runCli(['run', 'R/_recipe.resolved.yaml', '-i', 'in.jsonl', '-o', 'R2', '-q'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    await writeFile(join(dir, 'bad.mjs'), "export default { name: 'my\\nstage', summary: 'x', options: {}, create: () => ({ name: 'my\\nstage', async *run(d) { yield* d; } }) };\n");
    await writeFile(join(dir, 'm.yaml'), 'stages:\n  - module: ./bad.mjs\n');
    const bad = await runCli(['run', 'm.yaml', '-i', 'in.jsonl', '-o', 'M', '-q'], { cwd: dir });
    expect([bad.code, bad.stderr]).toEqual([2, `corpus-clean: m.yaml: stages[0]: module './bad.mjs' names its stage "my\\nstage", which holds a control character (a newline?); give it a plain name (letters, digits, . _ -)\n`]);
  });
});

