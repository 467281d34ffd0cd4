import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/io/lines.js';

function split(text: Buffer, chunk: number, max = 1 << 20): { lines: string[]; long: number[] } {
  const lines: string[] = [];
  const long: number[] = [];
  const s = new LineSplitter(
    (b, st, en) => lines.push(b.toString('utf8', st, en)),
    (_h, n) => long.push(n),
    max,
  );
  for (let i = 0; i < text.length; i += chunk) s.push(text.subarray(i, i + chunk));
  s.end();
  return { lines, long };
}

describe('LineSplitter', () => {
  const text = Buffer.from('héllo wörld\r\n中文行\n\n😀 emoji\nlast without newline');
  const expected = ['héllo wörld', '中文行', '', '😀 emoji', 'last without newline'];
  for (let size = 1; size <= 12; size++) {
    it(`splits the same at chunk size ${size}, multi-byte characters split across chunks`, () => {
      expect(split(text, size).lines).toEqual(expected);
    });
  }

  it('does not make an empty last line from a final newline', () => {
    expect(split(Buffer.from('a\nb\n'), 3).lines).toEqual(['a', 'b']);
  });

  it('hands over only the head of a line longer than the limit, and goes on after it', () => {
    const big = Buffer.from('x'.repeat(5000) + '\nafter\n');
    for (const size of [7, 100, 6000]) {
      const r = split(big, size, 1000);
      expect(r.long).toEqual([5000]);
      expect(r.lines).toEqual(['after']);
    }
  });

  it('reports an unfinished last line through takePartial', () => {
    const s = new LineSplitter(() => {}, () => {});
    s.push(Buffer.from('done\npart'));
    expect(s.takePartial()?.toString()).toBe('part');
  });
});
