import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 10 F52: `report` on a run that did not finish (killed, or stopped by a failed
// task) said "not a run folder": it is one, unfinished, and the message says how to resume it.
describe('report on a run that has not finished (F52)', () => {
  it('says the run is unfinished, how to resume it (the command), and leaves the folder as it was', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"a b c"}\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages: [normalize]\noutput: {compression: none}\n');
    const stopped = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'out', '-q'], { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(stopped.code).toBe(1);
    const before = (await readdir(join(dir, 'out'))).sort();
    const r = await runCli(['report', 'out'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('not a run folder');
    expect(r.stderr).toContain(`'out' is a run that has not finished (no _SUCCESS, no _stats.json yet: it was stopped or killed, or is still at work), so there is nothing to report yet; report it once it has finished`);
    // None of its units done: nothing kept to resume from (new-user review 16 F8).
    expect(r.stderr).toContain('not running: its one unit is not done yet; run the same command again to start it from its plan:');
    expect(r.stderr).toContain('corpus-clean run r.yaml -i in.jsonl -o out -q');
    expect(r.stderr).toContain(`'corpus-clean status out' says where it stands`);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(before);
    // merge says the same (it said only "merge: 1 units are not done"), exit 1 as before.
    const merge = await runCli(['merge', 'out'], { cwd: dir });
    expect(merge.code).toBe(1);
    expect(merge.stderr).toContain(`merge: 'out' is a run that has not finished: 1 unit is not done, e.g. 0-tasks task 0 (in.jsonl); not running: its one unit is not done yet; run the same command again to start it from its plan: corpus-clean run r.yaml -i in.jsonl -o out -q`);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(before);
    // Still at work (a live process holds its lock): said so, nothing to resume.
    await writeFile(join(dir, 'out', '.corpus-clean.lock'), `${process.pid}\n`);
    const busy = await runCli(['report', 'out'], { cwd: dir });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`running: process ${process.pid} is working on it`);
    // Resumed, it reports.
    const resumed = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'out', '-q'], { cwd: dir });
    expect(resumed.code).toBe(2); // the lock above is this test's, live
    await writeFile(join(dir, 'out', '.corpus-clean.lock'), '999999999\n');
    expect((await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'out', '-q'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['report', 'out'], { cwd: dir })).code).toBe(0);
    // A finished run whose _stats.json is gone is not called unfinished.
    await rm(join(dir, 'out', '_stats.json'));
    const gone = await runCli(['report', 'out'], { cwd: dir });
    expect(gone.code).toBe(2);
    expect(gone.stderr).not.toContain('has not finished');
    expect(gone.stderr).toContain('it has no _stats.json');
  });

  it('a stage command\'s folder beside a dead lock (kill -9) is named as the unfinished output of a killed command', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"a b c"}\n');
    await runCli(['cat', 'in.jsonl', '-o', 'k/', '-q'], { cwd: dir });
    await rm(join(dir, 'k', '_SUCCESS'));
    await writeFile(join(dir, 'k', '.corpus-clean.lock'), '999999999\n');
    for (const command of ['report', 'status']) {
      const r = await runCli([command, 'k'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`'k' is not a run folder: it has no ${command === 'report' ? '_stats.json' : '_plan.json'}`);
      expect(r.stderr).toContain('it is the unfinished output of a command that was killed (PID 999999999): run that command again (it starts over)');
    }
  });
});
