import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputs } from '../../src/io/outputs.js';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #10, session 10 (outputs): every file a command writes is refused where it would destroy
// or later be read as an input.

let dir: string;
const records = Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i} is here` })).join('\n') + '\nnot json\n';

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'd1'));
  await writeFile(join(dir, 'd1/a.jsonl'), records);
});

/** The usage error checkOutputs throws for this plan, or '' when it accepts it. */
async function refusal(plan: Partial<Parameters<typeof checkOutputs>[0]>): Promise<string> {
  try {
    await checkOutputs({ inputs: [join(dir, 'd1/a.jsonl')], output: join(dir, 'o.jsonl'), folder: false, sharded: false, roots: [join(dir, 'd1')], overwrite: true, ...plan });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('--rejects and --stats inside an input folder (hostile review 7 F18)', () => {
  it('are refused as -o is: the next read of the folder would take them as input', async () => {
    expect(await refusal({ rejects: join(dir, 'd1/r.jsonl') })).toContain(`--rejects '${join(dir, 'd1/r.jsonl')}' lies inside the input folder`);
    expect(await refusal({ stats: join(dir, 'd1/sub/s.json') })).toContain(`--stats '${join(dir, 'd1/sub/s.json')}' lies inside the input folder`);
    // Beside the folder, or a device: accepted.
    expect(await refusal({ rejects: join(dir, 'r.jsonl'), stats: '/dev/null' })).toBe('');
  });

  it('quality d1 --rejects d1/r.jsonl: exit 2 before reading, d1 untouched', async () => {
    const r = await runCli(['quality', 'd1', '-o', 'q.jsonl', '--rejects', 'd1/r.jsonl', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--rejects 'd1/r.jsonl' lies inside the input folder 'd1'");
    expect(await readdir(join(dir, 'd1'))).toEqual(['a.jsonl']);
    expect(await readFile(join(dir, 'd1/a.jsonl'), 'utf8')).toBe(records);
  });
});

describe('a file a stage reads named as an output (hostile review 7 F2)', () => {
  it('is refused as an input is, for -o, --rejects and --stats; a folder output holding it is not', async () => {
    const list = join(dir, 'bl.jsonl');
    await writeFile(list, 'example.com\n');
    const reads = [{ path: list, what: 'the block file of url-filter' }];
    expect(await refusal({ output: list, reads })).toContain(`--output '${list}' is also an input (the block file of url-filter); writing it would destroy the input`);
    expect(await refusal({ rejects: join(dir, './bl.jsonl'), reads })).toContain('is also an input (the block file of url-filter)');
    expect(await refusal({ stats: list, reads })).toContain('is also an input (the block file of url-filter)');
    expect(await refusal({ output: join(dir, 'out') + '/', folder: true, reads })).toBe('');
    // A name that is no file (repair's built-in schema 'wanjuan-cc') is not compared.
    expect(await refusal({ reads: [{ path: 'o.jsonl', what: 'the schema file of repair' }] })).toBe('');
  });

  it('the stages say which files they read, and url-filter --block bl.jsonl -o bl.jsonl --overwrite is exit 2, the list kept', async () => {
    const { flaggedWordsStage } = await import('../../src/stages/flagged-words/flaggedWords.js');
    const { filesReadBy, StageRegistry } = await import('../../src/core/registry.js');
    const words = join(dir, 'words.txt');
    await writeFile(words, 'badword\n');
    const registry = new StageRegistry([flaggedWordsStage]);
    expect(filesReadBy(await registry.create('flagged-words', { extraLists: [words] }))).toEqual([{ path: words, what: 'the extra_lists file of flagged-words' }]);
    expect(filesReadBy(await registry.create('flagged-words', {}))).toEqual([]);
    await writeFile(join(dir, 'bl2.jsonl'), 'example.com\n');
    const r = await runCli(['url-filter', 'd1/a.jsonl', '--block', 'bl2.jsonl', '-o', 'bl2.jsonl', '--overwrite', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--output 'bl2.jsonl' is also an input (the block file of url-filter)");
    expect(await readFile(join(dir, 'bl2.jsonl'), 'utf8')).toBe('example.com\n');
  });
});
