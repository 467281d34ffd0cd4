import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandInputs, type SkippedInput } from '../../src/io/inputs.js';
import { runCliAll, tempDir } from '../helpers/run.js';

// New-user review 23b C9: a folder read passes over names beginning with '_' or '.' (run files,
// temporaries) without a word, so a user's own 'mix2/_2024/' of data was never read and nothing
// said so. A '_' or '.' folder holding data files is now named in one note (not a warning: the
// command does not fail); a run's or output's own folders and hidden folders with no data are not.

const REC = '{"text":"a record"}\n';
let dir = '';

beforeAll(async () => {
  dir = await tempDir();
  const mix = join(dir, 'mix');
  for (const d of ['_2024', 'sub/.cache', '.git', '_empty', 'done', '.o.earlier-123']) await mkdir(join(mix, d), { recursive: true });
  await writeFile(join(mix, 'a.jsonl'), REC);
  await writeFile(join(mix, '_2024', 'b.jsonl'), REC);
  await writeFile(join(mix, 'sub', '.cache', 'c.jsonl'), REC);
  await writeFile(join(mix, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(mix, '.o.earlier-123', 'd.jsonl'), REC);
  // A finished output folder read as an input: its own '_' folders are its business.
  await writeFile(join(mix, 'done', '_SUCCESS'), '{}\n');
  await mkdir(join(mix, 'done', '_work'));
  await writeFile(join(mix, 'done', '_work', 'seg.jsonl'), REC);
  await writeFile(join(mix, 'done', 'out.jsonl'), REC);
  // A folder holding nothing but a '_' folder of data.
  await mkdir(join(dir, 'only'));
  await cp(join(mix, '_2024'), join(dir, 'only', '_2024'), { recursive: true });
  await mkdir(join(dir, 'plain'));
  await writeFile(join(dir, 'plain', 'a.jsonl'), REC);
  await mkdir(join(dir, 'plain', '.git'));
  await writeFile(join(dir, 'plain', '.git', 'HEAD'), 'x\n');
});

describe("'_' and '.' folders of a folder input", () => {
  it('the ones holding data files are named in one skipped entry that is not lost; output folders, .git and empty ones are not', async () => {
    const skipped: SkippedInput[] = [];
    const files = await expandInputs([join(dir, 'mix')], skipped);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['mix/a.jsonl', 'mix/done/out.jsonl']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ name: join(dir, 'mix/_2024'), hidden: true });
    expect(skipped[0].reason).toBe(`it holds data files ('${join(dir, 'mix/_2024/b.jsonl')}'), as does '${join(dir, 'mix/sub/.cache')}', but a folder whose name begins with '_' or '.' is passed over when the folder above it is read (run files, temporaries); to read one, give it as an input of its own or rename it`);
    const none: SkippedInput[] = [];
    await expandInputs([join(dir, 'plain')], none);
    expect(none).toEqual([]);
  });

  it('on the command line: a note (exit 0), and the folder holding only such a folder says why none was found', async () => {
    const [cat, only] = await runCliAll(
      [
        ['cat', 'mix', '-o', 'out.jsonl'],
        ['cat', 'only', '-o', 'out2.jsonl'],
      ],
      { cwd: dir },
    );
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stderr).toContain("corpus-clean cat: note: skipped 'mix/_2024': it holds data files ('mix/_2024/b.jsonl'), as does 'mix/sub/.cache'");
    expect(cat.stderr).not.toContain('warning');
    expect(only.code).toBe(2);
    expect(only.stderr).toContain("in directory 'only' ('only/_2024' was passed over: it holds data files ('only/_2024/b.jsonl')");
  });
});
