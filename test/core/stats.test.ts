import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanced, emptyFileStats, emptyRunStats, emptySummary, mergeRunStats, mergeSummary, observe, pairKeys, unbalancedFiles } from '../../src/core/stats.js';

describe('stats merge', () => {
  it('merging summaries of two halves equals the summary of the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.nat(), (xs, cut) => {
        const k = cut % (xs.length + 1);
        const a = emptySummary();
        const b = emptySummary();
        const all = emptySummary();
        xs.forEach((x, i) => {
          observe(i < k ? a : b, x);
          observe(all, x);
        });
        const m = mergeSummary(a, b);
        expect(m.n).toBe(all.n);
        expect(m.min).toBe(all.min);
        expect(m.max).toBe(all.max);
        expect(m.mean).toBeCloseTo(all.mean, 6);
        expect(m.m2 / Math.max(1, m.n)).toBeCloseTo(all.m2 / Math.max(1, all.n), 3);
      }),
    );
  });

  it('0 and -0 in either half: the merged min and max are those of the whole (fast-check once found [0, 5e-324, -0, 0])', () => {
    for (const [xs, k] of [[[0, 5e-324, -0, 0], 2], [[-0, 0], 1], [[0, -0], 1]] as [number[], number][]) {
      const a = emptySummary();
      const b = emptySummary();
      const all = emptySummary();
      xs.forEach((x, i) => {
        observe(i < k ? a : b, x);
        observe(all, x);
      });
      const m = mergeSummary(a, b);
      expect(Object.is(m.min, all.min), String(xs)).toBe(true);
      expect(Object.is(m.max, all.max), String(xs)).toBe(true);
    }
  });

  it('adds run stats of two tasks', () => {
    const a = emptyRunStats(['q']);
    const b = emptyRunStats(['q']);
    a.read = 3; a.written = 2; a.rejected = 1; a.stages[0].dropped = { 'q:x': 1 };
    b.read = 4; b.written = 4; b.stages[0].dropped = { 'q:y': 2 };
    const m = mergeRunStats(a, b);
    expect([m.read, m.written, m.rejected]).toEqual([7, 6, 1]);
    expect(m.stages[0].dropped).toEqual({ 'q:x': 1, 'q:y': 2 });
    expect(() => mergeRunStats(a, emptyRunStats([]))).toThrow();
  });
});

describe('per-file stats', () => {
  it('merge by adding, for files in either task', () => {
    const a = emptyRunStats([]);
    const b = emptyRunStats([]);
    a.perFile = { x: { read: 3, bytes: 30, written: 2, rejected: 1, reasons: { 'read/json_parse': 1 }, keysSeen: {} } };
    b.perFile = {
      x: { read: 1, bytes: 10, written: 0, rejected: 1, reasons: { 'read/text_missing': 1 }, keysSeen: { raw_content: 1 } },
      y: { read: 2, bytes: 5, written: 2, rejected: 0, reasons: {}, keysSeen: {} },
    };
    const m = mergeRunStats(a, b);
    expect(m.perFile.x).toEqual({ read: 4, bytes: 40, written: 2, rejected: 2, reasons: { 'read/json_parse': 1, 'read/text_missing': 1 }, keysSeen: { raw_content: 1 } });
    expect(m.perFile.y.read).toBe(2);
    expect(Object.keys(m.perFile)).toEqual(['x', 'y']);
  });
});

describe('pairKeys', () => {
  it('joins a pair once and gives back that same string, for any names', () => {
    const key = pairKeys('/');
    const a = key('quality', 'zh_quality:min_chars');
    expect(a).toBe('quality/zh_quality:min_chars');
    expect(key('quality', 'zh_quality:min_chars')).toBe(a);
    expect(key('quality', 'x')).toBe('quality/x');
    expect(key('read', '__proto__')).toBe('read/__proto__');
    expect(key('constructor', 'toString')).toBe('constructor/toString');
    // past what it remembers, still the right string
    for (let i = 0; i < 12_000; i++) expect(key(`s${i % 50}`, `r${i}`)).toBe(`s${i % 50}/r${i}`);
    expect(key('quality', 'zh_quality:min_chars')).toBe('quality/zh_quality:min_chars');
  });
});

// Hostile review 22 H4: the totals added up while no file's own sums did (records of a custom
// stage counted under `(no source)`): balanced was true.
describe('balanced', () => {
  const file = (read: number, written: number, rejected: number) => ({ ...emptyFileStats(), read, written, rejected });
  it('checks each file as well as the totals', () => {
    const s = { ...emptyRunStats([]), read: 10, written: 10, rejected: 0 };
    s.perFile = { 'a.jsonl': file(6, 6, 0), 'b.jsonl': file(4, 3, 1) };
    s.rejected = 1;
    s.written = 9;
    expect(balanced(s)).toBe(true);
    s.perFile = { 'a.jsonl': file(6, 0, 0), 'b.jsonl': file(4, 0, 0), '(no source)': file(0, 9, 1) };
    expect(unbalancedFiles(s)).toEqual(['a.jsonl', 'b.jsonl', '(no source)']);
    expect(balanced(s)).toBe(false);
    s.perFile = { 'a.jsonl': file(6, 5, 0), 'other.jsonl': file(0, 1, 0), 'b.jsonl': file(4, 3, 1) };
    expect(unbalancedFiles(s)).toEqual(['a.jsonl', 'other.jsonl']);
    expect(balanced(s)).toBe(false);
    s.written = 10;
    expect(balanced(s)).toBe(false);
  });
  it('a source in code that names no file (no per-file reads) is judged by its totals', () => {
    const s = { ...emptyRunStats([]), read: 3, written: 2, rejected: 1 };
    s.perFile = { 'memory': file(0, 2, 1) };
    expect(unbalancedFiles(s)).toEqual([]);
    expect(balanced(s)).toBe(true);
  });
});
