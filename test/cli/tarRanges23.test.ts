import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// fix22c's note: an uncompressed tar named x.jsonl in a folder was cut into byte ranges (the plan
// judged it plain JSONL by its first 4 bytes): the first range refused it as an archive, the later
// ranges read its members' lines as records (read 33384 of one such tar). It is one task now,
// refused whole: nothing of it read.
describe('a tar archive under a JSONL name, in a folder', () => {
  it('is one task and refused whole, however small --task-size is', async () => {
    const dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `member record ${i} with enough words to be a line` }) + '\n';
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 4000 }, (_, i) => line(i)).join(''));
    await mkdir(join(dir, 'd'));
    expect(spawnSync('tar', ['cf', 'd/x.jsonl', 'a.jsonl'], { cwd: dir }).status).toBe(0);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'd', '-o', 'out', '--task-size', '64KiB', '--max-reject-rate', '1', '-w', '1'], { cwd: dir });
    expect(run.stderr).toContain("d/x.jsonl: a tar archive, found by its content: an archive is not read");
    expect(run.stderr).toMatch(/read 1 = written 0 \+ rejected 1 \[read\/damaged_input 1\]/);
    const plan = JSON.parse(await readFile(join(dir, 'out/_plan.json'), 'utf8'));
    expect(plan.tasks).toHaveLength(1);
    expect(plan.tasks[0].start).toBeUndefined();
  });
});
