import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/stages/index.js';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

// New-user review 22 A6: named inputs are read in code-point order of their paths, not in the
// order given (`cat b1.jsonl a2.jsonl` printed a2 first), and only the README said so: `cat --help`
// said "sorted" for folders alone. Every command that takes inputs now says it, in one shared text.
describe('the order inputs are read in, in the help of every command that takes inputs', () => {
  it('cat, run, bench, export, dedup-disk and every stage command say it', async () => {
    const commands = ['cat', 'run', 'bench', 'export', 'dedup-disk', ...defaultRegistry().names()];
    const helps = await runCliAll(commands.map((c) => [c, '--help']));
    helps.forEach((h, i) => {
      expect(h.code, commands[i]).toBe(0);
      const text = h.stdout.replace(/\s+/g, ' ');
      expect(text, commands[i]).toContain('Files are read in the code-point order of their paths (made absolute; folders recursively, the same way), whatever order they are given in: part-10 before part-2');
      // Where stdin is read, piping is the way to an order of one's own; else joining into a file.
      expect(text, commands[i]).toContain(['run', 'bench', 'dedup-disk'].includes(commands[i]) ? 'join them into one file first' : 'pipe them in (cat b.jsonl a.jsonl | corpus-clean ...)');
    });
  }, 300_000);

  it('says what cat does: b1.jsonl given first is read after a2.jsonl, and piped in, in the order given', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'b1.jsonl'), '{"text":"B first given"}\n');
    writeFileSync(join(dir, 'a2.jsonl'), '{"text":"A second given"}\n');
    const named = await runCli(['cat', join(dir, 'b1.jsonl'), join(dir, 'a2.jsonl')]);
    expect(named.stdout.split('\n').filter(Boolean)).toEqual(['{"text":"A second given"}', '{"text":"B first given"}']);
    const piped = await runCli(['cat'], { input: '{"text":"B first given"}\n{"text":"A second given"}\n' });
    expect(piped.stdout.split('\n').filter(Boolean)).toEqual(['{"text":"B first given"}', '{"text":"A second given"}']);
  });

  it('bench refuses stdin (it reads its inputs several times)', async () => {
    const r = await runCli(['bench', '-', '--no-run'], { input: '{"text":"one"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bench reads its inputs several times, not stdin: give files or folders');
  });
});
