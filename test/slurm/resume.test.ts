import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * Reruns of a Slurm run on a real Slurm (../shared/slurm/start-local.sh). Mandatory where
 * CORPUS_CLEAN_SLURM=1 (.ci/run starts the cluster and sets it); skipped elsewhere.
 */
const SLURM = process.env.CORPUS_CLEAN_SLURM === '1';

const dirs: string[] = [];
const jobsToCancel: string[] = [];
afterAll(async () => {
  if (jobsToCancel.length > 0) {
    try {
      execFileSync('scancel', jobsToCancel);
    } catch {
      // already ended
    }
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Eight real input files (the bundled slice, licenses.jsonl cut in five), a recipe with exact dedup. */
async function setup(): Promise<{ dir: string; recipe: string }> {
  const dir = await tempDir();
  dirs.push(dir);
  const input = join(dir, 'in');
  await mkdir(input);
  for (const f of ['repeats-and-damage.jsonl', 'web-en.jsonl.gz', 'web-zh.jsonl.zst']) await copyFile(join(ROOT, 'fixtures/sample', f), join(input, f));
  const lines = (await readFile(join(ROOT, 'fixtures/sample/licenses.jsonl'), 'utf8')).split('\n').filter(Boolean);
  for (let i = 0; i < 5; i++) await writeFile(join(input, `licenses-${i}.jsonl`), lines.filter((_, j) => j % 5 === i).join('\n') + '\n');
  const recipe = join(dir, 'recipe.yaml');
  await writeFile(recipe, `name: slurm-rerun\ninput: [${input}]\nstages:\n  - normalize: {}\n  - quality: {preset: auto}\n  - dedup: {method: exact}\noutput: {shard_records: 100, compression: gzip}\n`);
  return { dir, recipe };
}

describe('rerun of a Slurm run', () => {
  it.skipIf(SLURM)('Slurm tests skipped: set CORPUS_CLEAN_SLURM=1 with a cluster from ../shared/slurm/start-local.sh (.ci/run does)', () => {});

  it.runIf(SLURM)(
    'prints the whole accounting of the merge (read = written + rejected and a line per input file) with eight input files',
    async () => {
      const { dir, recipe } = await setup();
      const r = await runCli(['run', recipe, '-o', join(dir, 'o'), '--executor', 'slurm']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/corpus-clean (run|merge): read \d+ = written \d+ \+ rejected \d+/);
      for (const f of ['repeats-and-damage.jsonl', 'web-en.jsonl.gz', 'licenses-0.jsonl', 'licenses-4.jsonl']) expect(r.stderr).toContain(f);
    },
    600_000,
  );
});
