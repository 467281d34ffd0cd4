import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SBATCH, ROOT, runCli, tempDir } from '../helpers/run.js';


// New-user review 21 N2: status listed what an exit 1 might be ("bad input over --max-reject-rate,
// nothing written, a damaged input or an I/O failure") but never which; and after a Slurm submit
// that failed (kept in _slurm/nothing-submitted) it said only to run the same command again.
describe('status says why', () => {
  it('a run that exited 1 for bad input over the reject rate', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'bad'));
    const lines = Array.from({ length: 200 }, (_, i) => (i % 4 === 3 ? '{"text": "cut he' : JSON.stringify({ text: `Record ${i} is a plain sentence of English text. It has a second sentence too, and a third one here.` })));
    await writeFile(join(dir, 'bad/w.jsonl'), lines.join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'bad', '-o', 'out', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const s = await runCli(['status', 'out'], { cwd: dir });
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('\n  it exited 1 because 50 of 200 records were bad input (25.0 % > --max-reject-rate 0.1) (see _stats.json and _report.html)\n');
  });

  it.runIf(HAS_SBATCH)('a Slurm run whose first sbatch failed', async () => {
    const dir = await tempDir();
    const r = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', 'out', '-q', '--executor', 'slurm', '--partition', 'no-such-partition-cc'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    const s = await runCli(['status', 'out'], { cwd: dir });
    expect(s.stdout).toMatch(/\n {2}last attempt submitted nothing to Slurm \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): sbatch failed: [^\n]+\n {2}not running: /);
  });
});
