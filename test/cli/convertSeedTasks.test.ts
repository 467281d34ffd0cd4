import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_TASKS_JQ } from '../../src/cli/schemaHint.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 13 #10: self-instruct seed tasks (Alpaca's and BELLE's seed_tasks.jsonl:
// instruction + instances: [{input, output}]) got the generic hint "map other field names first
// with 'corpus-clean repair --schema NAME'", and following it rejected every record again
// (repair/missing:output). A task may hold several instances, each a sample: convert, which
// writes at most one record per record read, does not read them; the hint says how to flatten.

const SEEDS = [
  { id: 'seed_task_0', name: 'antonyms', instruction: 'What is the relation between the given pairs?', instances: [{ input: 'Night : Day :: Right : Left', output: 'They are opposites.' }], is_classification: false },
  { id: 'seed_task_1', name: 'sum', instruction: 'Add the numbers.', instances: [{ input: '1 2', output: '3' }, { input: '2 2', output: '4' }], is_classification: false },
];

describe('convert and repair: self-instruct seed tasks', () => {
  it('the note names the shape and gives the command that flattens it, one Alpaca record per instance', async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir, 'seed_tasks.jsonl'), SEEDS.map((s) => JSON.stringify(s)).join('\n') + '\n');
      const hint = (then: string): string =>
        `these are self-instruct seed tasks (instruction and instances: [{input, output}], as Alpaca's and BELLE's seed_tasks.jsonl), which neither convert nor a schema reads: each instance is a sample of its own, and a record read is at most one record written; flatten them first, one Alpaca record per instance: ${SEED_TASKS_JQ} seed_tasks.jsonl ${then}`;
      const c = await runCli(['convert', 'seed_tasks.jsonl', '--to', 'xtuner-openai', '-o', 'x.jsonl'], { cwd: dir });
      expect(c.code).toBe(1);
      expect(c.stderr).toContain(`most records were rejected as convert/convert:unknown_format (2 of 2); ${hint('| corpus-clean convert - --to xtuner-conversation')}`);
      // From repair, back to repair (new-user review 14 #8: it pointed to convert, with '--to ...' that is refused pasted).
      const r = await runCli(['repair', 'seed_tasks.jsonl', '--schema', 'alpaca'], { cwd: dir });
      expect(r.stderr).toContain(`most records were rejected as repair/missing:output (2 of 2); ${hint('| corpus-clean repair - --schema alpaca')}`);
      if (existsSync('/usr/bin/jq')) {
        // Each line as printed (with the CLI for `corpus-clean`): every instance is written.
        const flat = execFileSync('/bin/sh', ['-c', `${SEED_TASKS_JQ} seed_tasks.jsonl`], { cwd: dir, encoding: 'utf8' });
        const ok = await runCli(['convert', '-', '--to', 'xtuner-conversation'], { cwd: dir, input: flat });
        expect(ok.stderr).toContain('read 3 = written 3 + rejected 0');
        expect(JSON.parse(ok.stdout.split('\n')[2]).conversation).toEqual([{ system: '', input: 'Add the numbers.\n2 2', output: '4' }]);
        const rep = await runCli(['repair', '-', '--schema', 'alpaca'], { cwd: dir, input: flat });
        expect(rep.stderr).toContain('read 3 = written 3 + rejected 0');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
