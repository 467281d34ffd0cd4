import { existsSync } from 'node:fs';
import { appendFile, cp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFiles } from '../../src/io/readers/index.js';
import { drain, ROOT, runCli, tempDir } from '../helpers/run.js';

// An input that cannot be read because of the file system (it vanished mid-run: ENOENT; EIO;
// EACCES) is not damaged data: the task fails (no marker, nothing downstream, a rerun redoes it).
// Before, the reader called it damage, the task was marked done with "read 0", and the run was
// marked finished (_SUCCESS) with a whole input missing (review F12).

describe('an input the file system cannot read', () => {
  it('the readers throw it on instead of calling it damage', async () => {
    for (const name of ['gone.jsonl', 'gone.jsonl.gz', 'gone.txt', 'gone.csv', 'gone.json', 'gone.html', 'gone.warc', 'gone.parquet']) {
      await expect(drain(readFiles([join(ROOT, 'fixtures', name)])), name).rejects.toThrow(/ENOENT/);
    }
  });

  it('a task whose input vanished fails, leaves no marker, and the rerun of the task redoes it', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'fixtures/sample'), join(dir, 'in'), { recursive: true });
    const out = join(dir, 'out');
    // Stop the run at task 1 so the plan exists with task 0 done.
    const first = await runCli(['run', 'rules/recipes/sample.yaml', '-i', join(dir, 'in'), '-o', out, '-q', '-w', '1', '--task-size', '200KB'], { env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/1' } });
    expect(first.code).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { tasks: { file: string }[] };
    const file = plan.tasks[1].file;
    await rm(file);
    const task = await runCli(['task', out, '--phase', '0', '--unit', '1']);
    expect(task.code).toBe(1);
    expect(task.stderr).toMatch(/ENOENT/);
    expect(existsSync(join(out, '_done', '0-tasks', '00001'))).toBe(false);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
  });

  it('a task whose input shrank (or changed) since the run planned it fails, naming the file and both sizes (was: its records silently missing, exit 0)', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'fixtures/sample'), join(dir, 'in'), { recursive: true });
    const out = join(dir, 'out');
    const first = await runCli(['run', 'rules/recipes/sample.yaml', '-i', join(dir, 'in'), '-o', out, '-q', '-w', '1', '--task-size', '40KB'], { env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/1' } });
    expect(first.code).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { tasks: { file: string; start?: number }[] };
    // A byte-range task of a file cut into several: the file is truncated before that range.
    const u = plan.tasks.findIndex((t, i) => i > 0 && t.start !== undefined && t.start > 0);
    expect(u).toBeGreaterThan(0);
    await truncate(plan.tasks[u].file, plan.tasks[u].start! - 10);
    const task = await runCli(['task', out, '--phase', '0', '--unit', String(u)]);
    expect(task.code).toBe(1);
    expect(task.stderr).toMatch(/input '.*' changed while the run used it \(\d+ bytes when planned, \d+ now\)/);
    expect(existsSync(join(out, '_done', '0-tasks', String(u).padStart(5, '0')))).toBe(false);
    // A whole-file task whose file was appended to: the same.
    const w = plan.tasks.findIndex((t, i) => i > 0 && t.start === undefined);
    if (w > 0) {
      await appendFile(plan.tasks[w].file, '{"text": "late"}\n');
      const t2 = await runCli(['task', out, '--phase', '0', '--unit', String(w)]);
      expect(t2.code).toBe(1);
      expect(t2.stderr).toMatch(/changed while the run used it/);
    }
  });
  it('a run whose input shrinks while it reads says once what to do: --overwrite, not "run the same command again to resume" too', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ text: `record ${i} `.repeat(20) })).join('\n') + '\n');
    // A stage of the test's own that cuts the input short as the first batch passes it.
    await writeFile(join(dir, 'cut.mjs'), `import { truncateSync } from 'node:fs';\nlet done = false;\nexport default { name: 'cut', summary: 'cuts the input', options: {}, create: () => ({ name: 'cut', needsText: false, options: {}, async *run(b) { for await (const x of b) { if (!done) { done = true; truncateSync(${JSON.stringify(input)}, 100); } yield x; } } }) };\n`);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./cut.mjs\n');
    for (const workers of ['1', '2']) {
      await writeFile(input, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ text: `record ${i} `.repeat(20) })).join('\n') + '\n');
      const r = await runCli(['run', join(dir, 'r.yaml'), '-i', input, '-o', join(dir, `out${workers}`), '-q', '-w', workers], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/changed while the run used it .*run again with --overwrite once it is complete/);
      expect(r.stderr).not.toMatch(/run the same command again/);
      expect(r.stderr).toMatch(/corpus-clean run: the run stopped\n/);
    }
  });
});
