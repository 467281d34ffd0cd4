import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliAll, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';

const MODEL = TOKENIZER_MODEL;
// The tests after the first check folders, markers and messages, not token ids: InternLM2's first
// 3,000 pieces load in milliseconds where the whole model takes about 0.9 CPU s per export.
let SMALL: string;
beforeAll(async () => {
  SMALL = await smallTokenizer();
});

// New-user review 12 #1: a mixed run (139 en, 130 zh) could only go to one type folder; splitting it
// took one langid pass per language. `--type by-lang` is datatrove's `${language}` in an output name,
// for InternEvo's type folders. #5: the token count an InternEvo user budgets with was only in --stats.
describe('export internevo --type by-lang', () => {
  const records = [
    { text: '第一条中文记录，内容足够长，可以切分。', attrs: { lang: 'zh' } },
    { text: 'The first English record, long enough to be a sample.', attrs: { lang: 'en' } },
    { text: '第二条记录没有语言标记，但全是汉字。' }, // no attrs.lang: its script decides (cn)
    { text: 'Le deuxième texte est en français.', attrs: { lang: 'fr' } }, // not Chinese: en
    { text: '粵語嘅記錄都係中文。', attrs: { lang: 'yue' } }, // a Chinese variety: cn
    { text: 'No language attribute and Latin letters only.' }, // no attrs.lang, not Han: en
  ];

  it('writes each record to train/cn/ or train/en/ by its attrs.lang (or its script), in input order, and says samples and tokens per folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'mix.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(join(dir, 'cn.jsonl'), [0, 2, 4].map((i) => JSON.stringify(records[i])).join('\n') + '\n');
    await writeFile(join(dir, 'en.jsonl'), [1, 3, 5].map((i) => JSON.stringify(records[i])).join('\n') + '\n');
    const [split, cn, en] = await runCliAll(
      [
        ['export', 'internevo', 'mix.jsonl', '--tokenizer', MODEL, '-o', 'split', '--type', 'by-lang'],
        ['export', 'internevo', 'cn.jsonl', '--tokenizer', MODEL, '-o', 'one', '--type', 'cn'],
        ['export', 'internevo', 'en.jsonl', '--tokenizer', MODEL, '-o', 'two', '--type', 'en'],
      ],
      { cwd: dir },
    );
    expect(split.code, split.stderr).toBe(0);
    expect(split.stderr).toMatch(/read 6 = written 6 \+ rejected 0/);
    expect(await readdir(join(dir, 'split/train'))).toEqual(['cn', 'en']);
    // The same bytes as an export of each language's records alone, in the same order.
    for (const [t, alone] of [['cn', 'one'], ['en', 'two']]) {
      for (const f of ['part-00000.bin', 'part-00000.bin.meta']) {
        expect((await readFile(join(dir, 'split/train', t, f))).equals(await readFile(join(dir, alone, 'train', t, f))), `${t}/${f}`).toBe(true);
      }
    }
    const tokens = (s: string): number => s.trim().split('\n').reduce((a, l) => a + (JSON.parse(l) as { tokens: number[] }).tokens.length, 0);
    const cnTokens = tokens(await readFile(join(dir, 'split/train/cn/part-00000.bin'), 'utf8'));
    const enTokens = tokens(await readFile(join(dir, 'split/train/en/part-00000.bin'), 'utf8'));
    expect(split.stderr).toContain(`corpus-clean export: split/train/cn/: 3 samples, ${cnTokens} tokens in 1 shard\n`);
    expect(split.stderr).toContain(`corpus-clean export: split/train/en/: 3 samples, ${enTokens} tokens in 1 shard\n`);
    // A one-type export says its count too.
    expect(cn.code, cn.stderr).toBe(0);
    expect(cn.stderr).toContain(`corpus-clean export: one/train/cn/: 3 samples, ${cnTokens} tokens in 1 shard\n`);
    expect(en.code, en.stderr).toBe(0);
  });

  it('a language with no record leaves no empty type folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'en.jsonl'), JSON.stringify(records[1]) + '\n');
    const r = await runCli(['export', 'internevo', 'en.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'by-lang'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(dir, 'tok/train'))).toEqual(['en']);
    expect(r.stderr).not.toContain('train/cn/');
  });

  it('shards already in either type folder are refused (exit 2) before anything is written; --overwrite replaces both', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'mix.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await mkdir(join(dir, 'tok/train/en'), { recursive: true });
    await writeFile(join(dir, 'tok/train/en/part-00000.bin'), '{"tokens":[1]}\n');
    const r = await runCli(['export', 'internevo', 'mix.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'by-lang'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tok\/train\/en already holds shards \(part-00000\.bin, \.\.\.\); remove them or pass --overwrite/);
    expect(existsSync(join(dir, 'tok/train/cn'))).toBe(false);
    expect(await readFile(join(dir, 'tok/train/en/part-00000.bin'), 'utf8')).toBe('{"tokens":[1]}\n');
    const o = await runCli(['export', 'internevo', 'mix.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'by-lang', '--overwrite'], { cwd: dir });
    expect(o.code, o.stderr).toBe(0);
    expect((await readFile(join(dir, 'tok/train/en/part-00000.bin'), 'utf8')).split('\n').length - 1).toBe(3);
    expect((await readFile(join(dir, 'tok/train/cn/part-00000.bin'), 'utf8')).split('\n').length - 1).toBe(3);
  });

  // New-user review 13 #9: --type bylang wrote every record to train/bylang/, exit 0.
  it('a near miss of by-lang is a usage error; a type InternEvo does not list is written with a warning; -q keeps the per-folder line', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'en.jsonl'), JSON.stringify(records[1]) + '\n');
    const [miss, odd] = await runCliAll(
      [
        ['export', 'internevo', 'en.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'By_Lang'],
        ['export', 'internevo', 'en.jsonl', '--tokenizer', SMALL, '-o', 'tok2', '--type', 'books', '-q'],
      ],
      { cwd: dir },
    );
    expect(miss.code).toBe(2);
    expect(miss.stderr).toContain("--type 'By_Lang': did you mean --type by-lang");
    expect(existsSync(join(dir, 'tok'))).toBe(false);
    expect(odd.code, odd.stderr).toBe(0);
    expect(odd.stderr).toContain("warning: --type 'books' is none of the data types InternEvo's docs list (en, cn, code, ja, ar, kaoshi)");
    expect(odd.stderr).toMatch(/corpus-clean export: tok2\/train\/books\/: 1 sample, \d+ tokens in 1 shard\n/);
  });

  // Hostile review 13 H4: --overwrite over an earlier by-lang export, with an input of one language,
  // kept the other language's earlier shards: the folder then held two exports.
  it('--overwrite removes the earlier shards of a type folder this export writes no record to', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'mix.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(join(dir, 'zh.jsonl'), JSON.stringify(records[0]) + '\n');
    const first = await runCli(['export', 'internevo', 'mix.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'by-lang'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(await readdir(join(dir, 'tok/train/en'))).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
    const again = await runCli(['export', 'internevo', 'zh.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'by-lang', '--overwrite'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(dir, 'tok/train/en')) ? await readdir(join(dir, 'tok/train/en')) : []).toEqual([]);
    expect((await readFile(join(dir, 'tok/train/cn/part-00000.bin'), 'utf8')).split('\n').length - 1).toBe(1);
  });

  // Hostile review 13 H7: an export over --max-reject-rate (exit 1) left part-00000.bin and its
  // .meta with nothing to tell them from a good export, and the same command again was refused
  // ("already holds shards ... pass --overwrite"). Hostile review 14 H2: removing them lost the good
  // records the accounting said were written. Kept, marked _FAILED; the next export starts over.
  it('an export that exits 1 keeps its shards marked _FAILED, says so, and the same command again starts over', async () => {
    const dir = await tempDir();
    const bad = [...records.map((r) => JSON.stringify(r)), 'bad', 'bad', 'bad'];
    await writeFile(join(dir, 'bad.jsonl'), bad.join('\n') + '\n');
    for (const type of ['by-lang', 'cn']) {
      const args = ['export', 'internevo', 'bad.jsonl', '--tokenizer', SMALL, '-o', `tok-${type}`, '--type', type, '--rejects', `r-${type}.jsonl`];
      for (const attempt of [1, 2]) {
        const r = await runCli(args, { cwd: dir });
        expect(r.code, `${type} ${attempt}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(/read 9 = written 6 \+ rejected 3/);
        expect(r.stderr).toMatch(/corpus-clean export: the \d+ shards? it wrote (is|are) kept and marked failed \(_FAILED in tok-[a-z-]+\/train\/(cn|en)\/.*\); InternEvo reads every \.bin under train\/ and no marker/);
        if (attempt === 2) expect(r.stderr).toContain(`'tok-${type}/train/cn' holds an export that failed (its _FAILED); starting over`);
        const folders = type === 'cn' ? ['cn'] : ['cn', 'en'];
        let samples = 0;
        for (const t of folders) {
          expect((await readdir(join(dir, `tok-${type}/train`, t))).sort()).toEqual(['_FAILED', 'part-00000.bin', 'part-00000.bin.meta']);
          const m = JSON.parse(await readFile(join(dir, `tok-${type}/train`, t, '_FAILED'), 'utf8')) as { exit_code: number; shards: string[]; records: number };
          expect([m.exit_code, m.shards]).toEqual([1, ['part-00000.bin']]);
          samples += m.records;
        }
        // Every record is in the output or the rejects.
        expect(samples).toBe(type === 'cn' ? 6 : 6);
        expect((await readFile(join(dir, `r-${type}.jsonl`), 'utf8')).split('\n').length - 1).toBe(3);
      }
    }
    // The corrected command replaces the failed shards and their marker, without --overwrite.
    const ok = await runCli(['export', 'internevo', 'bad.jsonl', '--tokenizer', SMALL, '-o', 'tok-cn', '--type', 'cn', '--max-reject-rate', '1'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readdir(join(dir, 'tok-cn/train/cn'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
  });

  // New-user review 14 #1: --overwrite over a good export, then a failing one: the earlier export's
  // shards were gone. Hostile review 15 F9: a command that fails leaves the output it was to replace
  // as it was (--overwrite replaces it only with a complete output).
  it('a failed --overwrite leaves the earlier export as it was, and says so', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'mix.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(join(dir, 'bad.jsonl'), [...records.slice(0, 2).map((r) => JSON.stringify(r)), 'bad', 'bad', 'bad'].join('\n') + '\n');
    expect((await runCli(['export', 'internevo', 'mix.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'cn', '-q'], { cwd: dir })).code).toBe(0);
    const shard = async (): Promise<string[]> => Promise.all(['part-00000.bin', 'part-00000.bin.meta'].map(async (f) => (await readFile(join(dir, 'tok/train/cn', f))).toString('base64')));
    const before = await shard();
    const r = await runCli(['export', 'internevo', 'bad.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'cn', '--overwrite'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("corpus-clean export: note: the earlier output 'tok' is kept as it was: --overwrite replaces it only with a complete output; this command's output was removed");
    expect(await shard()).toEqual(before);
    expect((await readdir(join(dir, 'tok/train/cn'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
    // A complete one replaces it.
    const ok = await runCli(['export', 'internevo', 'bad.jsonl', '--tokenizer', SMALL, '-o', 'tok', '--type', 'cn', '--overwrite', '--max-reject-rate', '1', '-q'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await shard()).not.toEqual(before);
    expect((await readdir(join(dir, 'tok/train/cn'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
  });
});


// Hostile review 14 H8: an export that wrote nothing with --allow-empty (exit 0) removed DIR/
// while its summary named DIR/train/en/; the README says the empty output is a result and stays.
describe('export internevo --allow-empty with nothing written', () => {
  it('exits 0 and keeps DIR/train/TYPE/ it names', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.jsonl'), 'not json\nnor this\n');
    const r = await runCli(['export', 'internevo', 'bad.jsonl', '--tokenizer', SMALL, '-o', 'AE', '--allow-empty', '--max-reject-rate', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('AE/train/en/: 0 samples');
    expect(existsSync(join(dir, 'AE/train/en'))).toBe(true);
  });
});
