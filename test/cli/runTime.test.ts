import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';

const SAMPLE = ['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '--workers', '1'];
const HOUR = 3600_000;

/** Move every file below `dir` `ms` into the past. */
async function age(dir: string, ms: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await age(p, ms);
    else {
      const t = (await stat(p)).mtimeMs - ms;
      await utimes(p, t / 1000, t / 1000);
    }
  }
}

describe('the time of a run that was stopped and resumed', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('counts the time the attempts worked, not the hour between them', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const out = join(dir, 'o');
    const first = await new Promise<number>((res) => {
      const p = spawn(process.execPath, [CLI, ...SAMPLE, '-o', out], { cwd: ROOT, env: { ...process.env, CORPUS_CLEAN_FAIL_UNIT: '2-tasks/3' }, stdio: 'ignore' });
      p.on('close', (code) => res(code ?? -1));
    });
    expect(first).toBe(1);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    // The first attempt happened an hour ago: its plan, its finished units and its recorded start.
    await age(out, HOUR);
    const attempts = join(out, '_work', 'attempts.json');
    if (existsSync(attempts)) await writeFile(attempts, JSON.stringify((JSON.parse(await readFile(attempts, 'utf8')) as number[]).map((t) => t - HOUR)));
    const again = await runCli([...SAMPLE, '-o', out]);
    expect(again.code, again.stderr).toBe(0);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as { ms: number };
    expect(stats.ms).toBeGreaterThan(0);
    // Both attempts together take seconds; the hour between them is not work.
    expect(stats.ms).toBeLessThan(HOUR / 6);
  }, 300_000);
});
