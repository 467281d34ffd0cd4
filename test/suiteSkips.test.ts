import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/run.js';
import { skipLine, skipReason } from './helpers/skipReporter.js';

// review-newuser3 #14 (still in review 4): `npm test` reported "28 skipped" and nothing said why,
// though the README promised one line saying so.
describe('npm test says why tests were skipped', () => {
  it('the test script adds the reporter that prints the line', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/--reporter default --reporter \.\/test\/helpers\/skipReporter\.ts/);
  });

  it('one line: the real-data tests without CORPUS_CLEAN_DATA, the Slurm tests without a cluster, a missing tool', () => {
    expect(skipReason('/c/test/slurm/run.test.ts', {})).toBe('slurm');
    expect(skipReason('/c/test/stages/x.test.ts', {})).toBe('data');
    expect(skipReason('/c/test/stages/x.test.ts', { CORPUS_CLEAN_DATA: '../shared/data' })).toBe('tool');
    expect(skipLine({ data: 0, slurm: 0, tool: 0 })).toBeUndefined();
    const line = skipLine({ data: 26, slurm: 2, tool: 0 })!;
    expect(line).not.toMatch(/\n/);
    expect(line).toBe('Skipped 28 tests: 26 need the real data in ../shared/data (CORPUS_CLEAN_DATA is not set; CORPUS_CLEAN_DATA=../shared/data npm test runs them); 2 need Slurm (CORPUS_CLEAN_SLURM=1 with a cluster; .ci/run starts one)');
    expect(skipLine({ data: 0, slurm: 0, tool: 1 })).toMatch(/^Skipped 1 test: 1 needs a tool not found here/);
  });

  it('with a cluster, the Slurm files\' stand-ins are skipped and not said to need Slurm (review-newuser5)', () => {
    const name = 'Slurm tests skipped: set CORPUS_CLEAN_SLURM=1 with a cluster from ../shared/slurm/start-local.sh (.ci/run does)';
    expect(skipReason('/c/test/slurm/run.test.ts', { CORPUS_CLEAN_SLURM: '1' }, name)).toBe('standIn');
    expect(skipReason('/c/test/slurm/run.test.ts', {}, 'runs a recipe on Slurm')).toBe('slurm');
    const line = skipLine({ data: 0, slurm: 0, tool: 1, standIn: 2 })!;
    expect(line).not.toMatch(/need Slurm/);
    expect(line).toBe('Skipped 3 tests: 1 needs a tool not found here (Chromium, the zstd command or /proc; --reporter verbose names them); 2 are the stand-ins for the Slurm tests, run only when no cluster is set (CORPUS_CLEAN_SLURM is set, so the Slurm tests ran instead)');
  });
});
