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
    expect(r.stderr).toContain('run the same command again to resume (finished units are kept):');
    expect(r.stderr).toContain('corpus-clean run r.yaml -i in.jsonl -o out -q');
    expect(r.stderr).toContain(`'corpus-clean status out' says where it stands`);
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
});
