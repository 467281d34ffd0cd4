import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 22 A8, second half: `status` of an unfinished run whose recipe file was edited
 * since advised the same command, which `run` then refused ('... of a different recipe'): status
 * reads the recipe as run would, says it changed and what to do.
 */
describe('status of an unfinished run whose recipe changed', () => {
  it('says the same command is refused, what differs, and the --overwrite command; back as it was, to resume', async () => {
    const dir = await tempDir();
    const empty = await tempDir();
    await writeFile(join(dir, 'b.jsonl'), '{"text":"one two three"}\n{"text":"four five"}\n');
    const recipe = (n: number): string => `stages:\n  - normalize\n  - quality:\n      set: [gopher_quality:min_words=${n}]\n`;
    await writeFile(join(dir, 'r.yaml'), recipe(1));
    // An unfinished run: planned, nothing submitted (no sbatch on PATH).
    const planned = await runCli(['run', 'r.yaml', '-i', 'b.jsonl', '-o', 'out', '--executor', 'slurm'], { cwd: dir, env: { PATH: empty } });
    expect(planned.stderr).toContain('sbatch');
    const same = await runCli(['status', 'out'], { cwd: dir });
    expect(same.stdout).toContain('run the same command again to start it from its plan');
    await writeFile(join(dir, 'r.yaml'), recipe(2));
    for (const [cwd, folder] of [[dir, 'out'], [empty, join(dir, 'out')]]) {
      const s = await runCli(['status', folder], { cwd });
      // None of its units done: run starts it over (new-user review 23b C6), and status says so.
      expect(s.stdout).toContain("not running: none of its units is done, and its recipe 'r.yaml' changed since the run began (the recipe's stages differ from stage 2 on (was ");
      expect(s.stdout).toContain('min_words=1');
      expect(s.stdout).toContain('min_words=2');
      expect(s.stdout).toContain('): the same command starts it over (nothing used the old one):\n');
      expect(s.stdout).toMatch(/corpus-clean run r\.yaml -i b\.jsonl -o out --executor slurm\n$/);
    }
    await rename(join(dir, 'r.yaml'), join(dir, 'gone.yaml'));
    const gone = await runCli(['status', 'out'], { cwd: dir });
    expect(gone.stdout).toContain("not running, and the same command fails now: its recipe 'r.yaml' does not load: cannot read recipe ");
    await writeFile(join(dir, 'r.yaml'), recipe(1));
    const back = await runCli(['status', 'out'], { cwd: dir });
    expect(back.stdout).toContain('run the same command again to start it from its plan');
  });
});
