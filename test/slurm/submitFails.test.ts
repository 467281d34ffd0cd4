import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SBATCH, ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * A Slurm run whose first sbatch fails (here a partition that does not exist; on a machine whose
 * controller is down, that too) has queued nothing: the folder must not stay locked behind
 * "cannot tell whether Slurm jobs ... are still queued". Runs wherever the Slurm client is installed.
 */
if (!HAS_SBATCH) console.log('test/slurm/submitFails.test.ts: skipped: no sbatch on this machine (install Slurm or run .ci/run)');

describe.runIf(HAS_SBATCH)('a Slurm run whose first sbatch fails', () => {
  it('leaves the folder free: a local rerun is not refused for jobs that never were', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const args = ['run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', out, '-q'];
    const first = await runCli([...args, '--executor', 'slurm', '--partition', 'no-such-partition-cc'], { timeoutMs: 60_000 });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/sbatch failed/);
    expect(existsSync(join(out, '_slurm/nothing-submitted'))).toBe(true);
    const local = await runCli([...args, '--executor', 'local', '--workers', '1']);
    expect(local.stderr).not.toMatch(/cannot tell whether/);
    expect(local.code, local.stderr).toBe(0);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
  });
});

// New-user review 7 #17: without sbatch on PATH the run said "error: sbatch failed: " and nothing after it.
describe('a Slurm run where sbatch is not on PATH', () => {
  it('says sbatch is not found on PATH', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    // PATH is an empty folder: the folder of node may hold sbatch too (Debian puts both in /usr/bin).
    const bin = join(dir, 'empty-bin');
    mkdirSync(bin);
    const r = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', out, '-q', '--executor', 'slurm'], { timeoutMs: 60_000, env: { PATH: bin } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/sbatch not found on PATH \(is Slurm installed/);
    expect(r.stderr).not.toMatch(/sbatch failed: \n/);
  });
});
