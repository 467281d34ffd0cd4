import { mkdir, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { existsSync, utimesSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputs, checkWritable, lockOutput } from '../../src/io/outputs.js';
import { fiveRecords, outputsRefusal } from '../helpers/fixtures.js';
import { CLI, runCli, tempDir } from '../helpers/run.js';

// Issue #10, session 10 (outputs): every file a command writes is refused where it would destroy
// or later be read as an input.

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'd1'));
  await writeFile(join(dir, 'd1/a.jsonl'), fiveRecords(true));
});

/** The usage error checkOutputs throws for this plan, or '' when it accepts it. */
const refusal = (plan: Partial<Parameters<typeof checkOutputs>[0]>): Promise<string> => outputsRefusal({ inputs: [join(dir, 'd1/a.jsonl')], output: join(dir, 'o.jsonl'), roots: [join(dir, 'd1')] }, plan);

describe('--rejects and --stats inside an input folder (hostile review 7 F18)', () => {
  it('are refused as -o is: the next read of the folder would take them as input', async () => {
    expect(await refusal({ rejects: join(dir, 'd1/r.jsonl') })).toContain(`--rejects '${join(dir, 'd1/r.jsonl')}' lies inside the input folder`);
    expect(await refusal({ stats: join(dir, 'd1/sub/s.json') })).toContain(`--stats '${join(dir, 'd1/sub/s.json')}' lies inside the input folder`);
    // Beside the folder, or a device: accepted.
    expect(await refusal({ rejects: join(dir, 'r.jsonl'), stats: '/dev/null' })).toBe('');
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

describe('an input replaced while it is read (hostile review 6 F23)', () => {
  it('a shard gone, another file under its name, or changed: one line naming the folder, in-process', async () => {
    const { readFiles } = await import('../../src/io/readers/index.js');
    const { takeInputFacts, unchangedInputs } = await import('../../src/io/unchanged.js');
    const { drain } = await import('../helpers/run.js');
    const x = join(dir, 'x');
    await mkdir(x);
    const shard = (i: number): string => join(x, `part-0000${i}.jsonl`);
    const files = [0, 1].map(shard);
    const reread = async (change: () => Promise<void>): Promise<string> => {
      for (const f of files) await writeFile(f, '{"text":"one"}\n');
      await writeFile(join(x, '_SUCCESS'), '{}\n');
      const facts = takeInputFacts(files, '_SUCCESS');
      const src = unchangedInputs(readFiles(files), facts);
      let changed = false;
      const events = { read() {}, reject() {}, fileError() {}, file: () => void (changed = true) };
      try {
        for await (const _ of src.read(events)) {
          if (changed) {
            await change();
            changed = false;
          }
        }
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const { rm } = await import('node:fs/promises');
    expect(await reread(() => rm(files[1]))).toBe(`'${x}/' was replaced while it was read (another command's --overwrite?): '${files[1]}' is gone; nothing was written`);
    expect(
      await reread(async () => {
        await writeFile(join(x, '.new'), '{"text":"one"}\n');
        await rename(join(x, '.new'), files[1]);
      }),
    ).toContain(`'${files[1]}' is another file now`);
    expect(await reread(() => writeFile(files[1], '{"text":"two and more"}\n'))).toContain(`'${files[1]}' was 15 bytes, 24 now`);
    // The file just read, changed in place after it was read: the reader's to tell (a shrink is damage), not this check's.
    expect(await reread(() => writeFile(files[0], '{"text":"one, rewritten"}\n'))).toBe('');
    // Gone between being listed and the facts (a replacement already under way): the same line.
    const facts = takeInputFacts([files[0], join(x, 'part-00009.jsonl')], '_SUCCESS');
    await expect(drain(unchangedInputs(readFiles([files[0], join(x, 'part-00009.jsonl')]), facts))).rejects.toThrow(`'${join(x, 'part-00009.jsonl')}' was replaced while it was read (another command's --overwrite?): it was gone once listed; nothing was written`);
    // Nothing changed: read to the end.
    expect(await reread(async () => {})).toBe('');
    expect((await drain(unchangedInputs(readFiles(files), takeInputFacts(files, '_SUCCESS')))).docs.length).toBe(2);
  });

  it('run: an input gone between being listed and being planned is said as such (not a bare ENOENT)', async () => {
    const { autoTaskSize, planTasks } = await import('../../src/exec/plan.js');
    const gone = join(dir, 'x', 'part-00042.jsonl');
    const said = `input '${gone}' is gone since the inputs were listed (removed, or replaced by another command's --overwrite?); nothing was read`;
    await expect(planTasks([join(dir, 'd1/a.jsonl'), gone], 'auto', 1 << 20)).rejects.toThrow(said);
    await expect(autoTaskSize([gone])).rejects.toThrow(said);
  });

  it('cat - X/ -o out.jsonl while X is replaced after the lock is taken: exit 1, that line, nothing left', async () => {
    const x = join(dir, 'x2');
    const w = await runCli(['cat', 'd1/a.jsonl', '-o', 'x2/', '--shard-records', '2', '--max-reject-rate', '1', '-q'], { cwd: dir });
    expect(w.code, w.stderr).toBe(0);
    // stdin is read first and held open until X was replaced (as cat -o X/ --overwrite does: a new file renamed over a shard).
    const child = spawn(process.execPath, [CLI, 'cat', '-', 'x2', '-o', 'out.jsonl', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--max-reject-rate', '1'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.write('{"text":"from stdin first"}\n');
    while (!existsSync(join(dir, '.out.jsonl.lock'))) await new Promise((r) => setTimeout(r, 5));
    await writeFile(join(x, '.new'), '{"text":"a new shard"}\n');
    await rename(join(x, '.new'), join(x, 'part-00001.jsonl'));
    child.stdin.end();
    const code = await new Promise((r) => child.on('close', r));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain("corpus-clean cat: error: 'x2/' was replaced while it was read (another command's --overwrite?): 'x2/part-00001.jsonl' is another file now; nothing was written");
    expect(stderr).not.toMatch(/read \d+ =/);
    expect((await readdir(dir)).filter((n) => /out|rej|st\.json/.test(n))).toEqual([]);
  });
});

describe('an output that is a symbolic link to a path whose folder does not exist (hostile review 7 F3)', () => {
  it('its target is treated as the plain path is: the folder made, or exit 2 naming link and target', async () => {
    await writeFile(join(dir, 'afile'), 'x');
    await symlink('afile/x.jsonl', join(dir, 'through-file.jsonl'));
    await symlink('through-file.jsonl', join(dir, 'two-hops.jsonl'));
    const why = (p: string): Promise<string> => checkWritable(join(dir, p), '--rejects', false).then(() => '', (e: Error) => e.message);
    expect(await why('through-file.jsonl')).toBe(`--rejects '${join(dir, 'through-file.jsonl')}' is a symbolic link to '${join(dir, 'afile/x.jsonl')}', which cannot be created: '${join(dir, 'afile')}' is a file, not a folder`);
    expect(await why('two-hops.jsonl')).toContain(`is a symbolic link to '${join(dir, 'afile/x.jsonl')}', which cannot be created`);
    await symlink('nowhere/x.jsonl', join(dir, 'dangling.jsonl'));
    await symlink('nowhere/deeper/r.jsonl', join(dir, 'dangling-r.jsonl'));
    expect(await why('dangling.jsonl')).toBe('');
    const r = await runCli(['cat', 'd1/a.jsonl', '-o', 'dangling.jsonl', '--rejects', 'dangling-r.jsonl', '--max-reject-rate', '1', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(dir, 'nowhere/x.jsonl'), 'utf8')).split('\n').length).toBe(6);
    expect(await readFile(join(dir, 'nowhere/deeper/r.jsonl'), 'utf8')).toContain('json_parse');
    expect((await readdir(join(dir, 'nowhere'))).sort()).toEqual(['deeper', 'x.jsonl']);
  });
});

describe('locks on a full disk (hostile review 7 F9)', () => {
  it('an empty lock younger than a few seconds is held (its command is writing its PID); an older one is taken over', async () => {
    const lock = join(dir, '.f9.jsonl.lock');
    await writeFile(lock, '');
    expect(() => lockOutput(lock)).toThrow(/another command is taking the lock of '.*f9\.jsonl' \(lock file .*, made \d+ ms ago, holds no PID yet\)/);
    utimesSync(lock, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const release = lockOutput(lock);
    expect((await readFile(lock, 'utf8')).split('\n')[0]).toBe(`${process.pid}`);
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it('the PID that cannot be written (a file size limit: EFBIG) leaves no empty lock', () => {
    const r = spawnSync('bash', ['-c', `ulimit -f 0; exec "${process.execPath}" "${CLI}" cat d1/a.jsonl -o /dev/null --stats f9.json --max-reject-rate 1 -q`], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write '.*\/\.f9\.json\.lock': EFBIG/);
    expect(existsSync(join(dir, '.f9.json.lock'))).toBe(false);
  });
});

describe('export internevo locks its --rejects and --stats as the other commands do', () => {
  it('a rejects file another live command holds is refused before anything is made', async () => {
    const { prepare } = await import('../../src/cli/execute.js');
    const { InternEvoWriter } = await import('../../src/export/internevo-writer.js');
    // The lock of a live process (this test's parent) on the rejects file.
    await writeFile(join(dir, '.held.jsonl.lock'), `${process.ppid}\n`);
    const writer = new InternEvoWriter({ outDir: join(dir, 'ex') });
    const job = { command: 'export', inputs: [join(dir, 'd1/a.jsonl')], stages: [], values: { rejects: join(dir, 'held.jsonl') }, sink: { writer, shards: () => [] } };
    await expect(prepare(job)).rejects.toThrow(`another run (PID ${process.ppid}) is writing to '${join(dir, 'held.jsonl')}'`);
    // A free one is locked while the export runs, and released after.
    const p = await prepare({ ...job, values: { rejects: join(dir, 'free.jsonl') } });
    expect((await readFile(join(dir, '.free.jsonl.lock'), 'utf8')).split('\n')[0]).toBe(`${process.pid}`);
    p.release();
    expect(existsSync(join(dir, '.free.jsonl.lock'))).toBe(false);
    expect(existsSync(join(dir, 'ex'))).toBe(false);
  });
});
