import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/** CLI conventions a user expects (issue #15): one name per idea, messages in the user's spelling. */
describe('CLI conventions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no arguments: the usage on stderr, exit 2; `help <command>` is that command\'s help', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^corpus-clean .*\n\nUsage: corpus-clean <command>/);
    const h = await runCli(['help', 'quality']);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe((await runCli(['quality', '--help'])).stdout);
  });

  it('says "did you mean" for commands, flags, option values and stages', async () => {
    expect((await runCli(['qualty'])).stderr).toMatch(/unknown command 'qualty'; did you mean 'quality'\?/);
    const flag = await runCli(['dedup', '--tresholds', '3']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^corpus-clean: dedup: unknown option '--tresholds'; did you mean '--threshold'\?/);
    expect((await runCli(['langid', '--backend', 'fastext'])).stderr).toMatch(/--backend must be one of .*; got 'fastext'; did you mean 'fasttext'\?/);
    expect((await runCli(['bench', '--stages', 'normalise'])).stderr).toMatch(/unknown stage 'normalise'; did you mean 'normalize'\?/);
  });

  it('names options as the user wrote them: kebab-case flags on the command line', async () => {
    const r = await runCli(['quality', '--drop-below-score', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("quality: --drop-below-score must be a number, got \"abc\"");
    expect(r.stderr).not.toMatch(/dropBelowScore/);
  });

  it('the last of --x / --no-x wins, as in GNU tools', async () => {
    const input = '{"text":"a &amp; b"}\n';
    const on = await runCli(['normalize', '--no-entities', '--entities', '-q'], { input });
    const off = await runCli(['normalize', '--entities', '--no-entities', '-q'], { input });
    expect(on.code).toBe(0);
    expect(off.code).toBe(0);
    expect(JSON.parse(on.stdout).text).toBe('a & b');
    expect(JSON.parse(off.stdout).text).toBe('a &amp; b');
  });

  it('recipes: messages name the file, the stage index and snake_case options; the YAML indentation slip gets a hint', async () => {
    const recipe = join(dir, 'slip.yaml');
    await writeFile(recipe, 'stages:\n  - normalize\n  - quality:\n    preset: web-en\n');
    const r = await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', join(dir, 'o1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${recipe}: stages[1] (quality): 'preset' is beside 'quality', not under it; indent the options two more spaces than '- quality:'`);
    await writeFile(recipe, 'stages:\n  - quality: {drop_below_score: abc}\n');
    const t = await runCli(['run', recipe, '-i', 'fixtures/sample', '-o', join(dir, 'o1')]);
    expect(t.stderr).toContain(`${recipe}: stages[0] (quality): option 'drop_below_score' must be a number`);
    await writeFile(recipe, 'stages: [normalize]\noutptu: {compression: none}\n');
    expect((await runCli(['run', recipe, '-o', join(dir, 'o1')])).stderr).toMatch(/unknown key 'outptu'; did you mean 'output'\?; allowed: .*max_reject_rate/);
  });

  it('recipe paths (input, rule files) are relative to the recipe file, from any working directory', async () => {
    await mkdir(join(dir, 'proj/data'), { recursive: true });
    await writeFile(join(dir, 'proj/data/a.jsonl'), '{"text":"Hello there, a short record."}\n');
    await writeFile(join(dir, 'proj/recipe.yaml'), 'input: data/a.jsonl\nstages:\n  - normalize\nmax_reject_rate: 1\n');
    const r = await runCli(['run', join(dir, 'proj/recipe.yaml'), '-o', join(dir, 'proj/out'), '-q'], { cwd: '/' });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(dir, 'proj/out/_recipe.resolved.yaml'), 'utf8')).toContain(join(dir, 'proj/data/a.jsonl'));
    // The bundled sample recipe runs from another folder too.
    const s = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', join(dir, 'sample'), '-q'], { cwd: dir });
    expect(s.code, s.stderr).toBe(0);
  });

  it('one name per idea: -o/--output and --format (input) in export and tokenize; one tokenizer hint', async () => {
    const exp = (await runCli(['export', '--help'])).stdout;
    const tok = (await runCli(['tokenize', '--help'])).stdout;
    for (const help of [exp, tok]) {
      expect(help).toMatch(/-o, --output /);
      expect(help).toMatch(/--format FMT +input format/);
      expect(help).not.toMatch(/--out |--input-format/);
      // Option help is wrapped to 100 columns off a terminal: read it unwrapped.
      expect(help.replace(/\n {20,}/g, ' ')).toContain("SentencePiece .model file (InternLM2's tokenizer.model is bundled: fixtures/tokenizer/internlm2.model in this package)");
    }
    const r = await runCli(['export', 'xtuner-v1', '--format', 'jsonl', '-o', join(dir, 'x.jsonl'), '-q'], { input: '{"text":"hello"}\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(dir, 'x.jsonl'), 'utf8')).toBe('{"content":"hello"}\n');
    const old = await runCli(['export', '--format', 'internevo'], { input: '' });
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/--format is the input format .*'export internevo' or --to internevo/);
  });
});

describe('runs that write nothing say what to run first', () => {
  it('export xtuner-v1 on ShareGPT points at convert; convert on BELLE points at repair', async () => {
    const sharegpt = await readFile(join(ROOT, 'fixtures/convert/real/sharegpt_fastchat_dummy_conversation.jsonl'), 'utf8');
    const e = await runCli(['export', 'xtuner-v1', '-q'], { input: sharegpt });
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/nothing was written; most records were rejected as tokenize\/no_text .*run 'corpus-clean convert' first for ShareGPT/);
    const c = await runCli(['convert', join(ROOT, 'fixtures/repair/belle_eval_slice.jsonl'), '-q']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/convert:unknown_format .*'corpus-clean repair --schema alpaca'/);
  });
});
