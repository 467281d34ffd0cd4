import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * `run` with a chunking stage of one's own (one record -> several, each made with deriveDoc):
 * it ended in a MISMATCH, exit 1 ('1 -> N is not counted yet'). The pieces after the first are
 * counted as made: 'read 6 + made 15 = written 21 + rejected 0', exit 0, per file too.
 */
describe("run: a stage of one's own that makes several records from one", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const lib = JSON.stringify(join(ROOT, 'dist/index.js'));
    await writeFile(
      join(dir, 'chunk.mjs'),
      `import { deriveDoc } from ${lib};\nexport default { name: 'chunk', summary: 'one record per word', options: {}, create: () => ({ name: 'chunk', needsText: true, options: {}, async *run(batches) { for await (const b of batches) yield b.flatMap((d) => String(d.data.text).split(' ').map((w) => deriveDoc(d, { text: w }))); } }) };\n`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./chunk.mjs\noutput: {compression: none}\n');
    // a: 1 + 2 + 3 words; b: 4 + 5 + 6 words.
    // Padded so that each file is a task of its own with --task-size 1KiB.
    const words = (n: number): string => JSON.stringify({ text: Array.from({ length: n }, (_, j) => `w${j}`).join(' '), pad: 'p'.repeat(400) }) + '\n';
    await writeFile(join(dir, 'a.jsonl'), words(1) + words(2) + words(3));
    await writeFile(join(dir, 'b.jsonl'), words(4) + words(5) + words(6));
  });

  it('-w 1: the run line and the file lines say made; exit 0', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/corpus-clean run: read 6 \+ made 15 = written 21 \+ rejected 0 in /);
    expect(r.stderr).toContain('  a.jsonl: read 3 + made 3 = written 6 + rejected 0\n');
    expect(r.stderr).toContain('  b.jsonl: read 3 + made 12 = written 15 + rejected 0\n');
    // One task: the run's _stats.json says made at the top too (it was only per file), and the
    // report counts it: no 'MISMATCH: read ≠ written + rejected' beside 6 + 15 = 21 + 0.
    const s = JSON.parse(await readFile(join(dir, 'o1/_stats.json'), 'utf8')) as { made?: number; balanced: boolean };
    expect([s.made, s.balanced]).toEqual([15, true]);
    const html = await readFile(join(dir, 'o1/_report.html'), 'utf8');
    expect(html).not.toContain('MISMATCH');
    expect(html).toContain('<th>made</th><td>15 (records stages made from those read)</td>');
  });

  it('-w 2 over several tasks: _stats.json says made, balanced', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'o2', '-w', '2', '--task-size', '1KiB'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'o2/_stats.json'), 'utf8')) as { read: number; made: number; written: number; balanced: boolean; perFile: Record<string, { made?: number }> };
    expect([s.read, s.made, s.written, s.balanced]).toEqual([6, 15, 21, true]);
    expect(s.perFile['b.jsonl'].made).toBe(12);
  });
});
