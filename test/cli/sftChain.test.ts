import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';

// The README's "Cleaning SFT samples" and "Text under another field" (review F4, F5), run as
// written: SFT samples go through the text stages as text and come back as XTuner conversations;
// a --text-field run keeps the field, and convert --to pretrain-text gives `text`.

const ALPACA = join(ROOT, 'fixtures/convert/real/alpaca_zh_demo_llamafactory.jsonl');

describe('SFT samples through the text stages (README "Cleaning SFT samples")', () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir();
    // The 20 Alpaca samples and 3 exact copies of the first three.
    const lines = (await readFile(ALPACA, 'utf8')).trim().split('\n');
    input = join(dir, 'alpaca.jsonl');
    await writeFile(input, [...lines, ...lines.slice(0, 3)].join('\n') + '\n');
  });

  it('without conversion the text stages find no text, and the note says what to run (review F8)', async () => {
    const r = await runCli(['dedup', '--exact', input, '-o', join(dir, 'none.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('read 23 = written 0 + rejected 23 [read/text_missing 23]');
    expect(r.stderr).toContain("note: the records look like SFT samples (instruction, output): text stages need one text, so turn them into text first with 'corpus-clean convert --to pretrain-text --keep instruction,input,output' and convert them back at the end (README \"Cleaning SFT samples\")\n");
    // cat, the conversion command, can also copy them as they are.
    const c = await runCli(['cat', input, '-o', join(dir, 'none2.jsonl')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('; to copy them as they are, pass --no-require-text');
    expect((await runCli(['cat', input, '--no-require-text', '-o', join(dir, 'copy.jsonl'), '-q'])).code).toBe(0);
    // Not for records that are not SFT samples.
    const web = await runCli(['dedup', '--exact', '-o', join(dir, 'w.jsonl'), '--allow-empty', '--max-reject-rate', '1'], { input: '{"raw_content":"x"}\n'.repeat(3) });
    expect(web.stderr).toContain('records have no');
    expect(web.stderr).not.toContain('SFT samples');
  });

  it('the documented pipe: convert to text keeping the fields, dedup, quality --tag-only, convert back', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Cleaning SFT samples'));
    const sh = /```sh\n([\s\S]*?)```/.exec(section)![1];
    expect(sh).toContain('corpus-clean convert alpaca.jsonl --to pretrain-text --keep instruction,input,output');
    const cmd = `set -o pipefail; cc() { node ${JSON.stringify(CLI)} "$@"; }; ${sh.replaceAll('corpus-clean ', 'cc ')}`;
    const r = spawnSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('corpus-clean dedup: read 23 = written 20 + rejected 3 [dedup/dedup:exact 3]');
    expect(r.stderr).toContain('corpus-clean convert: read 20 = written 20 + rejected 0');
    const train = JSON.parse(await readFile(join(dir, 'train.json'), 'utf8'));
    expect(train).toHaveLength(20);
    const first = JSON.parse((await readFile(ALPACA, 'utf8')).split('\n')[0]);
    expect(first.input).toBe('');
    expect(train[0]).toEqual({ conversation: [{ system: '', input: first.instruction, output: first.output }] });
  });

  it('the same chain as a recipe: convert first and last', async () => {
    const recipe = join(dir, 'sft.yaml');
    await writeFile(recipe, `name: sft\ninput: [alpaca.jsonl]\nstages:\n  - convert: {to: pretrain-text, keep: [instruction, input, output]}\n  - dedup: {method: exact}\n  - quality: {preset: web-zh, tag_only: true}\n  - convert: {from: alpaca}\n`);
    const r = await runCli(['run', recipe, '-o', join(dir, 'run'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 23 = written 20 + rejected 3 [dedup/dedup:exact 3]');
    const shards = (await readdir(join(dir, 'run'))).filter((f) => f.startsWith('part-'));
    const records = (await Promise.all(shards.map(async (f) => gunzipSync(await readFile(join(dir, 'run', f))).toString().trim().split('\n')))).flat().map((l) => JSON.parse(l));
    expect(records).toHaveLength(20);
    expect(Object.keys(records[0])).toEqual(['conversation']);
  });
});

describe('text under another field (README "Text under another field")', () => {
  it('a --text-field run keeps the field; convert --to pretrain-text writes text and the kept fields', async () => {
    const dir = await tempDir();
    const rows = Array.from({ length: 5 }, (_, i) => JSON.stringify({ url: `https://example.org/${i}`, title: `t${i}`, raw_content: `第${i}篇　文章。\r\n这是一段足够长的中文文本。` }));
    await writeFile(join(dir, 'cwt.jsonl'), rows.join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\ninput: [cwt.jsonl]\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', join(dir, 'r.yaml'), '--text-field', 'raw_content', '-o', join(dir, 'out'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const shard = (await readdir(join(dir, 'out'))).find((f) => f.startsWith('part-'))!;
    const kept = JSON.parse(gunzipSync(await readFile(join(dir, 'out', shard))).toString().split('\n')[0]);
    expect(kept.text).toBeUndefined();
    expect(kept.raw_content).toBe('第0篇　文章。\n这是一段足够长的中文文本。'); // cleaned in place
    const c = await runCli(['convert', join(dir, 'out') + '/', '--to', 'pretrain-text', '--text-field', 'raw_content', '--keep', 'url,title', '-o', join(dir, 'text.jsonl')]);
    expect(c.code, c.stderr).toBe(0);
    const out = (await readFile(join(dir, 'text.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(5);
    expect(out[0]).toEqual({ text: kept.raw_content, url: 'https://example.org/0', title: 't0' });
  });

  it('convert to XTuner v0 rejecting tool dialogues says how to keep them (new-user review 3 #4: no hint)', async () => {
    const dir = await tempDir();
    const r = await runCli(['convert', join(ROOT, 'fixtures/convert/real/sharegpt_toolcall_zh_demo_llamafactory.json'), '-o', join(dir, 'v0.json')]);
    expect(r.stderr).toMatch(/read 20 = written 10 \+ rejected 10 \[convert\/convert:tool_result_v0 10\]/);
    expect(r.stderr).toMatch(/note: 10 of 20 records are tool dialogues, rejected as convert:tool_result_v0 .*to keep them: --to xtuner-openai, or --tool-results input/);
    const v1 = await runCli(['convert', join(ROOT, 'fixtures/convert/real/sharegpt_toolcall_zh_demo_llamafactory.json'), '--to', 'xtuner-openai', '-o', join(dir, 'v1.json')]);
    expect(v1.stderr).toMatch(/written 20 \+ rejected 0/);
    expect(v1.stderr).not.toMatch(/tool dialogues/);
  });
});
