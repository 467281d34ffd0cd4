import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/** Per-file accounting: a file whose text is under another key must not vanish silently. */
describe('per-file accounting', () => {
  let dir: string;
  let raw: string;
  const good = 'fixtures/sample/licenses.jsonl';
  beforeAll(async () => {
    dir = await tempDir();
    raw = join(dir, 'raw.jsonl');
    const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ url: `https://example.org/${i}`, title: `t${i}`, raw_content: `第${i}篇。这是一段足够长的中文文本，用来检查文本字段的列表。` }));
    await writeFile(raw, rows.join('\n') + '\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints a line per file and warns about a file that yields nothing, naming the keys and the fix', async () => {
    const stats = join(dir, 'stats.json');
    const r = await runCli(['normalize', good, raw, '-o', join(dir, 'o.jsonl'), '--stats', stats, '--max-reject-rate', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`  ${raw}: read 12 = written 0 + rejected 12 [read/text_missing 12]`);
    expect(r.stderr).toMatch(new RegExp(`  ${good}: read \\d+ = written \\d+ \\+ rejected 0`));
    expect(r.stderr).toContain(`warning: ${raw}: none of its 12 records was written; 12 (100 %) rejected as read/text_missing: no 'text' or 'content' field; keys seen: url, title, raw_content; use --text-field raw_content`);
    const s = JSON.parse(await readFile(stats, 'utf8'));
    expect(s.perFile[raw]).toMatchObject({ read: 12, written: 0, rejected: 12, reasons: { 'read/text_missing': 12 }, keysSeen: { url: 12, title: 12, raw_content: 12 } });
    expect(s.perFile[good].read).toBe(s.perFile[good].written);
    // Per-file counts add up to the run's.
    const files = Object.values(s.perFile) as { read: number; written: number; rejected: number }[];
    expect(files.reduce((a, f) => a + f.read, 0)).toBe(s.read);
    expect(files.reduce((a, f) => a + f.written, 0)).toBe(s.written);
    expect(files.reduce((a, f) => a + f.rejected, 0)).toBe(s.rejected);
  });

  it('warns when one reason takes more than 90 % of a file', async () => {
    const mixed = join(dir, 'mixed.jsonl');
    const rows = Array.from({ length: 11 }, (_, i) => JSON.stringify({ raw_content: `page ${i}` }));
    await writeFile(mixed, [...rows, JSON.stringify({ text: 'the one page with a text field' })].join('\n') + '\n');
    const r = await runCli(['normalize', good, mixed, '-o', join(dir, 'q.jsonl'), '--max-reject-rate', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${mixed}: 91.7 % of its 12 records were rejected as read/text_missing: no 'text' or 'content' field; keys seen: raw_content; use --text-field raw_content`);
    expect(r.stderr).not.toContain(`warning: ${good}`);
  });

  it('tries a list of text fields in order, from the flag and from a recipe', async () => {
    const r = await runCli(['normalize', good, raw, '--text-field', 'text,raw_content', '-o', join(dir, 'l.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/read \d+ = written \d+ \+ rejected 0/);
    expect(r.stderr).not.toContain('warning');
    const recipe = join(dir, 'r.yaml');
    // Recipe paths start from the recipe's folder (a temporary one here): give the sample's absolute path.
    await writeFile(recipe, `name: r\ninput: [${join(ROOT, good)}, ${raw}]\ntext_field: [text, raw_content]\nstages: [normalize]\n`);
    const out = join(dir, 'run');
    const rr = await runCli(['run', recipe, '-o', out]);
    expect(rr.code).toBe(0);
    expect(rr.stderr).toMatch(/rejected 0/);
    const resolved = parse(await readFile(join(out, '_recipe.resolved.yaml'), 'utf8'));
    expect(resolved.text_field).toEqual(['text', 'raw_content']);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `name: r\ninput: [${good}]\ntext_field: {a: 1}\nstages: [normalize]\n`);
    const rb = await runCli(['run', bad, '-o', join(dir, 'bad')]);
    expect(rb.code).toBe(2);
    expect(rb.stderr).toContain('text_field` must be a field name or a list');
  });
});

describe('per-file warnings over many small files', () => {
  it('shows the 20 files that lost the most, in file order, and counts the rest in one line (each with its own reason)', async () => {
    const { fileWarnings } = await import('../../src/cli/report.js');
    const perFile: Record<string, unknown> = {};
    // 30 files that lost every record, each to a reason of its own: file i read i+1 records.
    for (let i = 0; i < 30; i++) perFile[`f${String(i).padStart(2, '0')}.jsonl`] = { read: i + 1, written: 0, rejected: i + 1, reasons: { [`quality/rule_${i}`]: i + 1 }, keysSeen: { text: i + 1 } };
    perFile['good.jsonl'] = { read: 5, written: 5, rejected: 0, reasons: {}, keysSeen: { text: 5 } };
    const stats = { read: 470, written: 5, rejected: 465, stages: [], perFile } as unknown as Parameters<typeof fileWarnings>[0];
    const w = fileWarnings(stats);
    expect(w).toHaveLength(21);
    // f10 .. f29 lost the most (11 .. 30 records), listed in file order; f00 .. f09 (55 records) are counted.
    expect(w.slice(0, 20).map((l) => l.slice(0, 7))).toEqual(Array.from({ length: 20 }, (_, i) => `f${i + 10}.jso`));
    expect(w[20]).toBe('and 10 more files like these (55 records lost in all; the 20 that lost the most are shown above): every file is listed under perFile in the stats (_stats.json, --stats FILE)');
    expect(fileWarnings(stats, undefined, 'run', undefined, 100)).toHaveLength(30);
  });

  // New-user review 22 A7: 2,021 small files gave 20 identical 'none of its 18 records was written'
  // lines, then 'and 1177 more files like these'. Files with one warning are now one line.
  it('files with the same warning are one line, with their count and first names; another warning keeps its own', async () => {
    const { fileWarnings } = await import('../../src/cli/report.js');
    const perFile: Record<string, unknown> = {};
    for (let i = 0; i < 1197; i++) perFile[`w${String(i).padStart(4, '0')}.jsonl`] = { read: 18, written: 0, rejected: 18, reasons: { 'read/text_missing': 18 }, keysSeen: { url: 18 } };
    for (let i = 0; i < 30; i++) perFile[`v${String(i).padStart(2, '0')}.jsonl`] = { read: 10 + i, written: 0, rejected: 10 + i, reasons: { 'read/json_parse': 10 + i }, keysSeen: {} };
    perFile['odd.jsonl'] = { read: 40, written: 0, rejected: 40, reasons: { 'read/invalid_utf8': 40 }, keysSeen: {} };
    perFile['good.jsonl'] = { read: 5, written: 5, rejected: 0, reasons: {}, keysSeen: { text: 5 } };
    const stats = { read: 0, written: 5, rejected: 0, stages: [], perFile } as unknown as Parameters<typeof fileWarnings>[0];
    const w = fileWarnings(stats);
    expect(w).toHaveLength(3);
    expect(w[0]).toMatch(/^1197 files \('w0000\.jsonl', 'w0001\.jsonl', 'w0002\.jsonl' and 1194 more; 18 each\): none of their 21546 records was written; 21546 \(100 %\) rejected as read\/text_missing: /);
    expect(w[1]).toMatch(/^30 files \('v00\.jsonl', 'v01\.jsonl', 'v02\.jsonl' and 27 more; 10 to 39 each\): none of their 735 records was written; 735 \(100 %\) rejected as read\/json_parse: /);
    expect(w[2]).toMatch(/^odd\.jsonl: none of its 40 records was written; 40 \(100 %\) rejected as read\/invalid_utf8: /);
  });
});

// New-user review 21 N12: a file that duplicates another lost every record that passed the filters
// to dedup, and the warning blamed the top quality rule ('relax it'), which would change nothing.
describe('per-file warning of a file whose filtered records were all duplicates', () => {
  const stages = ['normalize', 'langid', 'quality', 'dedup'].map((stage) => ({ stage, dropped: {}, counters: {} }));
  const run = (perFile: Record<string, unknown>, st = stages) => ({ read: 0, written: 0, rejected: 0, stages: st, perFile }) as unknown as Parameters<typeof import('../../src/cli/report.js').fileWarnings>[0];
  const first = { read: 100, written: 14, rejected: 86, reasons: { 'quality/zh_quality:min_chars': 60, 'langid/langid:too_short': 26 }, keysSeen: { text: 100 } };

  it('names dedup, not the top filter reason', async () => {
    const { fileWarnings } = await import('../../src/cli/report.js');
    const copy = { read: 100, written: 0, rejected: 100, reasons: { 'quality/zh_quality:min_chars': 60, 'langid/langid:too_short': 26, 'dedup/dedup:exact': 12, 'dedup/dedup:minhash': 2 }, keysSeen: { text: 100 } };
    const w = fileWarnings(run({ 'a_1.jsonl': first, 'a_2.jsonl': copy }));
    expect(w).toEqual([
      'a_2.jsonl: none of its 100 records was written: the 14 that passed the stages before dedup were all duplicates of records kept from other inputs (dedup:exact 12, dedup:minhash 2); the other 86 were rejected before dedup (most as quality/zh_quality:min_chars: 60): is the file a copy of another input? (Relaxing a filter would not help: what passes the filters is kept from the other copy)',
    ]);
    const whole = { read: 100, written: 0, rejected: 100, reasons: { 'dedup/dedup:exact': 100 }, keysSeen: { text: 100 } };
    expect(fileWarnings(run({ 'a_1.jsonl': first, 'b.jsonl': whole }))[0]).toMatch(/^b\.jsonl: none of its 100 records was written: all 100 were duplicates of records kept from other inputs \(dedup:exact 100\): is the file a copy/);
  });

  it('keeps the top reason when a stage after dedup dropped records too, or dedup dropped none', async () => {
    const { fileWarnings } = await import('../../src/cli/report.js');
    const after = [...stages, { stage: 'pii', dropped: {}, counters: {} }];
    const mixed = { read: 100, written: 0, rejected: 100, reasons: { 'quality/zh_quality:min_chars': 90, 'dedup/dedup:exact': 5, 'pii/pii:too_many': 5 }, keysSeen: { text: 100 } };
    expect(fileWarnings(run({ 'a_1.jsonl': first, 'm.jsonl': mixed }, after))[0]).toMatch(/^m\.jsonl: none of its 100 records was written; 90 \(90\.0 %\) rejected as quality\/zh_quality:min_chars: /);
    const filtered = { read: 100, written: 0, rejected: 100, reasons: { 'quality/zh_quality:min_chars': 100 }, keysSeen: { text: 100 } };
    expect(fileWarnings(run({ 'a_1.jsonl': first, 'f.jsonl': filtered }))[0]).toMatch(/rejected as quality\/zh_quality:min_chars: .*relax it/);
  });
});
