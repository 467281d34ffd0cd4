import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputs } from '../../src/io/outputs.js';
import { fiveRecords, outputsRefusal } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 20 (fix20d): outputs in folders the input walk enters through a link.

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'd1'));
  await writeFile(join(dir, 'd1/a.jsonl'), fiveRecords(false));
  // sy/deep/d1abs -> d1 (absolute): the walk of sy enters d1.
  await mkdir(join(dir, 'sy/deep'), { recursive: true });
  await symlink(join(dir, 'd1'), join(dir, 'sy/deep/d1abs'));
});

const refusal = (plan: Partial<Parameters<typeof checkOutputs>[0]>): Promise<string> => outputsRefusal({ inputs: [join(dir, 'sy/deep/d1abs/a.jsonl')], output: join(dir, 'o.jsonl'), roots: [join(dir, 'sy')] }, plan);

describe('an output in a folder the input walk enters through a symbolic link (hostile review 20 F10)', () => {
  it('-o, --rejects and --stats are refused as inside the input folder', async () => {
    const via = `'${join(dir, 'sy/deep/d1abs')}' (a link to '${join(dir, 'd1')}'), a folder the walk of the input folder '${join(dir, 'sy')}' enters`;
    expect(await refusal({ output: join(dir, 'd1/o.jsonl') })).toContain(`--output '${join(dir, 'd1/o.jsonl')}' lies inside ${via}`);
    expect(await refusal({ output: join(dir, 'd1/sub/'), folder: true })).toContain('lies inside');
    expect(await refusal({ rejects: join(dir, 'd1/r.jsonl') })).toContain(`--rejects '${join(dir, 'd1/r.jsonl')}' lies inside ${via}`);
    expect(await refusal({ stats: join(dir, 'd1/s.json') })).toContain(`--stats '${join(dir, 'd1/s.json')}' lies inside ${via}`);
    expect(await refusal({})).toBe('');
  });

  it('cat and run refuse it before writing, so the next read does not take the output twice', async () => {
    const cat = await runCli(['cat', join(dir, 'sy'), '-o', join(dir, 'd1/o3.jsonl')]);
    expect(cat.stderr).toContain('lies inside');
    expect(cat.code).toBe(2);
    await writeFile(join(dir, 'rec.yaml'), 'name: t\nstages:\n  - normalize: {}\n');
    const run = await runCli(['run', join(dir, 'rec.yaml'), '-i', join(dir, 'sy'), '-o', join(dir, 'd1/out')]);
    expect(run.stderr).toContain('lies inside');
    expect(run.code).toBe(2);
    expect((await readdir(join(dir, 'd1'))).sort()).toEqual(['a.jsonl']);
  });
});

describe('-o DIR/ --overwrite and shard-named files corpus-clean did not write (hostile review 20 F5)', () => {
  const input = (): string => join(dir, 'd1/a.jsonl');
  it('a folder of part-NNNNN files without a manifest is left alone, with or without --overwrite', async () => {
    const ud = join(dir, 'ud');
    await mkdir(ud);
    await writeFile(join(ud, 'part-00000.jsonl'), '{"text":"mine0"}\n');
    await writeFile(join(ud, 'part-00007.jsonl'), '{"text":"mine7"}\n');
    for (const extra of [[], ['--overwrite']]) {
      const r = await runCli(['cat', input(), '-o', ud + '/', ...extra]);
      expect(r.stderr).toContain("holds 'part-00000.jsonl' and 1 more named like its shards, but no _SUCCESS of corpus-clean lists them: not written by corpus-clean");
      expect(r.code).toBe(2);
      expect((await readdir(ud)).sort()).toEqual(['part-00000.jsonl', 'part-00007.jsonl']);
    }
  });

  it("a Spark folder (an empty _SUCCESS) is left alone; corpus-clean's own folder is replaced", async () => {
    const sp = join(dir, 'spark');
    await mkdir(sp);
    await writeFile(join(sp, '_SUCCESS'), '');
    await writeFile(join(sp, 'part-00000.jsonl'), '{"text":"spark0"}\n');
    await writeFile(join(sp, 'part-00001.jsonl'), '{"text":"spark1"}\n');
    const r = await runCli(['cat', input(), '-o', sp + '/', '--overwrite']);
    expect(r.stderr).toContain('its _SUCCESS does not list them');
    expect(r.code).toBe(2);
    expect((await readdir(sp)).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl', 'part-00001.jsonl']);
    const own = join(dir, 'own');
    expect((await runCli(['cat', input(), '-o', own + '/', '--shard-records', '2'])).code).toBe(0);
    expect((await readdir(own)).filter((n) => n.startsWith('part-'))).toHaveLength(3);
    const again = await runCli(['cat', input(), '-o', own + '/', '--overwrite']);
    expect(again.code).toBe(0);
    expect((await readdir(own)).filter((n) => n.startsWith('part-'))).toEqual(['part-00000.jsonl']);
  });
});

describe('the same input named twice (hostile review 20 F11)', () => {
  it('is read once with the warning a second name (a link) gets', async () => {
    const a = join(dir, 'd1/a.jsonl');
    const twice = await runCli(['cat', a, a, '-o', '/dev/null']);
    expect(twice.stderr).toContain(`warning: skipped '${a}': named twice (read once)`);
    expect(twice.stderr).toContain('read 5 = written 5');
    const spelled = await runCli(['cat', 'd1/a.jsonl', './d1/a.jsonl', '-o', '/dev/null'], { cwd: dir });
    expect(spelled.stderr).toContain("warning: skipped 'd1/a.jsonl': the same file as './d1/a.jsonl' (read once, under that name)");
    const stdin = await runCli(['cat', '-', '-', '-o', '/dev/null'], { input: fiveRecords(false) });
    expect(stdin.stderr).toContain("warning: skipped '-': stdin named twice (read once)");
    expect(stdin.stderr).toContain('read 5 = written 5');
  });
});
