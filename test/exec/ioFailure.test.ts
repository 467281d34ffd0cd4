import { existsSync } from 'node:fs';
import { cp, readFile, rm } from 'node:fs/promises';
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
    const first = await runCli(['run', 'rules/recipes/sample.yaml', '-i', join(dir, 'in'), '-o', out, '-q', '-w', '1'], { env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/1' } });
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
});
