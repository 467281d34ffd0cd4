import { link, mkdir, readFile, writeFile } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputs } from '../../src/io/outputs.js';
import { fiveRecords, outputsRefusal } from '../helpers/fixtures.js';
import { CLI, tempDir } from '../helpers/run.js';

// Issue #10, session 11 (outputs): hostile review 8's output findings.

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'd1'));
  await writeFile(join(dir, 'd1/a.jsonl'), fiveRecords(true));
});

/** The usage error checkOutputs throws for this plan, or '' when it accepts it. */
const refusal = (plan: Partial<Parameters<typeof checkOutputs>[0]>): Promise<string> => outputsRefusal({ inputs: [join(dir, 'd1/a.jsonl')], output: join(dir, 'o.jsonl'), roots: [join(dir, 'd1')] }, plan);

/** Run a bash script in `dir` with CLI standing for the built command line. */
function sh(script: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('bash', ['-c', `CLI() { "${process.execPath}" "${CLI}" "$@"; }\n${script}`], { cwd: dir, encoding: 'utf8' });
}

describe('two outputs that are one file by another name (hostile review 8 F30)', () => {
  it('are colliding outputs, compared by device and inode: /dev/fd/N, /proc/self/fd/N, a hard link', async () => {
    const out = join(dir, 'same.jsonl');
    await writeFile(out, '');
    // Open for writing: a descriptor open for reading only is refused as such (hostile review 13 H6).
    const fd = openSync(out, 'r+');
    try {
      expect(await refusal({ output: out, rejects: `/dev/fd/${fd}` })).toBe(`colliding outputs: --rejects '/dev/fd/${fd}' is the same file as the output '${out}': the one would wipe or mix into the other; give --rejects a file of its own (or /dev/stderr when it is not where the records go)`);
      expect(await refusal({ output: join(dir, 'other.jsonl'), rejects: `/proc/self/fd/${fd}`, stats: out })).toContain(`colliding outputs: --stats '${out}' is the same file as --rejects '/proc/self/fd/${fd}'`);
    } finally {
      closeSync(fd);
    }
    await link(out, join(dir, 'hard.jsonl'));
    expect(await refusal({ output: out, stats: join(dir, 'hard.jsonl') })).toContain(`colliding outputs: --stats '${join(dir, 'hard.jsonl')}' is the same file as the output '${out}'`);
    // Character devices (a terminal, /dev/null) are streams any number of outputs may share.
    expect(await refusal({ output: '/dev/null', rejects: '/dev/null', stats: '/dev/null' })).toBe('');
  });

  it('--rejects /dev/stdout or --stats /dev/fd/1 while the records go to stdout: exit 2, nothing written; --rejects /dev/stderr is fine', async () => {
    const r = sh(`
      CLI cat d1/a.jsonl --rejects /dev/stdout --max-reject-rate 1 > m1.jsonl; echo "m1 $?"
      CLI cat d1/a.jsonl -o /dev/stdout --stats /dev/fd/1 --max-reject-rate 1 | cat > m2.jsonl; echo "m2 \${PIPESTATUS[0]}"
      CLI cat d1/a.jsonl --stats /proc/self/fd/1 --rejects /dev/stderr --max-reject-rate 1 -q > m3.jsonl 2>/dev/null; echo "m3 $?"
      CLI cat d1/a.jsonl --rejects /dev/stderr --max-reject-rate 1 -q 2>/dev/null > m4.jsonl; echo "m4 $?"
      echo earlier > r5.log; CLI cat d1/a.jsonl --rejects /dev/stderr --max-reject-rate 1 -o m5.jsonl 2>> r5.log; echo "m5 $?"
      CLI cat d1/a.jsonl --rejects /dev/fd/2 --max-reject-rate 1 -o m6.jsonl 2> r6.log; echo "m6 $?"
    `);
    expect(r.stdout).toBe('m1 2\nm2 2\nm3 2\nm4 0\nm5 0\nm6 0\n');
    // Written through fd 2 itself (hostile review 9 F51): not truncated, and the accounting line after the reject, both whole.
    const log = (await readFile(join(dir, 'r5.log'), 'utf8')).split('\n');
    expect(log[0]).toBe('earlier');
    expect(JSON.parse(log[1]).reason).toBe('json_parse');
    expect(log[2]).toMatch(/^corpus-clean cat: read 6 = written 5 \+ rejected 1/);
    const log6 = (await readFile(join(dir, 'r6.log'), 'utf8')).split('\n');
    expect(JSON.parse(log6[0]).reason).toBe('json_parse');
    expect(log6[1]).toMatch(/^corpus-clean cat: read 6 = written 5 \+ rejected 1/);
    expect(r.stderr).toContain("colliding outputs: --rejects '/dev/stdout' is the same file as the output (stdout, where the records go)");
    expect(r.stderr).toContain("colliding outputs: --stats '/dev/fd/1' is the same file as the output '/dev/stdout'");
    expect(r.stderr).not.toMatch(/read \d+ =/);
    expect((await readFile(join(dir, 'm4.jsonl'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(5);
  });
});

describe('dedup-disk: an output in its work folder, or the work folder in its output folder (hostile review 8 F32)', () => {
  it('is refused before anything is made: exit 2, no folder left', async () => {
    const { checkWorkApart } = await import('../../src/io/outputs.js');
    const why = (work: string, outputs: Parameters<typeof checkWorkApart>[2]): Promise<string> => checkWorkApart(join(dir, work), '--work', outputs.map((o) => ({ ...o, path: o.path && join(dir, o.path) }))).then(() => '', (e: Error) => e.message);
    expect(await why('w2', [{ flag: '--output', path: 'w2/sub/', folder: true }])).toBe(`--output '${join(dir, 'w2/sub/')}' lies inside the work folder '${join(dir, 'w2')}' (--work), which is removed when the command succeeds: the output would go with it; write it elsewhere`);
    expect(await why('w3', [{ flag: '--output', path: 'w3/out.jsonl' }])).toContain('lies inside the work folder');
    expect(await why('w4', [{ flag: '--stats', path: 'w4/s.json' }])).toContain("--stats '");
    expect(await why('oo/w', [{ flag: '--output', path: 'oo/', folder: true }])).toBe(`--work '${join(dir, 'oo/w')}' lies inside the output folder '${join(dir, 'oo/')}': its work files would sit among the shards; give a work folder outside it`);
    // Beside each other, or a stream: fine.
    expect(await why('w5', [{ flag: '--output', path: 'w5out/', folder: true }, { flag: '--rejects', path: 'w5.rej.jsonl' }])).toBe('');
    const r = sh('CLI dedup-disk d1 --work ww -o ww/ --max-reject-rate 1 -q; echo "rc $?"; ls -d ww 2>/dev/null; true');
    expect(r.stdout).toBe('rc 2\n');
    expect(r.stderr).toContain("--output 'ww/' is the work folder 'ww' (--work)");
  });
});

describe('a run resumed after a file its stages read changed (hostile review 8 F36)', () => {
  it('the plan holds the SHA-256 of each such file; a changed one refuses the resume, naming it', async () => {
    const { prepareFolder } = await import('../../src/exec/folder.js');
    const { sideFileFacts } = await import('../../src/exec/plan.js');
    const urls = Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `record ${i} with enough words in it`, url: `http://site${i % 3}.com/p${i}` })).join('\n') + '\n';
    await writeFile(join(dir, 'urls.jsonl'), urls);
    await writeFile(join(dir, 'ublock.txt'), 'site1.com\n');
    await writeFile(join(dir, 'ru.yaml'), 'name: ru\nstages:\n  - stage: url-filter\n    block: [ublock.txt]\n');
    const r = sh('CLI run ru.yaml -i urls.jsonl -o ur -q; echo "rc $?"');
    expect(r.stdout, r.stderr).toBe('rc 0\n');
    const plan = JSON.parse(await readFile(join(dir, 'ur/_plan.json'), 'utf8'));
    const block = join(dir, 'ublock.txt');
    expect(plan.sideFiles).toEqual([{ path: block, what: 'the block file of url-filter', sha256: '3ba4f1442f13dd28cfc5399cadba74a44282f0c416552677af51614bf0f81365' }]);
    // As if killed before its end: no _SUCCESS. The same file: it resumes; another content: refused.
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'ur/_SUCCESS'));
    const again = async (): Promise<string> => prepareFolder(join(dir, 'ur'), { ...plan, sideFiles: await sideFileFacts([{ path: block, what: 'the block file of url-filter' }]) }, false).catch((e: Error) => e.message);
    expect(await again()).toBe('resume');
    await writeFile(block, 'site2.com\n');
    expect(await again()).toBe(`output folder '${join(dir, 'ur')}' holds an unfinished run, and a file its stages read changed since it began: the block file of url-filter '${block}' (its content differs); its finished tasks used the old content, so it cannot be resumed: pass --overwrite to start again (or put the old file back to resume)`);
    await rm(block);
    expect(await again()).toContain(`the block file of url-filter '${block}' (gone, or no longer a file)`);
  });
});

