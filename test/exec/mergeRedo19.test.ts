import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';
import { runOutput } from './helpers.js';

// fix18's leftover: damage that `corpus-clean merge` (the Slurm executor's last job, or by hand)
// found in _work/ un-marked the units that wrote it and failed ("run the same command again");
// `run` redoes them in the same call. merge now does too: the un-marked units, then the merge.
const SAMPLE = ['run', 'rules/recipes/sample.yaml', '--task-size', '200KB', '-q', '--workers', '1'];

describe('merge of a run whose _work/ holds damage', () => {
  it('redoes the units that wrote it in the same call and finishes byte-identical', async () => {
    const dir = await tempDir();
    const ref = join(dir, 'ref');
    expect((await runCli([...SAMPLE, '-o', ref])).code).toBe(0);
    // Every unit done but the merge: the last unit fails in the run, then is run by hand (as a Slurm array task).
    const out = join(dir, 'o');
    const stopped = await runCli([...SAMPLE, '-o', out], { env: { CORPUS_CLEAN_FAIL_UNIT: '5-tasks/5' } });
    expect(stopped.code, stopped.stderr).toBe(1);
    const last = await runCli(['task', out, '--phase', '5', '--unit', '5']);
    expect(last.code, last.stderr).toBe(0);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    // What task 1 left for the merge: a byte of its rejects flipped.
    const rejects = join(out, '_work', 'rejects', '00001.2.jsonl.zst');
    const b = await readFile(rejects);
    b[400] ^= 0x01;
    await writeFile(rejects, b);
    const merge = await runCli(['merge', out]);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stderr).not.toMatch(/Error: |\n\s+at /);
    expect(merge.stderr).toMatch(/^corpus-clean merge: warning: merge: .*_work\/rejects\/00001\.2\.jsonl\.zst is damaged: its CRC-32 .*; it was removed and task 1 of phases 0-tasks, 2-tasks, 5-tasks un-marked, so that the run redoes it\ncorpus-clean merge: redoing it now, in this merge\n/);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
});
