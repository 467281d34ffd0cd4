import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getText } from '../../../src/core/doc.js';
import { balanced } from '../../../src/core/stats.js';
import { UsageError } from '../../../src/core/errors.js';
import { bandsAndRows, loadHash64, normalizeForExact } from '../../../src/stages/dedup/index.js';
import { exactKeyBytes, loadExactKey } from '../../../src/stages/dedup/exact.js';
import { defaultRegistryWithDedup } from './registry.js';
import { readJsonl, runDedup } from './helpers.js';

const licenses = { name: 'licenses.jsonl', records: readJsonl('fixtures/dedup/licenses.jsonl') };
const demo = { name: 'demo.jsonl', records: readJsonl('fixtures/dedup/datajuicer_demo.jsonl') };

describe('dedup options', () => {
  it('default to datatrove 14 bands x 8 rows from threshold 0.72', () => {
    const o = defaultRegistryWithDedup().resolve('dedup');
    expect(o).toMatchObject({ method: 'minhash', threshold: 0.72, bands: null, rows: null, ngram: 5, seed: 1, keep: 'auto', verify: 'exact' });
    expect(bandsAndRows(0.72, null, null)).toEqual({ bands: 14, rows: 8 });
    expect(bandsAndRows(0.8, null, 13)).toEqual({ bands: 18, rows: 13 });
    expect(bandsAndRows(0.72, 20, null)).toEqual({ bands: 20, rows: 9 });
  });

  it('reject a bad method with a message naming the option', () => {
    expect(() => defaultRegistryWithDedup().resolve('dedup', { method: 'fuzzy' })).toThrow(/option 'method'/);
    expect(() => defaultRegistryWithDedup().resolve('dedup', { bands: 0 })).toThrow(UsageError);
  });
});

