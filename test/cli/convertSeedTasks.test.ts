import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_TASKS_JQ } from '../../src/cli/schemaHint.js';
import { HAS_SHARED, runCli, runCliAll, SHARED, tempDir } from '../helpers/run.js';

// New-user review 13 #10: self-instruct seed tasks (Alpaca's and BELLE's seed_tasks.jsonl:
// instruction + instances: [{input, output}]) got the generic hint "map other field names first
// with 'corpus-clean repair --schema NAME'", and following it rejected every record again
// (repair/missing:output). A task may hold several instances, each a sample: convert, which
// writes at most one record per record read, reads a task of one instance as its Alpaca record
// and rejects one of several (convert:several_instances); a note says how to flatten them.

const SEEDS = [
  { id: 'seed_task_0', name: 'antonyms', instruction: 'What is the relation between the given pairs?', instances: [{ input: 'Night : Day :: Right : Left', output: 'They are opposites.' }], is_classification: false },
  { id: 'seed_task_1', name: 'sum', instruction: 'Add the numbers.', instances: [{ input: '1 2', output: '3' }, { input: '2 2', output: '4' }], is_classification: false },
];

describe('convert and repair: self-instruct seed tasks', () => {
  it('convert reads a task of one instance as its Alpaca record; one of several is rejected with the command that flattens it', async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir, 'seed_tasks.jsonl'), SEEDS.map((s) => JSON.stringify(s)).join('\n') + '\n');
      // ux14's note: every task of Alpaca's and BELLE's seed files holds one instance, and was refused.
      const c = await runCli(['convert', 'seed_tasks.jsonl', '--to', 'xtuner-conversation', '-o', 'x.jsonl', '--max-reject-rate', '1'], { cwd: dir });
      expect(c.code, c.stderr).toBe(0);
      expect(c.stderr).toContain('read 2 = written 1 + rejected 1 [convert/convert:several_instances 1]');
      expect(c.stderr).toContain(`corpus-clean convert: note: 1 of 2 records are self-instruct seed tasks of several instances (instances: [{input, output}]), rejected as convert:several_instances: each instance is a sample of its own, and a record read is at most one record written (a task of one instance is read as its Alpaca record); flatten them first, one Alpaca record per instance: ${SEED_TASKS_JQ} seed_tasks.jsonl | corpus-clean convert - --to xtuner-conversation`);
      expect(JSON.parse(await readFile(join(dir, 'x.jsonl'), 'utf8')).conversation).toEqual([{ system: '', input: 'What is the relation between the given pairs?\nNight : Day :: Right : Left', output: 'They are opposites.' }]);
      // From repair, back to repair (new-user review 14 #8: it pointed to convert, with '--to ...' that is refused pasted).
      const hint = `these are self-instruct seed tasks (instruction and instances: [{input, output}], as Alpaca's and BELLE's seed_tasks.jsonl), which a schema does not read (convert reads a task of one instance as its Alpaca record): each instance is a sample of its own, and a record read is at most one record written; flatten them first, one Alpaca record per instance: ${SEED_TASKS_JQ} seed_tasks.jsonl | corpus-clean repair - --schema alpaca`;
      const r = await runCli(['repair', 'seed_tasks.jsonl', '--schema', 'alpaca'], { cwd: dir });
      expect(r.stderr).toContain(`most records were rejected as repair/missing:output (2 of 2); ${hint}`);
      if (existsSync('/usr/bin/jq')) {
        // Each line as printed (with the CLI for `corpus-clean`): every instance is written.
        const flat = execFileSync('/bin/sh', ['-c', `${SEED_TASKS_JQ} seed_tasks.jsonl`], { cwd: dir, encoding: 'utf8' });
        const ok = await runCli(['convert', '-', '--to', 'xtuner-conversation'], { cwd: dir, input: flat });
        expect(ok.stderr).toContain('read 3 = written 3 + rejected 0');
        expect(JSON.parse(ok.stdout.split('\n')[2]).conversation).toEqual([{ system: '', input: 'Add the numbers.\n2 2', output: '4' }]);
        // A task of one instance: the same record, read directly or flattened.
        expect(ok.stdout.split('\n')[0]).toBe((await readFile(join(dir, 'x.jsonl'), 'utf8')).trimEnd());
        const rep = await runCli(['repair', '-', '--schema', 'alpaca'], { cwd: dir, input: flat });
        expect(rep.stderr).toContain('read 3 = written 3 + rejected 0');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(HAS_SHARED)("Alpaca's and BELLE's seed_tasks.jsonl: every task is read (one instance each)", async () => {
    const [a, b] = await runCliAll([
      ['convert', join(SHARED, 'sft/alpaca_seed_tasks.jsonl'), '-o', '/dev/null'],
      ['convert', join(SHARED, 'sft/belle_zh_seed_tasks.jsonl'), '-o', '/dev/null'],
    ]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('read 175 = written 175 + rejected 0');
    }
  });
});
