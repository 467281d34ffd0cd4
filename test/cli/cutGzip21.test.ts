import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, text: `record ${from + i} with a few words of text in it` })).join('\n') + '\n';
const counts = (stderr: string): string => /read \d+ = written \d+ \+ rejected \d+ \[[^\]]*\]/.exec(stderr)?.[0] ?? stderr;

// New-user review 20 F7: the same cut .gz counted 14623 records as a file and 14624 on stdin (its
// partial last line read as a whole one, and a damaged_input besides), and both said "kept what
// was verified before the damage" when nothing could be verified.
describe('a .gz cut before its first check', () => {
  it('counts the same records as a file and on stdin, and says nothing could be verified', async () => {
    const dir = await tempDir();
    const gz = gzipSync(lines(0, 20_000));
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    await writeFile(join(dir, 'cut.jsonl.gz'), cut);
    const file = await runCli(['cat', 'cut.jsonl.gz', '-o', 'a.jsonl', '--max-reject-rate', '1'], { cwd: dir });
    const stdin = await runCli(['cat', '-o', 'b.jsonl', '--max-reject-rate', '1'], { cwd: dir, input: cut });
    expect(file.code, file.stderr).toBe(1);
    expect(stdin.code, stdin.stderr).toBe(1);
    expect(counts(stdin.stderr)).toBe(counts(file.stderr));
    expect(stdin.stderr).toContain('error: -: unexpected end of file');
    expect(stdin.stderr).not.toContain('damaged_input');
    for (const r of [file, stdin]) {
      expect(r.stderr).toContain('nothing before the damage could be verified: its lines are all in the rejects as read/unverified');
      expect(r.stderr).not.toContain('kept what was verified');
    }
  });

  it('a whole first member before the cut one: what it verified is kept, and said so', async () => {
    const dir = await tempDir();
    const second = gzipSync(lines(100, 200));
    const input = Buffer.concat([gzipSync(lines(0, 100)), second.subarray(0, Math.floor(second.length / 2))]);
    const stdin = await runCli(['cat', '-o', 'b.jsonl', '--max-reject-rate', '1'], { cwd: dir, input });
    expect(stdin.code, stdin.stderr).toBe(1);
    expect(stdin.stderr).toMatch(/read \d+ = written 100 \+ rejected \d+ \[read\/unverified \d+\]/);
    expect(stdin.stderr).toContain('kept what was verified before the damage');
  });
});
