import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../helpers/run.js';
import { sh } from '../helpers/spawn.js';

// New-user review 21 N13: small rough edges of what a command says.

const records = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to fill a few batches of it` })).join('\n') + '\n';

describe('-o /dev/null stopped by a signal', () => {
  it('says the records were discarded, not that a reader may have them', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(50_000));
    // stdin is a FIFO held open: once all of in.jsonl went into it (the command has read all but
    // a pipe's buffer), the command waits for more, and the signal finds it running. set -m: a
    // background job of a script would otherwise ignore SIGINT.
    const r = await sh(`set -m; mkfifo in.fifo && { node ${CLI} cat -o /dev/null -q < in.fifo & pid=$!; } && exec 3>in.fifo && cat in.jsonl >&3 && sleep 1 && kill -INT $pid; wait $pid`, dir);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("the records written to '/dev/null' before the signal were discarded by it");
    expect(r.stderr).not.toMatch(/reader/);
  });
});

describe('extract of a .txt holding an HTML page', () => {
  it('is told that --format html reads it as a page', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'page.txt'), '<!doctype html>\n<html><head><title>A page</title></head><body><p>Some words of a page saved as text.</p></body></html>\n');
    const r = await runCli(['extract', 'page.txt', '-o', 'o.jsonl'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('rejected as extract/extract:no_html');
    expect(r.stderr).toContain('a .txt file is read as plain text: a file holding an HTML page is read as one with --format html');
    const ok = await runCli(['extract', 'page.txt', '-o', 'p.jsonl', '--format', 'html'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
  });
});
