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

  it('keepsChunks: a line split across chunks keeps views of them until its end, joined once (no copy of each part first)', () => {
    const got: Buffer[] = [];
    const s = new LineSplitter((buf, start, end) => void got.push(buf.subarray(start, end)), () => {}, undefined, undefined, true);
    const a = Buffer.from('{"a":1}\n{"tex');
    const b = Buffer.from('t":"x"}\n');
    s.push(a);
    s.push(Buffer.from('\n').subarray(0, 0));
    s.push(b.subarray(0, 7));
    s.push(b.subarray(7));
    expect(got.map(String)).toEqual(['{"a":1}', '{"text":"x"}']);
    // The start of a line that ends right at the next chunk's first byte is the first chunk itself.
    const views: Buffer[] = [];
    const t = new LineSplitter((buf, start, end) => void views.push(buf.subarray(start, end)), () => {}, undefined, undefined, true);
    // (not from Node's shared pool of small buffers, which a copy could come from too)
    const c = Buffer.alloc(15, '{"a":1}\n{"b":2}');
    t.push(c);
    t.push(Buffer.from('\n{"c":3}\n'));
    expect(views.map(String)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(views[1].buffer).toBe(c.buffer);
    expect(views[1].byteOffset).toBe(c.byteOffset + 8);
  });
});
