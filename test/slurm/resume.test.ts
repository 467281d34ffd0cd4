import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';
import { runOutput } from '../exec/helpers.js';

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

interface Job {
  id: string;
  phase: number;
}

/**
 * A Slurm run whose driver is killed once its whole chain is submitted; with the merge job held,
 * a local run and an --overwrite run of the same folder are tried; then, the merge released, the
 * same command again, which follows the chain to its end. Made once: the test of the rerun and the
 * test of the accounting the driver prints (the merge's whole log) read it (a Slurm chain on a
 * loaded 2-core CI is some 20 s).
 */
interface Followed {
  recipe: string;
  dir: string;
  out: string;
  jobs: Job[];
  others: { code: number; stderr: string }[];
  again: { code: number; stderr: string };
}
let followed: Promise<Followed> | undefined;
function followedRun(): Promise<Followed> {
  followed ??= (async () => {
    const { dir, recipe } = await setup();
    const out = join(dir, 'o');
    const args = ['run', recipe, '-o', out, '--executor', 'slurm'];
    const driver = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: 'ignore' });
    // Kill the driver once its whole chain is submitted (the merge job recorded).
    const jobsFile = join(out, '_slurm', 'jobs.json');
    let jobs: Job[] = [];
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      jobs = existsSync(jobsFile) ? (JSON.parse(await readFile(jobsFile, 'utf8').catch(() => '[]')) as Job[]) : [];
      if (jobs.some((j) => j.phase === -1)) break;
    }
    driver.kill('SIGKILL');
    await new Promise((r) => driver.on('close', r));
    jobsToCancel.push(...jobs.map((j) => j.id));
    const merge = jobs.find((j) => j.phase === -1)!.id;
    // The merge held, so that the chain is surely alive while other writers are tried.
    execFileSync('scontrol', ['hold', merge]);
    const others: { code: number; stderr: string }[] = [];
    for (const other of [['run', recipe, '-o', out, '--executor', 'local'], [...args, '--overwrite']]) others.push(await runCli(other));
    execFileSync('scontrol', ['release', merge]);
    const again = await runCli(args);
    return { recipe, dir, out, jobs, others, again };
  })();
  return followed;
}

describe('rerun of a Slurm run', () => {
  it.skipIf(SLURM)('Slurm tests skipped: set CORPUS_CLEAN_SLURM=1 with a cluster from ../shared/slurm/start-local.sh (.ci/run does)', () => {});

  it.runIf(SLURM)(
    'prints the whole accounting of the merge (read = written + rejected and a line per input file) with eight input files',
    async () => {
      // The driver that followed the chain to its end prints the merge's log, as one that submitted it does.
      const { again: r } = await followedRun();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/corpus-clean (run|merge): read \d+ = written \d+ \+ rejected \d+/);
      for (const f of ['repeats-and-damage.jsonl', 'web-en.jsonl.gz', 'licenses-0.jsonl', 'licenses-4.jsonl']) expect(r.stderr).toContain(f);
    },
    600_000,
  );

  it.runIf(SLURM)(
    'after its driver is killed, a rerun follows the live job chain instead of submitting a second one; other writers are refused naming the jobs',
    async () => {
      const { recipe, dir, out, jobs, others, again } = await followedRun();
      const ids = jobs.map((j) => j.id);
      const merge = jobs.find((j) => j.phase === -1)!.id;
      expect(others).toHaveLength(2);
      for (const r of others) {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`has Slurm jobs of an earlier run still queued or running \\([^)]*${merge}\\).*scancel [0-9 ]*${merge}`));
      }
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/following them instead of submitting again/);
      expect(again.stderr).not.toMatch(/submitted \d+ Slurm jobs/);
      expect(again.stderr).toMatch(/read \d+ = written \d+ \+ rejected [1-9]\d*/);
      // One chain only: the same jobs recorded, one merge log, and the output of a local run.
      expect((JSON.parse(await readFile(join(out, '_slurm', 'jobs.json'), 'utf8')) as Job[]).map((j) => j.id)).toEqual(ids);
      expect((await readdir(join(out, '_slurm', 'logs'))).filter((f) => f.includes('-merge-'))).toHaveLength(1);
      const local = await runCli(['run', recipe, '-o', join(dir, 'local'), '-q']);
      expect(local.code).toBe(0);
      expect(await runOutput(out)).toEqual(await runOutput(join(dir, 'local')));
    },
    600_000,
  );
});
