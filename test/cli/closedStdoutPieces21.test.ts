import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STDOUT_PIECE, stdoutPieces } from '../../src/io/writers/sharded.js';
import { CLI, tempDir } from '../helpers/run.js';
import { shStdout as sh } from '../helpers/spawn.js';

// Hostile review 21 G2 / new-user review 21 N3: after `| head -n 3000`, --stats said 'written 0'
// (and the error line 'after 0 written'): stdout was written in 1 MiB blocks, and a block the pipe
// took in part when its reader closed counted none of its lines.
describe('stdout closed by its reader: written counts what the pipe took, in pieces of 64 KiB', () => {
  it('head -n N: written is at least N less one piece, and read = written + rejected + on their way', async () => {
    const dir = await tempDir();
    const text = (i: number): string => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill the pipe before the reader goes` });
    await writeFile(join(dir, 'big.jsonl'), Array.from({ length: 40000 }, (_, i) => text(i)).join('\n') + '\n');
    const perPiece = Math.ceil(STDOUT_PIECE / (text(0).length + 1));
    for (const n of [3, 3000]) {
      const out = await sh(`node ${CLI} cat big.jsonl --stats s.json 2>err.txt | head -n ${n} | wc -l; echo "rc=\${PIPESTATUS[0]}"`, dir);
      expect(out).toMatch(new RegExp(`^${n}\\nrc=0\\n$`));
      const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')) as Record<string, number | boolean>;
      expect(s.output_closed).toBe(true);
      // The first piece fits in the empty pipe whole; the reader got N lines, so every piece
      // before the one holding line N was taken whole.
      expect(s.written as number).toBeGreaterThanOrEqual(Math.max(n - perPiece, Math.min(n, perPiece)));
      expect((s.written as number) + (s.rejected as number) + (s.on_their_way as number)).toBe(s.read);
    }
  });

  it('pieces: whole lines, at most 64 KiB unless one line is longer, in order', () => {
    const lines = [...Array.from({ length: 3000 }, (_, i) => `{"i":${i},"t":"${'é'.repeat(i % 50)}"}`), `{"long":"${'x'.repeat(200000)}"}`, '{"after":1}'];
    const block = Buffer.from(lines.join('\n') + '\n');
    const pieces = [...stdoutPieces(block)];
    expect(pieces.length).toBeGreaterThan(2);
    expect(Buffer.concat(pieces).equals(block)).toBe(true);
    for (const p of pieces) {
      expect(p[p.length - 1]).toBe(10);
      if (p.indexOf(10) < p.length - 1) expect(p.length).toBeLessThanOrEqual(STDOUT_PIECE);
    }
    const small = Buffer.from('{"a":1}\n{"a":2}\n');
    expect([...stdoutPieces(small)]).toEqual([small]);
  });
});
