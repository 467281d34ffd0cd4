import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fewTasksNote, planTasks } from '../../src/exec/plan.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 10 #19: web/zh (23 MB) was one task under the 64 MiB task size `paragraphs`
// sets, so one of two workers did every task phase, and nothing said so.
let dir: string;
let plain: string;
let gz: string;
const MiB = 1024 * 1024;

beforeAll(async () => {
  dir = await tempDir();
  // ~3.9 MB of records of random text (so that gzip keeps it ~3 MB: a compressed file is read whole).
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(JSON.stringify({ id: i, text: randomBytes(960).toString('base64') }));
  const body = lines.join('\n') + '\n';
  plain = join(dir, 'a.jsonl');
  gz = join(dir, 'b.jsonl.gz');
  await writeFile(plain, body);
  await writeFile(gz, gzipSync(body));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fewer tasks than workers', () => {
  it('is said in one line naming the task size, what set it, and a --task-size that splits the input', async () => {
    const tasks = await planTasks([plain], 'jsonl', 64 * MiB);
    expect(tasks.length).toBe(1);
    const note = await fewTasksNote([plain], 'jsonl', tasks, 2, 64 * MiB, 'that `paragraphs` sets');
    expect(note).toMatch(/^1 task for 2 workers \(1 idle in every task phase\): the input \(3\.\d MB\) is planned under the 64 MiB task size that `paragraphs` sets; --task-size 1MiB plans 4 tasks$/);
    // Enough tasks, or an input under 1 MiB per worker to be worth cutting: nothing.
    expect(await fewTasksNote([plain], 'jsonl', tasks, 1, 64 * MiB, 'x')).toBeUndefined();
    expect(await fewTasksNote([plain], 'jsonl', tasks, 5, 64 * MiB, 'x')).toBeUndefined();
    // A compressed file is read whole: no --task-size splits it, and the line says so.
    const gzTasks = await planTasks([gz], 'jsonl', 64 * MiB);
    expect(await fewTasksNote([gz], 'jsonl', gzTasks, 2, 64 * MiB, 'x')).toMatch(/; its files cannot be cut smaller \(a compressed file/);
  });

  it('run prints it on stderr (not with -q)', async () => {
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: r\nstages:\n  - normalize: {}\noutput: {compression: none}\n');
    const r = await runCli(['run', recipe, '-i', plain, '-o', join(dir, 'out'), '--workers', '2', '--worker-kind', 'thread', '--task-size', '64MiB']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/corpus-clean run: note: 1 task for 2 workers \(1 idle in every task phase\): .* the 64 MiB task size given by --task-size; --task-size 1MiB plans 4 tasks\n/);
  }, 60_000);
});
