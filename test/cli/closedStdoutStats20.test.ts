import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';
import { shStdout as sh } from '../helpers/spawn.js';

/** `corpus-clean ARGS | head -3`: the CLI's exit code, its stderr and the lines the reader got. */
async function throughHead(args: string, cwd: string): Promise<{ code: number; stderr: string; lines: string[] }> {
  const out = await sh(`node ${CLI} ${args} 2>err.txt | head -3; echo "rc=\${PIPESTATUS[0]}"`, cwd);
  const lines = out.trim().split('\n');
  return { code: Number(/rc=(\d+)/.exec(lines.pop()!)![1]), stderr: await readFile(join(cwd, 'err.txt'), 'utf8'), lines };
}

// Far more than a pipe holds (64 KiB), so the reader's close comes while records are on their way.
const line = (i: number): string => (i % 3 === 0 ? `{bad json ${i}` : JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill the pipe before the reader goes` }));

// Hostile review 20 F7: after `| head`, --stats said written = every record handed to stdout and
// `balanced: true` though the reader got 3 lines; and the exit was 0 with a third of what was read
// bad input, over --max-reject-rate (the same input to a file exits 1).
describe('stdout closed by its reader: the stats and the exit code', () => {
  it('the stats count as written only what stdout took; the rest are on their way; read = written + rejected + on their way', async () => {
    const dir = await tempDir();
    const good = Array.from({ length: 40000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill the pipe before the reader goes` })).join('\n') + '\n';
    await writeFile(join(dir, 'big.jsonl'), good);
    const r = await throughHead('cat big.jsonl --stats s.json', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.lines).toHaveLength(3);
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')) as Record<string, number | boolean>;
    expect(s.output_closed).toBe(true);
    const read = s.read as number;
    const written = s.written as number;
    const away = s.on_their_way as number;
    expect(read).toBeLessThan(40000);
    expect(away).toBeGreaterThan(0);
    expect(written).toBeLessThan(read);
    expect(written + (s.rejected as number) + away).toBe(read);
    expect(s.balanced).toBe(true);
  });

  it('bad input over --max-reject-rate among what was read: exit 1 with the error line, as to a file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'mixed.jsonl'), Array.from({ length: 40000 }, (_, i) => line(i)).join('\n') + '\n');
    const r = await throughHead('cat mixed.jsonl --stats s.json --rejects r.jsonl', dir);
    expect(r.lines).toHaveLength(3);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/corpus-clean cat: error: \d+ of \d+ records read were bad input \(33\.\d % > --max-reject-rate 0\.1\); stdout was closed by its reader after \d+ written/);
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')) as Record<string, number | boolean>;
    expect(s.bad_input_rate as number).toBeGreaterThan(0.3);
    expect((s.written as number) + (s.rejected as number) + (s.on_their_way as number)).toBe(s.read);
    const rejects = (await readFile(join(dir, 'r.jsonl'), 'utf8')).split('\n').filter(Boolean);
    expect(rejects).toHaveLength(s.rejected as number);
    // Under the rate: exit 0 without a word, as before.
    const ok = await throughHead('cat mixed.jsonl --max-reject-rate 0.5', dir);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
  });
});
