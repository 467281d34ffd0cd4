import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 21 N9: the report of a run that exited 1 (_FAILED) read like a finished run's.
describe('the report of a failed run', () => {
  it('says the run failed, its exit code and _FAILED; that of a run that succeeded does not', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'body.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ body: `the body text of record ${i}` })).join('\n') + '\n');
    await writeFile(join(dir, 'good.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `the text of record ${i}` })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize\n');
    const bad = await runCli(['run', 'r.yaml', '--input', 'body.jsonl', '-o', 'bad', '-q'], { cwd: dir });
    expect(bad.code, bad.stderr).toBe(1);
    const html = await readFile(join(dir, 'bad', '_report.html'), 'utf8');
    // With its cause, in status's words (new-user review 23b C3; test/report/failureBanner24.test.ts).
    expect(html).toContain('<strong>This run failed</strong>: it exited 1 because 20 of 20 records were bad input (100.0 % &gt; --max-reject-rate 0.1); nothing was written, and its folder is marked _FAILED, not _SUCCESS');
    // Made again from the folder, by the report command: the same.
    const again = await runCli(['report', 'bad', '-o', 'again.html'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(dir, 'again.html'), 'utf8')).toContain('<strong>This run failed</strong>: it exited 1');
    const good = await runCli(['run', 'r.yaml', '--input', 'good.jsonl', '-o', 'good', '-q'], { cwd: dir });
    expect(good.code, good.stderr).toBe(0);
    expect(await readFile(join(dir, 'good', '_report.html'), 'utf8')).not.toContain('This run failed');
  });
});
