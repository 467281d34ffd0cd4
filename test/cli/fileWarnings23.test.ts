import { describe, expect, it } from 'vitest';
import { fileWarnings } from '../../src/cli/report.js';

// New-user review 23 B8: 2,021 small files; after the grouped line, 15 separate 'is the file a
// copy of another input?' warnings for files where 1 record of 18 was a duplicate ('the 1 that
// passed ... were all'); and web-en over Chinese files gave 14 per-file 'not in keep list' lines.

const stages = ['normalize', 'langid', 'quality', 'dedup'].map((stage) => ({ stage, dropped: {}, counters: {} }));
type Stats = Parameters<typeof fileWarnings>[0];
const run = (perFile: Record<string, unknown>): Stats => ({ read: 0, written: 0, rejected: 0, stages, perFile }) as unknown as Stats;
const good = { read: 100, written: 50, rejected: 50, reasons: { 'quality/zh_quality:min_chars': 50 }, keysSeen: { text: 100 } };
const fewDups = (d: number) => ({ read: 18, written: 0, rejected: 18, reasons: { 'quality/zh_quality:min_chars': 18 - d, 'dedup/dedup:exact': d }, keysSeen: { text: 18 } });

describe('per-file warnings of a few duplicates and of a language the recipe does not keep', () => {
  it('a file whose one survivor of the filters was a duplicate is not asked whether it is a copy, and says "was"', () => {
    const w = fileWarnings(run({ 'good.jsonl': good, 'w0055.jsonl': fewDups(1) }));
    expect(w).toEqual([
      'w0055.jsonl: none of its 18 records was written: the 1 that passed the stages before dedup was a duplicate of a record kept from other inputs (dedup:exact 1); the other 17 were rejected before dedup (most as quality/zh_quality:min_chars: 17) (a few duplicates, as sources overlap; relaxing a filter would keep more of the file)',
    ]);
  });

  it('a file half of whose records were duplicates is still asked', () => {
    const w = fileWarnings(run({ 'good.jsonl': good, 'half.jsonl': fewDups(9) }));
    expect(w[0]).toContain('the 9 that passed the stages before dedup were all duplicates');
    expect(w[0]).toContain('is the file a copy of another input?');
  });

  it('files with a few duplicates each are one line, however few', () => {
    const perFile: Record<string, unknown> = { 'good.jsonl': good };
    for (let i = 0; i < 15; i++) perFile[`w${String(i).padStart(4, '0')}.jsonl`] = fewDups(1 + (i % 2));
    const w = fileWarnings(run(perFile));
    expect(w).toEqual([
      "15 files ('w0000.jsonl', 'w0001.jsonl', 'w0002.jsonl' and 12 more; 18 each): none of their 270 records was written: the 1 to 2 of each that passed the stages before dedup (22 in all) were duplicates of records kept from other inputs; the other 248 were rejected before dedup (most as quality/zh_quality:min_chars: 248) (a few duplicates, as sources overlap; relaxing a filter would keep more of these files)",
    ]);
  });

  it("files whose language the langid stage does not keep are one line, however few", () => {
    const perFile: Record<string, unknown> = { 'good.jsonl': good };
    for (let i = 0; i < 14; i++) perFile[`zh${i}.jsonl`] = { read: 100 + i, written: 0, rejected: 100 + i, reasons: { 'langid/langid:not_kept': 100 + i }, keysSeen: { text: 100 + i } };
    perFile['odd.jsonl'] = { read: 40, written: 0, rejected: 40, reasons: { 'read/json_parse': 40 }, keysSeen: {} };
    perFile['odd2.jsonl'] = { read: 40, written: 0, rejected: 40, reasons: { 'read/json_parse': 40 }, keysSeen: {} };
    const w = fileWarnings(run(perFile));
    expect(w).toHaveLength(3);
    expect(w[0]).toMatch(/^14 files \('zh0\.jsonl', 'zh1\.jsonl', 'zh2\.jsonl' and 11 more; 100 to 113 each\): none of their 1491 records was written; 1491 \(100 %\) rejected as langid\/langid:not_kept: not a language the langid stage keeps/);
    // Other warnings below the bound keep a line each.
    expect(w[1]).toMatch(/^odd\.jsonl: /);
    expect(w[2]).toMatch(/^odd2\.jsonl: /);
  });
});
