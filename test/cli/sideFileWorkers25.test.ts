import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 24 H1 (its list half): a url-filter block list edited while a run worked was read
// by the workers built after the edit: one run applied each list to part of its records, rc 0,
// _SUCCESS. A process that builds the plan's stages (a worker, `task`) now checks the files each
// stage read as it was built against the plan's SHA-256, and fails the unit naming the file. The
// edit "while the run works" is made by a stage of the recipe built before url-filter, as it is
// built (REWRITE_LIST), so that it falls between the task's own check of the plan's files and
// url-filter's read of its list every time.
describe('a list edited while a run works is not applied beside the planned one', { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'block.txt'), 'a.example\n');
    await writeFile(
      join(dir, 'ed.mjs'),
      `import { writeFileSync } from 'node:fs';\nexport default { name: 'ed', summary: 'x', options: {}, create: () => { if (process.env.REWRITE_LIST === '1') writeFileSync('block.txt', 'b.example\\n'); return { name: 'ed', async *run(batches) { for await (const b of batches) { if (process.env.THROW_ON === '1' && b.some((d) => String(d.data.text).includes('THROWME'))) throw new Error('boom'); yield b; } } }; } };\n`,
    );
    const lines = (f: string, mark?: number): string => Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `${i === mark ? 'THROWME ' : ''}record number ${i} of ${f}`, url: `https://${'ab'[i % 2]}.example/${i}` })).join('\n') + '\n';
    await writeFile(join(dir, 'a.jsonl'), lines('a'));
    await writeFile(join(dir, 'b.jsonl'), lines('b', 0));
    await writeFile(join(dir, 'r.yaml'), 'name: h1\nstages:\n  - module: ./ed.mjs\n  - url-filter:\n      block: [block.txt]\nmax_reject_rate: 1\noutput: {compression: none}\n');
  });

  it('task: the block list changed after the task checked it, before url-filter read it: the unit fails naming it', async () => {
    const first = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-i', 'b.jsonl', '-o', 'o', '-w', '1', '--task-size', '1KiB'], { cwd: dir, env: { THROW_ON: '1' } });
    expect(first.code, first.stderr).toBe(1);
    const m = /task (\d+) of phase 0-tasks \(b\.jsonl/.exec(first.stderr);
    expect(m, first.stderr).not.toBeNull();
    const task = await runCli(['task', 'o', '--phase', '0', '--unit', m![1]], { cwd: dir, env: { REWRITE_LIST: '1' } });
    expect(await readFile(join(dir, 'block.txt'), 'utf8')).toBe('b.example\n');
    expect(task.code, task.stderr).toBe(1);
    expect(task.stderr).toContain(`the block file of url-filter '${join(dir, 'block.txt')}' is not the file the run was planned with (its content changed since the run began, or it is gone)`);
    expect(existsSync(join(dir, `o/_done/0-tasks/${m![1]}`))).toBe(false);
  });
});