describe('run --overwrite removes every file of the earlier run (hostile review 8 F38)', () => {
  it("its _report.html and Parquet shards too: a failed rerun leaves no page of the old run beside the new one", async () => {
    const { prepareFolder } = await import('../../src/exec/folder.js');
    const { readdir } = await import('node:fs/promises');
    const f = join(dir, 'old-run');
    await mkdir(f);
    for (const n of ['_SUCCESS', '_plan.json', '_report.html', '_stats.json', 'part-00000-00000.parquet', 'part-00000-00001.jsonl.gz']) await writeFile(join(f, n), '{}\n');
    const plan = { version: 1, name: 'x', stages: [], settings: {}, inputs: [], tasks: [], taskSize: 1, segments: [], globals: [], phases: [] } as unknown as Parameters<typeof prepareFolder>[1];
    expect(await prepareFolder(f, plan, true)).toBe('fresh');
    expect(await readdir(f)).toEqual([]);
  });
});

describe('a sharded file output beside files named like its shards that no manifest lists (hostile review 9 F48)', () => {
  it('refuses them, with or without --overwrite, and leaves them; shards its manifest lists are replaced', async () => {
    const { prepareOutput } = await import('../../src/io/outputs.js');
    const { readdir, rm } = await import('node:fs/promises');
    const fm = join(dir, 'fm');
    await mkdir(fm);
    for (const i of [0, 1, 2]) await writeFile(join(fm, `data-0000${i}.jsonl`), `{"text":"theirs ${i}"}\n`);
    const plan = { inputs: [join(dir, 'd1/a.jsonl')], output: join(fm, 'data.jsonl'), folder: false, sharded: true, overwrite: true };
    const why = (): Promise<string> => prepareOutput(plan).then((release) => (release(), ''), (e: Error) => e.message);
    expect(await why()).toBe(`output shards '${join(fm, 'data.jsonl')}': 'data-00000.jsonl' and 2 more beside it are named like its shards, but no data.jsonl._SUCCESS lists them: not written by corpus-clean (or its manifest is gone), so they are left alone, with or without --overwrite; write to another name, or move them`);
    // An earlier set of ours (its manifest lists data-00000 and data-00001) beside a stranger.
    await writeFile(join(fm, 'data.jsonl._SUCCESS'), JSON.stringify({ exit_code: 0, command: 'cat', records: 2, shards: ['data-00000.jsonl', 'data-00001.jsonl'] }) + '\n');
    expect(await why()).toContain(`'data-00002.jsonl' beside it is named like its shards, but no data.jsonl._SUCCESS lists it`);
    expect((await readdir(fm)).sort()).toEqual(['data-00000.jsonl', 'data-00001.jsonl', 'data-00002.jsonl', 'data.jsonl._SUCCESS']);
    await rm(join(fm, 'data-00002.jsonl'));
    expect(await why()).toBe('');
    expect(await readdir(fm)).toEqual([]);
  });
});

