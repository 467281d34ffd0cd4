import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 20 F13: a damaged _plan.json is reported by status, merge and task as run reports
// it (one line naming the file, exit 2), not with a JavaScript stack trace.

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'in'));
  await writeFile(join(dir, 'in/a.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} is here` })).join('\n') + '\n');
  await writeFile(join(dir, 'rec.yaml'), 'name: t\nstages:\n  - normalize: {}\n');
  const r = await runCli(['run', join(dir, 'rec.yaml'), '-i', join(dir, 'in'), '-o', join(dir, 'runA')]);
  expect(r.code).toBe(0);
});

describe('a damaged _plan.json (hostile review 20 F13)', () => {
  const cases: [string, (plan: string) => string][] = [
    ['not JSON', () => 'garbage{\n'],
    ['cut short', (plan) => plan.slice(0, 200)],
    ['an empty object', () => '{}\n'],
    ['phases not a list', (plan) => JSON.stringify({ ...JSON.parse(plan), phases: 3 })],
  ];
  for (const [what, damage] of cases) {
    it(`${what}: status, merge and task name the file in one line, exit 2`, async () => {
      const run = join(dir, `r-${what.replace(/ /g, '')}`);
      await cp(join(dir, 'runA'), run, { recursive: true });
      await rm(join(run, '_SUCCESS'));
      await writeFile(join(run, '_plan.json'), damage(await readFile(join(dir, 'runA/_plan.json'), 'utf8')));
      for (const args of [['status', run], ['merge', run], ['task', run, '--phase', '0', '--unit', '0']]) {
        const r = await runCli(args);
        expect(r.stderr).toContain(`'${join(run, '_plan.json')}' does not read (`);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.code).toBe(2);
      }
    });
  }
  it('status of the intact run still reports it', async () => {
    const r = await runCli(['status', join(dir, 'runA')]);
    expect(r.stdout).toContain("run 't'");
    expect(r.code).toBe(0);
  });
});
