import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

// Hostile review 21 (F13 re-check): a _plan.json that is JSON with the top-level lists, but
// damaged deeper, printed TypeError stacks in status, task and run (`tasks: [null]`, `segments:
// [[7], []]`, `stages: [null]`, `globals: [9]`, `inputFacts: null`), `settings: {}` let task run
// with defaults, and `units: 1e9` kept status counting markers for minutes.
describe('a _plan.json damaged below its top level', () => {
  it('is one line, exit 2, in status, task and run', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n  - dedup: {method: exact}\n');
    const args = ['run', 'r.yaml', '-i', join(ROOT, 'fixtures/dedup'), '-o', 'good', '-q'];
    const first = await runNode(['--import', FAULTS, CLI, ...args], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'part-' } });
    expect(first.code, first.stderr).toBe(1);
    const base = JSON.parse(await readFile(join(dir, 'good/_plan.json'), 'utf8')) as Record<string, unknown>;
    const edits: [string, (p: Record<string, unknown>) => void, string][] = [
      ['tasks: [null]', (p) => (p.tasks = [null]), 'a task without its file or bytes'],
      ['segments: [[7], []]', (p) => (p.segments = [[7], []]), 'a segment naming no stage of the plan'],
      ['stages: [null, null]', (p) => (p.stages = [null, null]), 'a stage without its name or options'],
      ['globals: [9]', (p) => (p.globals = [9]), 'global stages that do not match its segments'],
      ['inputFacts: null', (p) => (p.inputFacts = null), 'input facts that are not a list of objects'],
      ['settings: {}', (p) => (p.settings = {}), 'no settings (with their input format)'],
      ['units: 1e9', (p) => ((p.phases as Record<string, unknown>[])[1].units = 1e9), "step phase '1-dedup-partitions' that does not match the plan's global stages"],
    ];
    for (const [what, edit, why] of edits) {
      const d = join(dir, 'bad');
      await cp(join(dir, 'good'), d, { recursive: true, force: true });
      const p = structuredClone(base);
      edit(p);
      await writeFile(join(d, '_plan.json'), JSON.stringify(p));
      for (const cmd of [['status', 'bad'], ['task', 'bad', '--phase', '0', '--unit', '0']]) {
        const r = await runCli(cmd, { cwd: dir, timeoutMs: 60_000 });
        expect(r.code, `${what}, ${cmd[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toBe(`corpus-clean: 'bad/_plan.json' does not read (${why}): it is not the plan a 'corpus-clean run' writes (damaged or edited), so the run in 'bad' cannot be told or resumed; run its recipe again into that folder with --overwrite to start over\n`);
      }
      const run = await runCli(['run', 'r.yaml', '-i', join(ROOT, 'fixtures/dedup'), '-o', 'bad', '-q'], { cwd: dir, timeoutMs: 60_000 });
      expect(run.code, `${what}, run: ${run.stderr}`).toBe(2);
      expect(run.stderr).toBe("corpus-clean: output folder 'bad' holds an unfinished run of a different recipe, inputs or settings (its _plan.json does not read); pass --overwrite to start again\n");
    }
    // The plan as written still resumes.
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
  });
});
