import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runCliAll, runNode, tempDir } from '../helpers/run.js';
import { snapshot } from '../helpers/snapshot.js';

// Follow-ups of the reviews of session 16 about --overwrite and the output lock
// (/work/notes/old16/review-newuser16.md F12, F14, F7, F10, F2, F22; review-hostile16.md F1, F2, F7).

const GOOD = ['{"text":"the first good record of the earlier output"}', '{"text":"the second good record"}', '{"text":"the third"}'].join('\n') + '\n';
const NEW = '{"text":"a record of the new output"}\n';

/** Names in `dir` starting with '.', recursively. */
async function hidden(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((n) => n.split('/').some((p) => p.startsWith('.'))).sort();
}

/** Poll until `ok()` (every 5 ms; the test's timeout bounds it). */
async function until(ok: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 5));
}

/** Start the CLI reading records on its stdin, which stays open until the test ends it. */
function fed(args: string[], cwd: string): { p: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const p = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  p.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => p.on('close', (code, signal) => res({ code, signal, stderr: Buffer.concat(err).toString() })));
  return { p, done };
}

/** A PID no process has now (a child that ended). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

// new-user review 16 F12: `cat X -o RUNFOLDER/ --overwrite` exited 0 and left the run's shards,
// _done/, _plan.json and _stats/ beside its own output: `status` called the mix a finished run.
describe("a single command's --overwrite of a run's folder", () => {
  it('replaces the whole run, puts it all back when it fails, and refuses an unfinished run without --overwrite', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"one new record"}\nbad\nbad\n');
    const made = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', join(ROOT, 'fixtures/sample/'), '-o', 'first', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    for (const c of ['rc', 'rf', 'ru', 'rn']) await cp(join(dir, 'first'), join(dir, c), { recursive: true });
    await rm(join(dir, 'ru/_SUCCESS'));
    const before = await snapshot(join(dir, 'first'));
    const [refused, replaced, failed, unfinished] = await runCliAll(
      [
        ['cat', 'good.jsonl', '-o', 'rn/'],
        ['cat', 'good.jsonl', '-o', 'rc/', '--overwrite'],
        ['cat', 'bad.jsonl', '-o', 'rf/', '--overwrite'],
        ['cat', 'good.jsonl', '-o', 'ru/'],
      ],
      { cwd: dir },
    );
    // Every file of the run is counted: its two shards, plan and folders too.
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("output folder 'rn/' already holds _SUCCESS and 9 more from an earlier run");
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await readdir(join(dir, 'rc'))).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl']);
    const status = await runCli(['status', 'rc'], { cwd: dir });
    expect(status.stderr + status.stdout).toContain('is not a run folder');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("the earlier output 'rf/' is kept as it was");
    expect(await snapshot(join(dir, 'rf'))).toEqual(before);
    expect(unfinished.code).toBe(2);
    expect(unfinished.stderr).toContain("output folder 'ru/' holds an unfinished run (its _plan.json, no _SUCCESS), which its 'corpus-clean run' command resumes; pass --overwrite");
    expect(existsSync(join(dir, 'ru/_plan.json'))).toBe(true);
  });
});

// hostile review 16 F2, new-user 16 F10: a failed --overwrite put the earlier output back, but its
// --rejects and --stats were the failed command's: 3 records of in.jsonl beside the stats of
// bad.jsonl, and the earlier reject (in.jsonl:4) in neither file.
describe('a failed --overwrite with --rejects and --stats', () => {
  it('leaves the output, its rejects and its stats as they were (or absent, as they were)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD + 'bad\n');
    await writeFile(join(dir, 'bad.jsonl'), 'x\ny\n{"text":"z"}\n');
    const made = await runCli(['cat', 'in.jsonl', '-o', 'out.jsonl', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--max-reject-rate', '0.5', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const noSides = await runCli(['cat', 'in.jsonl', '-o', 'plain.jsonl', '--max-reject-rate', '0.5', '-q'], { cwd: dir });
    expect(noSides.code, noSides.stderr).toBe(0);
    const before = await snapshot(dir);
    const [failed, failedPlain] = await runCliAll(
      [
        ['cat', 'bad.jsonl', '-o', 'out.jsonl', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--overwrite'],
        ['cat', 'bad.jsonl', '-o', 'plain.jsonl', '--rejects', 'prej.jsonl', '--stats', 'pst.json', '--overwrite'],
      ],
      { cwd: dir },
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("note: the earlier output 'out.jsonl' is kept as it was, and so are 'rej.jsonl' and 'st.json': --overwrite replaces them only with a complete output; this command's output, rejects and stats were removed");
    expect(failed.stderr).not.toContain('see rej.jsonl');
    expect(failedPlain.code).toBe(1);
    // Nothing of the failed commands is left: not their rejects and stats where there were none.
    expect(await snapshot(dir)).toEqual(before);
  });
});

// hostile review 16 F1, new-user 16 F7: after a kill -9 of an --overwrite command, the earlier
// output stayed hidden as .NAME.earlier-PID for ever; the next command cleaned the killed one's
// lock and temporaries but neither put it back nor said a word.
describe('an --overwrite command killed with SIGKILL', () => {
  it('leaves its earlier output (file, rejects, stats; a folder) for the next command into it to put back', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD + 'bad\n');
    const made = await runCliAll(
      [
        ['cat', 'in.jsonl', '-o', 'keep.jsonl', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--max-reject-rate', '0.5', '-q'],
        ['cat', 'in.jsonl', '-o', 'kd/', '--shard-records', '1', '--max-reject-rate', '0.5', '-q'],
      ],
      { cwd: dir },
    );
    for (const r of made) expect(r.code, r.stderr).toBe(0);
    const before = await snapshot(dir);
    // A file output: killed while it writes (its earlier output, rejects and stats all aside).
    const a = fed(['cat', '-', '-o', 'keep.jsonl', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--overwrite', '-q'], dir);
    await until(async () => (await readFile(join(dir, '.keep.jsonl.lock'), 'utf8').catch(() => '')).includes('earlier=aside'));
    a.p.kill('SIGKILL');
    expect((await a.done).signal).toBe('SIGKILL');
    // A folder output: killed once it has written a shard of its own.
    const b = fed(['cat', '-', '-o', 'kd/', '--shard-records', '1', '--overwrite', '-q'], dir);
    b.p.stdin!.write(NEW + NEW);
    // Once the earlier output is aside (the journal says so: before that line a killed command's
    // folder is only "unfinished", which another case covers) and a shard of its own is written.
    await until(async () => existsSync(join(dir, 'kd/part-00000.jsonl')) && (await readFile(join(dir, 'kd/.corpus-clean.lock'), 'utf8').catch(() => '')).includes('earlier=aside') && (await readFile(join(dir, 'kd/_SUCCESS'), 'utf8').catch(() => '')) === '');
    b.p.kill('SIGKILL');
    expect((await b.done).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'keep.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'kd/_SUCCESS'))).toBe(false);
    // A reader is refused, and told where the earlier output is and what puts it back.
    const read = await runCli(['cat', 'kd/', '-o', '/dev/null'], { cwd: dir });
    expect(read.code).toBe(2);
    expect(read.stderr).toMatch(/was killed; the complete earlier output it was replacing \(--overwrite\) is kept beside it under hidden names \('\.NAME\.earlier-\d+'\), which the next command writing this output puts back/);
    // The next commands into them (without --overwrite): the earlier outputs are back, said, and
    // then refused as earlier outputs are.
    const [file, folder] = await runCliAll([['cat', 'in.jsonl', '-o', 'keep.jsonl', '--rejects', 'rej.jsonl', '--stats', 'st.json'], ['cat', 'in.jsonl', '-o', 'kd/']], { cwd: dir });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/note: 'keep\.jsonl': put back 1 file of the earlier output that a killed --overwrite command \(PID \d+\) had set aside under hidden names: its new output was never finished/);
    expect(file.stderr).toContain("note: 'rej.jsonl': put back 1 file");
    expect(file.stderr).toContain("output file 'keep.jsonl' already exists");
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/note: 'kd\/': put back 4 files of the earlier output/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('leaves copies the next command removes once its new output was in place, and names those it cannot tell', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    const pid = deadPid();
    // As a command killed between publishing its output and removing the earlier one leaves it.
    await writeFile(join(dir, 'keep.jsonl'), NEW);
    await writeFile(join(dir, `.keep.jsonl.earlier-${pid}`), GOOD);
    await writeFile(join(dir, '.keep.jsonl.lock'), `${pid}\nearlier=aside\nearlier=published\n`);
    // A copy whose command left no lock (removed by hand): put back only where the name is free.
    await writeFile(join(dir, 'two.jsonl'), NEW);
    await writeFile(join(dir, `.two.jsonl.earlier-${pid}`), GOOD);
    await writeFile(join(dir, `.gone.jsonl.earlier-${pid}`), GOOD);
    const [published, unknown, free] = await runCliAll(
      [
        ['cat', 'good.jsonl', '-o', 'keep.jsonl', '--overwrite', '-q'],
        ['cat', 'good.jsonl', '-o', 'two.jsonl', '--overwrite', '-q'],
        ['cat', 'good.jsonl', '-o', 'gone.jsonl'],
      ],
      { cwd: dir },
    );
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr).toMatch(/note: 'keep\.jsonl': removed 1 hidden file of the earlier output \('\.keep\.jsonl\.earlier-\d+'\) that a killed --overwrite command \(PID \d+\) had set aside: its new output was finished and in place/);
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.stderr).toContain(`'.two.jsonl.earlier-${pid}' in '.' is a copy of an earlier output that a killed --overwrite command (PID ${pid}) set aside, left as it is: a file of the same name is there now`);
    expect(free.code).toBe(2);
    expect(free.stderr).toContain('put back 1 file');
    expect(await readFile(join(dir, 'gone.jsonl'), 'utf8')).toBe(GOOD);
    expect(await hidden(dir)).toEqual([`.two.jsonl.earlier-${pid}`]);
  });
});

// new-user review 16 F14: the lock of `-o link.jsonl` was taken beside the link, so a second
// command writing its target by its own name ran at once and its output was lost (exit 0 both);
// hostile review 16 F7: the temporary a killed command left beside the target was never removed.
describe('an output through a symbolic link', () => {
  it('is locked at its target, where the temporaries of a killed command are removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await mkdir(join(dir, 'real'));
    await writeFile(join(dir, 'real/t.jsonl'), GOOD);
    await symlink('real/t.jsonl', join(dir, 'link.jsonl'));
    const stale = join(dir, `real/.t.jsonl.tmp-${deadPid()}-0`);
    await writeFile(stale, 'half a line');
    const a = fed(['cat', '-', '-o', 'link.jsonl', '--overwrite', '-q'], dir);
    await until(() => existsSync(join(dir, 'real/.t.jsonl.lock')));
    const second = await runCli(['cat', 'good.jsonl', '-o', 'real/t.jsonl', '--overwrite'], { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another run \(PID \d+\) is writing to '.*real\/t\.jsonl'/);
    expect(existsSync(stale)).toBe(false);
    a.p.stdin!.end(NEW);
    const first = await a.done;
    expect(first.code, first.stderr).toBe(0);
    expect(await readFile(join(dir, 'real/t.jsonl'), 'utf8')).toBe(NEW);
    expect(await hidden(dir)).toEqual([]);
  });
});

// hostile review 17 F1, F2: named through a link, a file of a finished run folder was replaced
// (--stats, --rejects) or a file was written into it (-o): the plain paths were refused. A new
// shard-named file was written into it by the plain path too, and every reader then refused the run.
describe('a link into a finished run folder', () => {
  it('is refused as the plain path is, for -o, --stats and --rejects; the run is left as it was', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    const made = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', join(ROOT, 'fixtures/sample/'), '-o', 'R', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const before = await snapshot(join(dir, 'R'));
    const links: [string, string][] = [['st.json', 'R/_stats.json'], ['rj.jsonl.zst', 'R/_rejects.jsonl.zst'], ['pl.jsonl', 'R/part-99999-00000.jsonl'], ['sl.jsonl', 'R/_SUCCESS'], ['xl.jsonl', 'R/x.jsonl']];
    for (const [name, to] of links) await symlink(to, join(dir, name));
    const tries: [string[], RegExp][] = [
      [['-o', 'o1.jsonl', '--stats', 'st.json'], /--stats file 'st\.json' already exists and it belongs to the finished output folder '.*R' \(it holds _SUCCESS\)/],
      [['-o', 'o2.jsonl', '--rejects', 'rj.jsonl.zst'], /--rejects file 'rj\.jsonl\.zst' already exists and it belongs to the finished output folder/],
      [['-o', 'pl.jsonl'], /output file 'pl\.jsonl' \(it is a link to '.*R\/part-99999-00000\.jsonl'\) would go into '.*R', the finished output of a command \(its _SUCCESS\): named like its shards but in no _SUCCESS list/],
      [['-o', 'R/part-99999-00000.jsonl'], /output file 'R\/part-99999-00000\.jsonl' would go into 'R', the finished output of a command/],
      [['-o', 'sl.jsonl', '--overwrite'], /--output 'sl\.jsonl' is a link to '.*R\/_SUCCESS', which is written: .*misleading name/],
      [['-o', 'xl.jsonl'], /output file 'xl\.jsonl' \(it is a link to '.*R\/x\.jsonl'\) would go into/],
    ];
    for (const [args, message] of tries) {
      const r = await runCli(['cat', 'good.jsonl', ...args, '-q'], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await snapshot(join(dir, 'R'))).toEqual(before);
    // A link elsewhere is written as before.
    await mkdir(join(dir, 'other'));
    await symlink('other/ok.jsonl', join(dir, 'ok.jsonl'));
    const ok = await runCli(['cat', 'good.jsonl', '-o', 'ok.jsonl', '-q'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await readFile(join(dir, 'other/ok.jsonl'), 'utf8')).toBe(GOOD);
  }, 120_000);
});

// new-user review 16 F2: on a full disk the note "the earlier output ... is kept as it was" came
// before the error it follows from.
describe('a write failure of an --overwrite command', () => {
  it('says the error first, then that the earlier output is kept', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    const made = await runCli(['cat', 'good.jsonl', '-o', 'keep.jsonl', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const full = await runNode(['--import', join(ROOT, 'test/helpers/faults.mjs'), CLI, 'cat', 'good.jsonl', '-o', 'keep.jsonl', '--overwrite', '-q'], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'keep\\.jsonl\\.tmp' } });
    expect(full.code, full.stderr).toBe(1);
    const error = full.stderr.indexOf('error: cannot write');
    const note = full.stderr.indexOf("note: the earlier output 'keep.jsonl' is kept as it was");
    expect(error, full.stderr).toBeGreaterThanOrEqual(0);
    expect(note, full.stderr).toBeGreaterThan(error);
    expect(await readFile(join(dir, 'keep.jsonl'), 'utf8')).toBe(GOOD);
  });
});

// hostile review 17 F7: since the whole-run replacement (new-user 16 F12) every folder output took
// `_done/`, `_stats/`, `_work/` and `_slurm/` for a run's: --overwrite removed a user's folders of
// those names (and all under them) from a folder that no run wrote, and without it was refused.
describe("a folder output that is no run's", () => {
  it("keeps the user's _stats/ and _done/ folders, with or without --overwrite", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await mkdir(join(dir, 'g/_stats'), { recursive: true });
    await mkdir(join(dir, 'g/_done'), { recursive: true });
    await writeFile(join(dir, 'g/_stats/my-analysis.txt'), 'notes\n');
    await writeFile(join(dir, 'g/_done/list.txt'), 'x\n');
    const first = await runCli(['cat', 'good.jsonl', '-o', 'g/', '-q'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['cat', 'good.jsonl', '-o', 'g/', '-q', '--overwrite'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(dir, 'g/_stats/my-analysis.txt'), 'utf8')).toBe('notes\n');
    expect(await readFile(join(dir, 'g/_done/list.txt'), 'utf8')).toBe('x\n');
    expect(existsSync(join(dir, 'g/_SUCCESS'))).toBe(true);
  }, 60_000);
});

// new-user review 16 F1: an output on a read-only file system was refused as "no write
// permission", which sent root to chmod.
describe('an output on a read-only file system', () => {
  it('is refused as such, not as a matter of permissions', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await mkdir(join(dir, 'ro'));
    const r = await runNode(['--import', join(ROOT, 'test/helpers/faults.mjs'), CLI, 'cat', 'good.jsonl', '-o', 'ro/new.jsonl'], { cwd: dir, env: { FAULT: 'erofs', FAULT_PATH: '/ro$' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--output 'ro\/new\.jsonl' cannot be written: '.*\/ro' is on a read-only file system \(EROFS\)/);
    expect(existsSync(join(dir, 'ro/new.jsonl'))).toBe(false);
  });
});

// new-user review 16 F15: with `--stats st.fifo` and nobody reading it, the command printed its
// accounting line and then waited in silence: the terminal looked hung.
describe('--stats naming a FIFO nobody reads yet', () => {
  it.skipIf(process.platform === 'win32')('says what the command waits on, and ends once it is read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    expect(spawnSync('mkfifo', [join(dir, 'st.fifo')]).status).toBe(0);
    const p = spawn(process.execPath, [CLI, 'cat', 'good.jsonl', '-o', 'out.jsonl', '--stats', 'st.fifo'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const done = new Promise<number | null>((res) => p.on('close', (code) => res(code)));
    try {
      await until(() => err.includes('waiting for a reader'));
      expect(err).toContain("corpus-clean: note: waiting for a reader of 'st.fifo' (a named pipe) to write to it: open it for reading (e.g. cat st.fifo), or stop the command (Ctrl-C)");
      const stats = await readFile(join(dir, 'st.fifo'), 'utf8');
      expect(await done).toBe(0);
      expect(JSON.parse(stats).written).toBe(3);
    } finally {
      // A command still waiting on the FIFO (the test failed) is not left behind.
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });
});
