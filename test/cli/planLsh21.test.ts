import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');
const INPUT = join(ROOT, 'fixtures/dedup');

/** Edit a plan's JSON in place. */
async function editPlan(path: string, edit: (p: Record<string, unknown>) => void): Promise<void> {
  const p = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(p);
  await writeFile(path, JSON.stringify(p, null, 1) + '\n');
}

// Lead's closing note of session 20: a run planned before 465b5cb with a threshold alone under
// about 0.65 banded with 8 rows (0.5: 256 x 8), and resumed after it would band its remaining
// units 32 x 5; the plan recorded the threshold only. It records the bands x rows now, and a
// rerun that would band otherwise refuses to resume.
describe('the MinHash bands x rows of a plan', () => {
  it('run: recorded; an older plan of threshold 0.5 (bands x rows unknown) or other recorded ones are refused; status says so', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 't.yaml'), 'name: t\nstages:\n  - dedup: {threshold: 0.5}\n');
    const args = ['run', 't.yaml', '-i', INPUT, '-o', 'r', '-q', '--task-size', '20KB'];
    // The shards fail: every unit before the last phase is done.
    const first = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'part-' } });
    expect(first.code, first.stderr).toBe(1);
    const plan = join(dir, 'r/_plan.json');
    expect(JSON.parse(await readFile(plan, 'utf8')).lsh).toEqual([{ stage: 0, bands: 32, rows: 5 }]);
    // As a plan of a version before this one: nothing recorded.
    await editPlan(plan, (p) => delete p.lsh);
    const old = await runCli(args, { cwd: dir });
    expect(old.code, old.stderr).toBe(2);
    expect(old.stderr).toContain('its MinHash dedup (stage 1, threshold 0.5) was planned by a version that did not record its bands x rows: 256 x 8 before 2026-12-05 (465b5cb), 32 x 5 since');
    const status = await runCli(['status', 'r'], { cwd: dir });
    expect(status.stdout).toContain('not running, and this version cannot resume it: its MinHash dedup (stage 1, threshold 0.5)');
    expect(status.stdout).toContain('--overwrite');
    // Recorded, and other than this version's.
    await editPlan(plan, (p) => (p.lsh = [{ stage: 0, bands: 256, rows: 8 }]));
    const other = await runCli(args, { cwd: dir });
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toContain('its MinHash dedup (stage 1, threshold 0.5) was planned with 256 bands x 8 rows, and this version chooses 32 x 5 for the same options');
    // The planned ones back: it resumes.
    await editPlan(plan, (p) => (p.lsh = [{ stage: 0, bands: 32, rows: 5 }]));
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
  });

  it('run: an older plan whose bands x rows both rules agree on (the default threshold) still resumes', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 't.yaml'), 'name: t\nstages:\n  - dedup: {}\n');
    const args = ['run', 't.yaml', '-i', INPUT, '-o', 'r', '-q', '--task-size', '20KB'];
    const first = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'part-' } });
    expect(first.code, first.stderr).toBe(1);
    await editPlan(join(dir, 'r/_plan.json'), (p) => {
      expect(p.lsh).toEqual([{ stage: 0, bands: 14, rows: 8 }]);
      delete p.lsh;
    });
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
  });

  it('dedup-disk: a work folder of an older version with threshold 0.5 is refused', async () => {
    const dir = await tempDir();
    const args = ['dedup-disk', INPUT, '--threshold', '0.5', '--work', 'w', '-o', 'o.jsonl', '-q'];
    const first = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'o\\.jsonl\\.tmp' } });
    expect(first.code, first.stderr).toBe(1);
    await editPlan(join(dir, 'w/_plan.json'), (p) => {
      expect(p.lsh).toEqual([{ stage: 0, bands: 32, rows: 5 }]);
      delete p.lsh;
    });
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain('256 x 8 before 2026-12-05 (465b5cb), 32 x 5 since');
  });
});