describe('dedup --exact', () => {
  it('normalises Unicode form and white space only', () => {
    expect(normalizeForExact('  Caf\u0065\u0301\r\n\tau  lait ')).toBe('Caf\u00e9 au lait');
    expect(normalizeForExact('Hello')).not.toBe(normalizeForExact('hello'));
  });

  it('collapses every run of white space as /\\s+/ -> one space does, lone spaces and all', () => {
    // The definition, written plainly: the stage matches only the runs that change.
    const plain = (t: string): string => t.normalize('NFC').replace(/\s+/g, ' ').trim();
    const unit = fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\u2028', '\ufeff', '\u000b', 'a', 'e\u0301', '中', '.', 'x y');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (parts) => {
        const t = parts.join('');
        expect(normalizeForExact(t)).toBe(plain(t));
      }),
      { numRuns: 2000 },
    );
    expect(normalizeForExact(' a \u00a0b\n c  ')).toBe('a b c');
  });

  it('hashes the UTF-8 of the normalised text, written without the copies (property)', async () => {
    const h64 = await loadHash64();
    const key = await loadExactKey();
    const enc = new TextEncoder();
    const unit = fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\u2028', '\ufeff', '\u000b', '\u0085', 'a', 'e\u0301', '中', 'é', 'ß', '\u{1F600}', '\uD83D', '\uDE00', '\uFFFF', '\u07FF', '\u0800', '.');
    const texts = fc.oneof(fc.array(unit, { maxLength: 40 }).map((a) => a.join('')), fc.string({ unit: 'binary', maxLength: 40 }));
    fc.assert(
      fc.property(texts, (t) => {
        expect(Array.from(exactKeyBytes(t))).toEqual(Array.from(enc.encode(normalizeForExact(t))));
        expect(key(t)).toBe(h64(normalizeForExact(t)));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the first of identical texts across files and names it as survivor', async () => {
    const a = { name: 'a.jsonl', records: [{ text: 'one\r\ntwo' }, { text: 'three' }, { text: 'one two ' }] };
    const b = { name: 'b.jsonl', records: [{ text: 'three' }, { text: 'Three' }] };
    const { kept, rejects, stats } = await runDedup([a, b], { method: 'exact' });
    expect(kept.map((d) => d.source)).toEqual(['a.jsonl:1', 'a.jsonl:2', 'b.jsonl:2']);
    expect(rejects.map((r) => [r.source, r.reason, r.detail])).toEqual([
      ['a.jsonl:3', 'dedup:exact', { survivor: 'a.jsonl:1' }],
      ['b.jsonl:1', 'dedup:exact', { survivor: 'a.jsonl:2' }],
    ]);
    expect(stats.stages[0].dropped).toEqual({ 'dedup:exact': 2 });
    expect(balanced(stats)).toBe(true);
  });

  it('finds the exact duplicates of the Data-Juicer demo set', async () => {
    const { rejects } = await runDedup([demo], { method: 'exact' });
    // Records 7 and 12 are the same sentence; 6 and 11 ("Today is sunday ...") differ in words.
    expect(rejects.map((r) => [r.source, r.detail?.survivor])).toEqual([['demo.jsonl:12', 'demo.jsonl:7']]);
  });
});

describe('dedup --minhash', () => {
  it('removes the licence variants, keeping the first of each family', async () => {
    const { kept, rejects, stats } = await runDedup([licenses], { keep: 'first' });
    const removed = Object.fromEntries(rejects.map((r) => [r.source, r.detail?.survivor]));
    expect(removed).toEqual({
      'licenses.jsonl:2': 'licenses.jsonl:1', // MIT with a BOM
      'licenses.jsonl:3': 'licenses.jsonl:1', // MIT with an optional clause
      'licenses.jsonl:4': 'licenses.jsonl:1', // MIT in markdown
      'licenses.jsonl:5': 'licenses.jsonl:1', // identical copies
      'licenses.jsonl:6': 'licenses.jsonl:1',
      'licenses.jsonl:8': 'licenses.jsonl:7', // BSD-3 variants
      'licenses.jsonl:9': 'licenses.jsonl:7',
      'licenses.jsonl:12': 'licenses.jsonl:11', // CC0 variants
    });
    for (const r of rejects) {
      expect(r.reason).toBe('dedup:minhash');
      expect(r.detail?.similarity).toBeGreaterThanOrEqual(0.72);
    }
    // BSD-2 (Jaccard about 0.6 with the BSD-3 texts) and the distinct licences stay.
    expect(kept.map((d) => d.source)).toContain('licenses.jsonl:10');
    expect(kept).toHaveLength(9);
    expect(stats.stages[0].dropped).toEqual({ 'dedup:minhash': 8 });
    expect(balanced(stats)).toBe(true);
  });

  it('removes the near duplicates of the Data-Juicer demo in English and Chinese', async () => {
    const { rejects } = await runDedup([demo], { keep: 'first' });
    const removed = Object.fromEntries(rejects.map((r) => [r.source, r.detail?.survivor]));
    expect(removed).toEqual({
      'demo.jsonl:9': 'demo.jsonl:8', // "plant" / "plants"
      'demo.jsonl:11': 'demo.jsonl:10',
      'demo.jsonl:12': 'demo.jsonl:7', // exact duplicate
      'demo.jsonl:14': 'demo.jsonl:13', // Chinese, one phrase added
    });
  });

  it('keeps the best quality score of a cluster, whatever the input order', async () => {
    const attrs = licenses.records.map((_, i) => ({ quality: { score: i === 4 ? 0.9 : i === 8 ? 0.8 : 0.1 + i / 100 } }));
    const { rejects } = await runDedup([{ ...licenses, attrs }], { keep: 'auto' });
    const removed = Object.fromEntries(rejects.map((r) => [r.source, r.detail?.survivor]));
    expect(removed['licenses.jsonl:1']).toBe('licenses.jsonl:5');
    expect(removed['licenses.jsonl:7']).toBe('licenses.jsonl:9');
    expect(removed['licenses.jsonl:5']).toBeUndefined();
    expect(removed['licenses.jsonl:11']).toBe('licenses.jsonl:12'); // higher score (0.21 > 0.20)

    // Same records, reversed: the survivors (by source) do not change.
    const n = licenses.records.length;
    const reversed = [...licenses.records].reverse();
    const rAttrs = [...attrs].reverse();
    const again = await runDedup([{ name: 'licenses.jsonl', records: reversed, attrs: rAttrs }], { keep: 'best-quality' });
    const back = (src: unknown): string => `licenses.jsonl:${n + 1 - Number(String(src).split(':')[1])}`;
    expect(Object.fromEntries(again.rejects.map((r) => [back(r.source), back(r.detail?.survivor)]))).toEqual(removed);
  });

  it('emits kept records in input order when it holds them for best-quality', async () => {
    const attrs = licenses.records.map(() => ({ quality: { score: 0.5 } }));
    const { kept } = await runDedup([{ ...licenses, attrs }], { keep: 'best-quality' });
    const lines = kept.map((d) => Number(d.source.split(':')[1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines).toEqual([1, 7, 10, 11, 13, 14, 15, 16, 17]);
  });

  it('keeps records without any word, and counts them', async () => {
    const recs = [{ text: '!!! ???' }, { text: '--- ...' }, { text: 'real words here and there' }];
    const { kept, stats } = await runDedup([{ name: 'x', records: recs }]);
    expect(kept).toHaveLength(3);
    expect(stats.stages[0].counters.no_shingles).toBeUndefined();
  });

  it('removes exact copies of texts without any word (review F15: "……", "￥", "- -" kept in every copy)', async () => {
    const texts = ['……………………', '￥', '- -', '……………………', '￥', '-  -', ' - - ', '……', 'real words here and there'];
    const { kept, rejects } = await runDedup([{ name: 'x', records: texts.map((text) => ({ text })) }]);
    expect(kept.map((d) => getText(d))).toEqual(['……………………', '￥', '- -', '……', 'real words here and there']);
    expect(rejects.map((r) => [r.source, r.reason, r.detail?.survivor, r.detail?.similarity])).toEqual([
      ['x:4', 'dedup:minhash', 'x:1', 1],
      ['x:5', 'dedup:minhash', 'x:2', 1],
      ['x:6', 'dedup:minhash', 'x:3', 1],
      ['x:7', 'dedup:minhash', 'x:3', 1],
    ]);
  });

  it('does not merge unrelated short texts', async () => {
    const recs = ['Do you need a cup of coffee?', 'Do you need a cup of tea today?', '你好，请问你是谁', '欢迎来到阿里巴巴！'].map((text) => ({ text }));
    const { kept } = await runDedup([{ name: 'x', records: recs }]);
    expect(kept.map((d) => getText(d))).toHaveLength(4);
  });
});

// New-user review 8 #4: digits hash as 0 (datatrove's norm_numbers), so math and SFT samples that
// differ only in their numbers were removed at similarity 1, with no way to keep them.
describe('dedup --minhash and numbers', () => {
  const problems = {
    name: 'math.jsonl',
    records: [
      { text: 'A train travels 120 km in 2 hours. What is its average speed in km/h?\n\n120 / 2 = 60 km/h.' },
      { text: 'A train travels 300 km in 5 hours. What is its average speed in km/h?\n\n300 / 5 = 60 km/h.' },
      { text: '小明有5个苹果，吃了2个，还剩几个？\n\n5-2=3，还剩3个。' },
      { text: '小明有9个苹果，吃了4个，还剩几个？\n\n9-4=5，还剩5个。' },
    ],
  };

  it('by default (norm_numbers: true, as datatrove) texts that differ only in numbers are duplicates; norm_numbers: false keeps them', async () => {
    const norm = await runDedup([problems], { keep: 'first' });
    expect(norm.rejects.map((r) => [r.source, r.detail?.survivor])).toEqual([
      ['math.jsonl:2', 'math.jsonl:1'],
      ['math.jsonl:4', 'math.jsonl:3'],
    ]);
    expect(norm.rejects[0].detail?.similarity).toBe(1);
    const kept = await runDedup([problems], { keep: 'first', normNumbers: false });
    expect(kept.rejects).toEqual([]);
    expect(kept.kept).toHaveLength(4);
    // A real copy is still one.
    const copies = await runDedup([{ name: 'c.jsonl', records: [problems.records[0], problems.records[0]] }], { normNumbers: false });
    expect(copies.rejects.map((r) => r.source)).toEqual(['c.jsonl:2']);
  });

  it('the option is checked when the stage is made', () => {
    expect(defaultRegistryWithDedup().resolve('dedup')).toMatchObject({ normNumbers: true });
    expect(() => defaultRegistryWithDedup().resolve('dedup', { normNumbers: 'no' })).toThrow(/norm_numbers|normNumbers/);
  });
});
