import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run.js';

/** Golden help texts live in fixtures/cli/help/; `UPDATE_GOLDEN=1 npm test` rewrites them. */
const GOLDEN = join(ROOT, 'fixtures/cli/help');

async function golden(name: string, actual: string): Promise<void> {
  const file = join(GOLDEN, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, actual);
  expect(existsSync(file), `missing golden ${file}: run UPDATE_GOLDEN=1 npm test`).toBe(true);
  expect(actual).toBe(await readFile(file, 'utf8'));
}

describe('--help', () => {
  it('top-level help lists every command and matches the golden file', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    await golden('main', r.stdout.replace(/corpus-clean \d+\.\d+\.\d+\S*/, 'corpus-clean VERSION'));
  });

  it('no arguments prints the usage to stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: corpus-clean <command>');
  });

  it('every command has --help matching its golden file', async () => {
    const top = await runCli(['--help']);
    const names = [...top.stdout.matchAll(/^ {2}([a-z][a-z0-9-]*) {2,}/gm)].map((m) => m[1]);
    expect(names).toContain('cat');
    expect(names).toContain('run');
    for (const name of names) {
      const r = await runCli([name, '--help']);
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^Usage: corpus-clean ${name}`));
      await golden(name, r.stdout);
      // Off a terminal every line fits 100 columns, the summary too (new-user review 10 #10).
      for (const line of r.stdout.split('\n')) expect([...line].length, `${name}: ${line}`).toBeLessThanOrEqual(100);
    }
  });
});