describe('sbatch headers (hostile review 9 F44)', () => {
  it('a recipe name with a newline is refused; the job name is cut to safe characters, a path with a space quoted, a newline in a value refused', async () => {
    const { resolveRecipe } = await import('../../src/core/recipe.js');
    const { defaultRegistry } = await import('../../src/stages/index.js');
    const { sbatchValue, writeScripts } = await import('../../src/exec/slurm.js');
    expect(() => resolveRecipe({ name: 'x\necho INJECTED > /tmp/pwned', stages: ['normalize'] }, defaultRegistry(), 'recipe', {})).toThrow('name "x\\necho INJECTED > /tmp/pwned" holds a control character (a newline?)');
    expect(() => sbatchValue('/a\nb', 'the current folder')).toThrow('the current folder "/a\\nb" holds a control character');
    const runDir = join(dir, 'slurm run');
    const plan = { name: 'my recipe;$(id)', phases: [{ id: '0-tasks', kind: 'tasks', segment: 0, units: 1 }], stages: [], segments: [[]], globals: [] } as unknown as Parameters<typeof writeScripts>[1];
    const { phases } = await writeScripts(runDir, plan, {});
    const text = await readFile(phases[0], 'utf8');
    expect(text).toContain('#SBATCH --job-name=cc-my_recipe___id_-0-tasks\n');
    expect(text).toContain(`#SBATCH --output="${join(runDir, '_slurm/logs/%x-%A_%a.log')}"\n`);
  });
});
