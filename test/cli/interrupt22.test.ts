import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, signalWhen, tempDir } from '../helpers/run.js';

const SAMPLE = join(ROOT, 'rules/recipes/sample.yaml');
const big = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to take a while to judge.` })).join('\n') + '\n';

// New-user review 21 N7: `run --overwrite` stopped by Ctrl-C within seconds had removed the earlier
// finished run, and the message did not say so (single commands put an earlier output back).
// N8: run's signal line said 'unfinished output removed; finished tasks are kept' (two opposite
// halves) and named no command; dedup-disk's named none and gave no stopped line.
describe('a run or dedup-disk stopped by a signal', () => {
  it('run --overwrite over a finished run: names the command, what was stopped, and that the earlier run is gone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'small.jsonl'), big(50));
    await writeFile(join(dir, 'big.jsonl'), big(60_000));
    const out = join(dir, 'r');
    const first = await runCli(['run', SAMPLE, '-i', join(dir, 'small.jsonl'), '-o', out, '-q', '--max-reject-rate', '1', '--allow-empty']);
    expect(first.code, first.stderr).toBe(0);
    const r = await signalWhen(['run', SAMPLE, '-i', join(dir, 'big.jsonl'), '-o', out, '--workers', '1', '-q', '--overwrite'], join(out, '_work'), (names) => names.includes('rejects'), 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain(`corpus-clean run: terminated; the tasks under way were stopped and their unfinished files removed; no task had finished yet: the same command again starts the run from its plan; the earlier finished run in '${out}' was removed when this one started (--overwrite replaces a run in place: it is not put back)\ncorpus-clean run: stopped with 0 of `);
    expect(r.stderr).not.toContain('unfinished output removed');
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
  });

  it('dedup-disk: names the command and says how far it got', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big.jsonl'), big(60_000));
    const work = join(dir, 'w');
    const r = await signalWhen(['dedup-disk', join(dir, 'big.jsonl'), '-o', join(dir, 'dd/'), '--work', work, '-q'], join(work, '_work'), (names) => names.includes('global'), 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^corpus-clean dedup-disk: interrupted; the tasks under way were stopped and their unfinished files removed; (no task had finished yet|finished tasks are kept)/m);
    expect(r.stderr).toMatch(/\ncorpus-clean dedup-disk: stopped with \d+ of \d+ units done in .*; nothing is written to the output before its last step\n/);
  });
});
