import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');
const INPUT = join(ROOT, 'fixtures/dedup');

// New-user review 20 F3: a run stopped by a full disk printed no line of how far it got, told to
// "run the same command again" (to fail the same way), and `status` then read like a run never
// started: the failure was kept nowhere in the folder.
describe('a run that failed', () => {
  it('says how far it got; status shows the last attempt failure and to free space first', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 't.yaml'), 'name: t\nstages:\n  - normalize: {}\n  - dedup: {}\n');
    const args = ['run', 't.yaml', '-i', INPUT, '-o', 'r', '-q', '--task-size', '20KB', '--workers', '1'];
    const full = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: '_work/spill' } });
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toMatch(/^corpus-clean run: error: task 0 of phase 0-tasks \([^\n]*\) failed: cannot write 'r\/_work\/spill\/0\/00000\.jsonl': ENOSPC: injected write failure\n/);
    expect(full.stderr).toContain('\ncorpus-clean run: stopped with 0 of 23 units done, in phase 1 of 4 (reading the inputs, normalize, MinHash signatures for near-dedup): 0 of 4 tasks done; no shard is written before phase 4\n');
    expect(full.stderr).toContain('\ncorpus-clean run: the run stopped before any unit finished: free space on the file system the error names (df -h; df -i for its inodes), then run the same command again to start it from its plan\n');
    const failure = JSON.parse(await readFile(join(dir, 'r/_work/failure.json'), 'utf8')) as Record<string, string>;
    expect(failure.code).toBe('ENOSPC');
    expect(failure.error).toContain("cannot write 'r/_work/spill/0/00000.jsonl'");
    const status = await runCli(['status', 'r'], { cwd: dir });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/\n {2}last attempt failed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: task 0 of phase 0-tasks \([^\n]*\) failed: cannot write 'r\/_work\/spill\/0\/00000\.jsonl': ENOSPC: injected write failure\n {2}not running: none of its 23 units is done yet; free space on the file system it names \(df -h; df -i for its inodes\), then run the same command again to start it from its plan:\n/);

    // Later, with units done: they are said kept; another failure replaces the first.
    const shards = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'part-' } });
    expect(shards.code, shards.stderr).toBe(1);
    expect(shards.stderr).toMatch(/\ncorpus-clean run: stopped with 19 of 23 units done, in phase 4 of 4 \(near-dedup: dropping near-duplicates, writing the shards\): 0 of 4 tasks done(; when the failure came, the phase's tasks had read at least \d+ records? \([\d.]+ of [\d.]+ MB of input\))?\n/);
    expect(shards.stderr).toContain('\ncorpus-clean run: the run stopped; finished units are kept: free space on the file system the error names (df -h; df -i for its inodes), then run the same command again to resume\n');
    const later = await runCli(['status', 'r'], { cwd: dir });
    expect(later.stdout).toMatch(/last attempt failed at [^\n]*: task 0 of phase 3-tasks \([^\n]*\) failed: cannot write 'r\/part-00000-00000\.jsonl\.gz': ENOSPC/);
    expect(later.stdout).not.toContain('_work/spill');

    // The rerun finishes: nothing of the failure is left.
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(dir, 'r/_work'))).toBe(false);
    expect((await runCli(['status', 'r'], { cwd: dir })).stdout).not.toContain('failed');
  });

  it('a failure not of space: the same command again, as before', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 't.yaml'), 'name: t\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', 't.yaml', '-i', INPUT, '-o', 'r', '-q'], { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('corpus-clean run: the run stopped before any unit finished: run the same command again to start it from its plan\n');
    const status = await runCli(['status', 'r'], { cwd: dir });
    expect(status.stdout).toMatch(/ {2}last attempt failed at [^\n]*: task 0 of phase 0-tasks/);
    expect(status.stdout).toContain('not running: its one unit is not done yet; run the same command again to start it from its plan');
  });

  it('dedup-disk: the same, kept in its work folder for status', async () => {
    const dir = await tempDir();
    const args = ['dedup-disk', INPUT, '--work', 'w', '-o', 'o.jsonl', '-q'];
    const full = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'sigs/' } });
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toContain('\ncorpus-clean dedup-disk: stopped before any task finished: free space on the file system the error names (df -h; df -i for its inodes), then run the same command again to start from its plan in w\n');
    const status = await runCli(['status', 'w'], { cwd: dir });
    expect(status.stdout).toMatch(/\n {2}last attempt failed at [^\n]*: task 0 of phase 0-tasks \([^\n]*\) failed: cannot write 'w\/_work\/global\/0\/sigs\/000000\.set': ENOSPC: injected write failure\n {2}not running: none of its \d+ units is done yet; free space on the file system it names/);
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(dir, 'w'))).toBe(false);
  });
});
