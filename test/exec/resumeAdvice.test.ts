import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderProblem } from '../../src/exec/markers.js';
import { tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A folder as an interrupted planned command leaves it: `_plan.json` (of `name`), `_work/` with the recorded command when given. */
async function unfinished(name: string, argv?: string[]): Promise<string> {
  const dir = await tempDir();
  dirs.push(dir);
  await writeFile(join(dir, '_plan.json'), JSON.stringify({ name }));
  await mkdir(join(dir, '_work'));
  if (argv !== undefined) await writeFile(join(dir, '_work', 'command.json'), JSON.stringify({ cwd: process.cwd(), argv }));
  return dir;
}

describe('the advice for reading an unfinished run folder names the command that wrote it (hostile review 6 F8)', () => {
  it('the recorded command line, else dedup-disk or run by the plan', async () => {
    const advice = async (name: string, argv?: string[]): Promise<string> => {
      const dir = await unfinished(name, argv);
      return folderProblem(dir, ['_plan.json', '_work'], 'all')?.message ?? '';
    };
    expect(await advice('dedup-disk', ['dedup-disk', 'in', '--work', 'in/w', '-o', 'dd5.jsonl'])).toContain("finish it with the command that wrote it (corpus-clean dedup-disk in --work in/w -o dd5.jsonl) again (it resumes)");
    expect(await advice('dedup-disk')).toMatch(/finish it with the same 'corpus-clean dedup-disk' command \(--work '.*'\) again \(it resumes\)/);
    expect(await advice('r')).toContain("finish it with 'corpus-clean run' again (it resumes)");
  });
});
