import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy2D } from '../../src/export/npy.js';
import { ROOT, runCli, runCliAll, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

type Result = Awaited<ReturnType<typeof runCli>>;

/** The sample lines of a type folder's one shard ([] when the folder was not written), checked against its .meta. */
async function lines(bin: string): Promise<string[]> {
  if (!existsSync(bin)) return [];
  const text = await readFile(bin, 'utf8');
  const ls = text.split('\n').slice(0, -1);
  const meta = decodeNpy2D(await readFile(bin + '.meta'));
  expect(meta.length, bin).toBe(ls.length);
  return ls;
}
const sorted = (a: readonly string[]): string[] => [...a].sort();

// New-user review 23 B1: `export internevo --split valid --limit N` made a "validation set" of the
// first N records, which the export of the same input to train/ writes too: nothing held records
// out. --valid-fraction F writes train/ and valid/ in one export, a record held out by a hash of its
// text (the exact-dedup key): disjoint and complete, the same on a rerun, in any input order, and
// by the text the run folder's text field names.
describe('export internevo --valid-fraction (B1)', () => {
  const n = 80;
  const texts = Array.from({ length: n }, (_, i) => `Record ${i}: the quick brown fox number ${i} jumps over ${i * 7} lazy dogs near river ${i % 13}.`);
  // Ten exact duplicates by dedup's key (white space doubled): each must land beside its original.
  const dups = Array.from({ length: 10 }, (_, k) => k * 7);
  const records = [...texts.map((text) => ({ text })), ...dups.map((i) => ({ text: texts[i].replace(/ /g, '  ') })), { title: 'no text at all' }];
  const dir = { path: '' };
  let r: Record<string, Result> = {};

  beforeAll(async () => {
    dir.path = await tempDir();
    const d = dir.path;
    const jsonl = (rs: readonly object[]): string => rs.map((x) => JSON.stringify(x)).join('\n') + '\n';
    await writeFile(join(d, 'in.jsonl'), jsonl(records));
    await writeFile(join(d, 'rev.jsonl'), jsonl([...records].reverse()));
    // The same texts under raw_content, in a folder whose run read that field (ChineseWebText's shape).
    await writeFile(join(d, 'raw.jsonl'), jsonl(texts.map((t) => ({ raw_content: t }))));
    const cat = await runCli(['cat', 'raw.jsonl', '--text-field', 'raw_content', '-o', 'rawrun/', '-q'], { cwd: d });
    expect(cat.code, cat.stderr).toBe(0);
    const ex = (...a: string[]): string[] => ['export', 'internevo', '--tokenizer', TOKENIZER_MODEL, '-q', ...a];
    const sample = join(ROOT, 'fixtures/sample');
    const names = ['a', 'rerun', 'rev', 'plain', 'raw', 'real', 'split', 'ovalid', 'zero', 'one', 'word', 'xtuner', 'limit', 'rec', 'both', 'recsplit'];
    const results = await runCliAll(
      [
        ex('in.jsonl', '-o', 'a', '--type', 'en', '--valid-fraction', '0.25'),
        ex('in.jsonl', '-o', 'b', '--type', 'en', '--valid-fraction', '0.25'),
        ex('rev.jsonl', '-o', 'c', '--type', 'en', '--valid-fraction', '0.25'),
        ex('in.jsonl', '-o', 'plain', '--type', 'en'),
        ex('rawrun/', '-o', 'raw', '--type', 'en', '--valid-fraction', '0.25'),
        ex(join(sample, 'web-en.jsonl.gz'), join(sample, 'web-zh.jsonl.zst'), '-o', 'real', '--type', 'by-lang', '--valid-fraction', '0.1'),
        ex('in.jsonl', '-o', 'g', '--split', 'valid', '--valid-fraction', '0.1'),
        ex('in.jsonl', '-o', 'g/valid', '--valid-fraction', '0.1'),
        ex('in.jsonl', '-o', 'g', '--valid-fraction', '0'),
        ex('in.jsonl', '-o', 'g', '--valid-fraction', '1'),
        ex('in.jsonl', '-o', 'g', '--valid-fraction', 'tenth'),
        ['export', 'xtuner-v1', 'in.jsonl', '-o', 'g.jsonl', '--valid-fraction', '0.1'],
        ex('in.jsonl', '-o', 'lim', '--type', 'en', '--split', 'valid', '--limit', '5'),
        ex('in.jsonl', '-o', 'rec', '--type', 'en', '--valid-records', '12'),
        ex('in.jsonl', '-o', 'g', '--valid-records', '12', '--valid-fraction', '0.1'),
        ex('in.jsonl', '-o', 'g', '--valid-records', '12', '--split', 'train'),
      ],
      { cwd: d },
    );
    r = Object.fromEntries(names.map((k, i) => [k, results[i]]));
  }, 300_000);

  it('writes train/ and valid/ in one pass: disjoint, complete (train + valid = the tokenized samples), counts said and adding up', async () => {
    const d = dir.path;
    expect(r.a.code, r.a.stderr).toBe(0);
    const all = n + dups.length;
    expect(r.a.stderr).toContain(`read ${all + 1} = written ${all} + rejected 1 [tokenize/no_text 1]`);
    const train = await lines(join(d, 'a/train/en/part-00000.bin'));
    const valid = await lines(join(d, 'a/valid/en/part-00000.bin'));
    expect(train.length + valid.length).toBe(all);
    expect(valid.length).toBeGreaterThan(0);
    expect(train.length).toBeGreaterThan(valid.length);
    expect(r.a.stderr).toContain(`a/train/en/: ${train.length} samples`);
    expect(r.a.stderr).toContain(`a/valid/en/: ${valid.length} samples`);
    expect(r.a.stderr).toContain(`--valid-fraction 0.25: ${valid.length} of ${all} samples held out in a/valid/ (`);
    expect(r.a.stderr).toContain(`, ${train.length} in a/train/; chosen by a hash of each record's text`);
    // Complete: the same samples as an export without a hold-out; disjoint: none on both sides.
    expect(r.plain.code, r.plain.stderr).toBe(0);
    const plain = await lines(join(d, 'plain/train/en/part-00000.bin'));
    expect(sorted([...train, ...valid])).toEqual(sorted(plain));
    const validSet = new Set(valid);
    expect(train.filter((l) => validSet.has(l))).toEqual([]);
    // Each exact duplicate (by dedup's key) is on the side of its original: no validation text is training text.
    const side = (l: string): string => (validSet.has(l) ? 'valid' : 'train');
    for (const [k, i] of dups.entries()) expect(side(plain[n + k]), `record ${i} and its duplicate`).toBe(side(plain[i]));
    // Each side keeps the input order (train/ as the plain export's, less the held-out).
    expect(train).toEqual(plain.filter((l) => !validSet.has(l)));
  });

  it('holds out the same records on a rerun (byte-identical), in reversed record order, and by the text the run folder read', async () => {
    const d = dir.path;
    for (const f of ['train/en/part-00000.bin', 'train/en/part-00000.bin.meta', 'valid/en/part-00000.bin', 'valid/en/part-00000.bin.meta']) {
      expect((await readFile(join(d, 'b', f))).equals(await readFile(join(d, 'a', f))), f).toBe(true);
    }
    expect(r.rev.code, r.rev.stderr).toBe(0);
    for (const s of ['train', 'valid']) {
      const fwd = await lines(join(d, `a/${s}/en/part-00000.bin`));
      const back = await lines(join(d, `c/${s}/en/part-00000.bin`));
      expect(back, s).toEqual([...fwd].reverse());
    }
    // rawrun/ holds the 80 texts under raw_content: the export reads them as its run did, and holds
    // out the same ones as from `text` (not a key of no text or of other bytes).
    expect(r.raw.code, r.raw.stderr).toBe(0);
    expect(r.raw.stderr).toContain('reading text_field raw_content');
    const aValid = new Set(await lines(join(d, 'a/valid/en/part-00000.bin')));
    const rawValid = await lines(join(d, 'raw/valid/en/part-00000.bin'));
    const rawTrain = await lines(join(d, 'raw/train/en/part-00000.bin'));
    expect(rawValid.length + rawTrain.length).toBe(n);
    expect(rawValid.filter((l) => !aValid.has(l))).toEqual([]);
    expect(rawTrain.filter((l) => aValid.has(l))).toEqual([]);
  });

  it('holds out about F of a real sample (web-en + web-zh, by language)', async () => {
    expect(r.real.code, r.real.stderr).toBe(0);
    const m = /--valid-fraction 0\.1: (\d+) of (\d+) samples held out in real\/valid\/ \([\d.]+%\), (\d+) in real\/train\//.exec(r.real.stderr);
    expect(m, r.real.stderr).not.toBeNull();
    const [valid, total, train] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(r.real.stderr).toContain(`read 310 = written ${total} + rejected 0`);
    expect(valid + train).toBe(total);
    expect(valid / total).toBeGreaterThan(0.06);
    expect(valid / total).toBeLessThan(0.14);
    const d = dir.path;
    let counted = 0;
    for (const s of ['train', 'valid']) for (const t of ['cn', 'en']) counted += (await lines(join(d, `real/${s}/${t}/part-00000.bin`))).length;
    expect(counted).toBe(total);
    expect((await lines(join(d, 'real/valid/cn/part-00000.bin'))).length).toBeGreaterThan(0);
    expect((await lines(join(d, 'real/valid/en/part-00000.bin'))).length).toBeGreaterThan(0);
  });

  // Any record order and ties: test/export/holdout24.test.ts, in-process.
  it('--valid-records N holds out the N samples of the smallest keys, nested in a larger fraction', async () => {
    const d = dir.path;
    expect(r.rec.code, r.rec.stderr).toBe(0);
    const valid = await lines(join(d, 'rec/valid/en/part-00000.bin'));
    const train = await lines(join(d, 'rec/train/en/part-00000.bin'));
    expect(valid.length).toBe(12);
    expect(r.rec.stderr).toContain(`--valid-records 12: 12 of ${n + dups.length} samples held out in rec/valid/ (`);
    // valid/ in input order; with the plain export, complete and disjoint.
    const plain = await lines(join(d, 'plain/train/en/part-00000.bin'));
    expect(sorted([...train, ...valid])).toEqual(sorted(plain));
    expect(valid.filter((l) => train.includes(l))).toEqual([]);
    expect(valid).toEqual(plain.filter((l) => valid.includes(l)));
    // The same order of keys as --valid-fraction: the 12 are among the fraction's (about 22) held out.
    const aValid = new Set(await lines(join(d, 'a/valid/en/part-00000.bin')));
    expect(aValid.size).toBeGreaterThan(12);
    expect(valid.filter((l) => !aValid.has(l))).toEqual([]);
    expect(r.both.code).toBe(2);
    expect(r.both.stderr).toContain('give --valid-fraction F or --valid-records N, not both');
    expect(r.recsplit.code).toBe(2);
    expect(r.recsplit.stderr).toContain("--valid-records writes both data folders, DIR/train/TYPE/ and DIR/valid/TYPE/, in one export; --split 'train' names one: drop --split");
  });

  it('refuses --split with it, -o naming a valid/ folder, a fraction outside (0, 1), and xtuner-v1; --split valid --limit says it holds nothing out', () => {
    expect(r.split.code).toBe(2);
    expect(r.split.stderr).toContain("--valid-fraction writes both data folders, DIR/train/TYPE/ and DIR/valid/TYPE/, in one export; --split 'valid' names one: drop --split");
    expect(r.ovalid.code).toBe(2);
    expect(r.ovalid.stderr).toContain("-o 'g/valid' names a valid/ folder, but --valid-fraction writes both train/ and valid/: give the output root, -o 'g'");
    for (const [k, v] of [['zero', '0'], ['one', '1'], ['word', 'tenth']]) {
      expect(r[k].code, k).toBe(2);
      expect(r[k].stderr).toContain(`--valid-fraction must be a number between 0 and 1 (the share of samples held out in valid/, e.g. 0.01); got '${v}'`);
    }
    expect(r.xtuner.code).toBe(2);
    expect(r.xtuner.stderr).toContain('--valid-fraction is for export internevo');
    expect(existsSync(join(dir.path, 'g'))).toBe(false);
    expect(existsSync(join(dir.path, 'g.jsonl'))).toBe(false);
    expect(r.limit.code, r.limit.stderr).toBe(0);
    expect(r.limit.stderr).toContain('note: --limit 5 reads the first 5 records, it holds none out: if the same inputs go to train/ too, this validation set is training data; --valid-fraction F writes train/ and valid/ in one export');
  });
});
