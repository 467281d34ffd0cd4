import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, runCliAll, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';

const MODEL = TOKENIZER_MODEL;
// The tests from the one of type folders on check folders, notes and refusals, not token ids:
// InternLM2's first 3,000 pieces load in milliseconds where the whole model takes about 0.9 CPU s
// per export. The shards compared with the Python reference, and chat samples (they need the
// InternLM2 chat tokens, ids 92538-92543), are the real model's.
let SMALL: string;
beforeAll(async () => {
  SMALL = await smallTokenizer();
});
const EXPECTED = join(ROOT, 'fixtures/internevo/expected/train/en');

describe('corpus-clean export', () => {
  it('writes InternEvo shards byte-identical to the Python reference, rejecting with reasons', async () => {
    const dir = await tempDir();
    const r = await runCli([
      'export', 'internevo', 'fixtures/internevo/input.jsonl', '--tokenizer', MODEL, '--out', dir, '--type', 'en',
      '--min-length', '8', '--max-shard-size', '4096', '--rejects', join(dir, 'rejects.jsonl'), '--max-reject-rate', '1',
    ]);
    expect(r.stderr).toMatch(/read 25 = written 22 \+ rejected 3/);
    expect(r.code).toBe(0);
    const names = (await readdir(join(dir, 'train/en'))).sort();
    expect(names).toEqual((await readdir(EXPECTED)).sort());
    for (const n of names) expect((await readFile(join(dir, 'train/en', n))).equals(await readFile(join(EXPECTED, n))), n).toBe(true);
    const rejects = (await readFile(join(dir, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const expected = (await readFile(join(ROOT, 'fixtures/internevo/expected/rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((x) => [Number(x.source.split(':').pop()), x.reason])).toEqual(expected.map((x) => [x.line, x.reason]));
  });

  it('shards beside a killed export\'s lock are no result: the rerun says so, starts over and writes the whole set (hostile review 6 F22)', async () => {
    const dir = await tempDir();
    const shards = join(dir, 'train/en');
    await mkdir(shards, { recursive: true });
    // What SIGKILL during the publish leaves: some shards renamed, the lock of a process now gone.
    await writeFile(join(shards, 'part-00000.bin'), '{"tokens":[1]}\n');
    await writeFile(join(shards, 'part-00000.bin.meta'), 'x');
    await writeFile(join(shards, 'part-00007.bin'), '{"tokens":[2]}\n');
    await writeFile(join(shards, '.corpus-clean.lock'), `${spawnSync('true').pid}\n`);
    const r = await runCli(['export', 'internevo', 'fixtures/internevo/input.jsonl', '--tokenizer', MODEL, '--out', dir, '--type', 'en', '--min-length', '8', '--max-shard-size', '4096', '--max-reject-rate', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: '.*train\/en' holds 3 files of an unfinished export \(the command writing it, PID \d+, was killed\); starting over/);
    const names = (await readdir(shards)).sort();
    expect(names).toEqual((await readdir(EXPECTED)).sort());
    for (const n of names) expect((await readFile(join(shards, n))).equals(await readFile(join(EXPECTED, n))), n).toBe(true);
  });

  it('DIR inside an input folder is a usage error before anything is made (hostile review 7 F1)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), '{"text":"hello"}\n');
    const r = await runCli(['export', 'internevo', dir, '--tokenizer', MODEL, '-o', join(dir, 'exp')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--output '.*exp' lies inside the input folder/);
    expect(await readdir(dir)).toEqual(['a.jsonl']);
    // The same for an export whose --rejects is refused (F18): checked before DIR/train/TYPE is made.
    const out = await tempDir();
    const r2 = await runCli(['export', 'internevo', dir, '--tokenizer', MODEL, '-o', join(out, 'exp'), '--rejects', join(dir, 'r.jsonl')]);
    expect(r2.code, r2.stderr).toBe(2);
    expect(r2.stderr).toMatch(/--rejects '.*r\.jsonl' lies inside the input folder/);
    expect(await readdir(out)).toEqual([]);
    expect(await readdir(dir)).toEqual(['a.jsonl']);
  });

  // New-user review 8 #5: a Chinese run went to train/en/ (InternEvo reads the folder as the data
  // type), and a --limit sample was exported without a word.
  it('with no --type, a run whose records are mostly Chinese goes to train/cn/ with a note; a --limit sample is said', async () => {
    const dir = await tempDir();
    const recs = [...Array(6)].map((_, i) => JSON.stringify({ text: `第${i}条中文记录，内容足够长。`, attrs: { lang: i < 5 ? 'zh' : 'en' } }));
    await writeFile(join(dir, 'zh.jsonl'), recs.join('\n') + '\n');
    await writeFile(join(dir, 'p.yaml'), 'name: p\nstages:\n  - normalize: {}\n');
    const run = await runCli(['run', 'p.yaml', '-i', 'zh.jsonl', '-o', 'zh', '--limit', '4', '--workers', '1', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const r = await runCli(['export', 'internevo', 'zh/', '--tokenizer', SMALL, '-o', 'tok', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: writing to train/cn/: 4 of the 4 records in zh/ were written as Chinese by langid');
    expect(r.stderr).toContain("note: 'zh/' is a sample: the command that wrote it stopped after its first 4 records (--limit 4, in its _SUCCESS)");
    expect(await readdir(join(dir, 'tok', 'train'))).toEqual(['cn']);
    // A plain file: the script of its first records decides (new-user review 9 #4: a Chinese SFT
    // file went to train/en/ without a word); an English one stays en, without a note.
    await writeFile(join(dir, 'en.jsonl'), JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }, { role: 'assistant', content: 'hi' }] }) + '\n');
    const [plain, en] = await runCliAll([['export', 'internevo', 'zh.jsonl', '--tokenizer', SMALL, '-o', 'tok2', '-q'], ['export', 'internevo', 'en.jsonl', '--tokenizer', MODEL, '-o', 'tok3', '-q']], { cwd: dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain("note: writing to train/cn/: 6 of the first 6 records hold mostly Chinese (Han) text (no run folder's langid among the inputs says;");
    expect(await readdir(join(dir, 'tok2', 'train'))).toEqual(['cn']);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stderr).not.toContain('note:');
    expect(await readdir(join(dir, 'tok3', 'train'))).toEqual(['en']);
  });

  // New-user review 12 #1: a run of 139 en and 130 zh records went to train/en/ without a word.
  it('with no --type, a mixed run that is mostly not Chinese goes to train/en/ with a note naming the Chinese records and how to split them', async () => {
    const dir = await tempDir();
    const recs = [...Array(5)].map((_, i) => JSON.stringify(i < 2 ? { text: `第${i}条中文记录，内容足够长。`, attrs: { lang: 'zh' } } : { text: `English record number ${i}.`, attrs: { lang: 'en' } }));
    await writeFile(join(dir, 'mix.jsonl'), recs.join('\n') + '\n');
    await writeFile(join(dir, 'p.yaml'), 'name: p\nstages:\n  - normalize: {}\n');
    const run = await runCli(['run', 'p.yaml', '-i', 'mix.jsonl', '-o', 'mix', '--workers', '1', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const [folder, plain] = await runCliAll([['export', 'internevo', 'mix/', '--tokenizer', SMALL, '-o', 'tok', '-q'], ['export', 'internevo', 'mix.jsonl', '--tokenizer', SMALL, '-o', 'tok2', '-q']], { cwd: dir });
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stderr).toContain('note: writing to train/en/: 2 of the 5 records in mix/ were written as Chinese by langid and go there too (InternEvo reads the folder name as the data type); --type by-lang writes the Chinese records to train/cn/ and the others to train/en/');
    expect(await readdir(join(dir, 'tok', 'train'))).toEqual(['en']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('note: writing to train/en/: 2 of the first 5 records hold mostly Chinese (Han) text and go there too');
  });

  it('refuses to mix runs: existing shards need --overwrite (exit 2)', async () => {
    const dir = await tempDir();
    const args = ['export', 'internevo', 'fixtures/sample/web-zh.jsonl.zst', '--tokenizer', SMALL, '--out', dir, '--type', 'cn', '-q'];
    expect((await runCli(args)).code).toBe(0);
    const again = await runCli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds shards .* --overwrite/);
    expect((await runCli([...args, '--overwrite'])).code).toBe(0);
  });

  it('writes XTuner v1 {"content"} JSONL and needs a tokenizer for internevo', async () => {
    const r = await runCli(['export', 'xtuner-v1', '-'], { input: '{"text":"hello","id":3}\n' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ content: 'hello' });
    const u = await runCli(['export', 'internevo', '--out', '/tmp/x'], { input: '{"text":"hello"}\n' });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--tokenizer MODEL is required/);
  });

  it('nothing written: says to pass --allow-empty, and export takes it (was: unknown option)', async () => {
    const dir = await tempDir();
    const args = ['export', 'xtuner-v1', 'fixtures/internevo/input.jsonl', '--tokenizer', MODEL, '--min-length', '100000', '-o', join(dir, 'o.jsonl'), '--max-reject-rate', '1'];
    const empty = await runCli(args);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/nothing was written; pass --allow-empty/);
    const allowed = await runCli([...args.slice(0, -3), join(dir, 'o2.jsonl'), '--max-reject-rate', '1', '--allow-empty']);
    expect(allowed.stderr).not.toMatch(/unknown option/);
    expect(allowed.code).toBe(0);
  });

  it("a file whose text is under another field: export's warning names the keys and the --text-field to give (was: 'see its samples')", async () => {
    const dir = await tempDir();
    const r = await runCli(['export', 'internevo', 'fixtures/export-no-text/raw_content.jsonl', 'fixtures/export-no-text/text.jsonl', '--tokenizer', SMALL, '-o', dir]);
    expect(r.stderr).toMatch(/read 24 = written 12 \+ rejected 12/);
    expect(r.stderr).toMatch(/raw_content\.jsonl: none of its 12 records was written; 12 \(100 %\) rejected as tokenize\/no_text: .*keys seen: id, raw_content; use --text-field raw_content/);
  });
});

// New-user review 10 #13: InternEvo gives a shard the type of every train/ folder matching
// `/[z_]*TYPE/` anywhere in its path and asserts exactly one: an output root under en/ with
// train/cn/ and train/en/ stops training at start-up.
describe('export internevo: an output root whose path holds a type name', () => {
  it('is warned about when a type folder would match another (the export still writes)', async () => {
    const { typeClashes } = await import('../../src/cli/commands/export.js');
    expect(typeClashes('/tmp/x/en/tok', 'cn', [])).toEqual([]);
    expect(typeClashes('/tmp/x/tok', 'en', ['cn', 'code'])).toEqual([]);
    const w = typeClashes('/tmp/x/en/tok/', 'en', ['cn']);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^InternEvo would match the shards of '\/tmp\/x\/en\/tok\/train\/cn' to the types 'cn' and 'en' .*: the output root's path '\/tmp\/x\/en\/tok' holds a folder named like a type/);
    // z_ and _ prefixes count, as in InternEvo's pattern.
    expect(typeClashes('/tmp/z_cn/tok', 'en', ['cn'])).toHaveLength(1);
  });
});
