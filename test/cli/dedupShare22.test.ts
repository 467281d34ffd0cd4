import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { share } from '../../src/cli/report.js';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 22 H7: dedup-disk's per-file warning said "100.0 % of its 20000 records were
// rejected ... the file repeats records already kept from other files" when 9 were kept and the
// copies were of the file's own records. The in-memory dedup shares the warning (and the defect).
// Now the share is never rounded to 100 when some were kept, and the words say "this file or others"
// unless none of the file's records was kept (then every kept copy is in another file).
describe("a file deduplicated against itself: the per-file warning's share and words (H7)", () => {
  it('dedup and dedup-disk: 99.98 % of 4000, kept "from this file or from others"', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'a.jsonl'), `${JSON.stringify({ text: 'the same words again and again in this one record' })}\n`.repeat(4000));
    await writeFile(join(d, 'b.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `${'abcdefghij'[i % 10]}${i} unlike any other ${i * 7919} record ${'xyz'.repeat(i % 5)}` })).join('\n') + '\n');
    const runs = [
      ['dedup', ['dedup', '--exact', 'a.jsonl', 'b.jsonl', '-o', 'o1.jsonl'], 'dedup/dedup:exact'],
      ['dedup-disk', ['dedup-disk', 'a.jsonl', 'b.jsonl', '-o', 'o2.jsonl', '--work', 'wk', '-w', '1'], 'dedup/dedup:minhash'],
    ] as const;
    for (const [cmd, args, reason] of runs) {
      const r = await runCli([...args], { cwd: d });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('a.jsonl: read 4000 = written 1 + rejected 3999');
      expect(r.stderr).toContain(`corpus-clean ${cmd}: warning: a.jsonl: 99.98 % of its 4000 records were rejected as ${reason}: the file repeats records kept from this file or from others (copies within it, or sources that overlap)\n`);
      expect(r.stderr).not.toContain('100.0 %');
    }
  });

  it('share: one decimal, more only where one would say 100 or 0 of what is not', () => {
    expect(share(19991, 20000)).toBe('99.96');
    expect(share(3999, 4000)).toBe('99.98');
    expect(share(999999, 1000000)).toBe('99.9999');
    expect(share(11, 12)).toBe('91.7');
    expect(share(1998, 2000)).toBe('99.9');
    expect(share(20, 20)).toBe('100');
    expect(share(1, 100000)).toBe('0.001');
  });
});
