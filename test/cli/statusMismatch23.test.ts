import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 H4c: status of a run failed by the per-file MISMATCH (the totals add up, the
// files do not) said 'its counts do not add up: read 16 ≠ written 16 + rejected 0'. It names the files now.
describe('status of a run whose counts add up in all but not file by file', () => {
  it('names the files whose counts do not add up', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'mine.mjs'), "export default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', needsText: false, options: {}, async *run(batches) { for await (const b of batches) yield b.map((d) => ({ data: { ...d.data, x: 1 }, attrs: {} })); } }) };\n");
    const IN = Array.from({ length: 8 }, (_, i) => JSON.stringify({ text: `record number ${i} with a few words` })).join('\n') + '\n';
    await writeFile(join(dir, 'a.jsonl'), IN);
    await writeFile(join(dir, 'b.jsonl'), IN);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./mine.mjs\nmax_reject_rate: 1\noutput: {compression: none}\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-i', 'b.jsonl', '-o', 'out', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const s = await runCli(['status', 'out'], { cwd: dir });
    expect(s.stdout).toContain("it exited 1 because its counts do not add up file by file: 'a.jsonl' read 8 = written 0 + rejected 0, (no source) read 0 = written 16 + rejected 0, 'b.jsonl' read 8 = written 0 + rejected 0 (MISMATCH: the totals add up");
    expect(s.stdout).not.toContain('≠');
  });
});
