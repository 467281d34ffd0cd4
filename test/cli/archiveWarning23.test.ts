import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 A10b: an archive found in a folder got the per-file warning 'the file is
// damaged or cut short ... read an intact copy of it', beside the error line's 'a tar archive ...
// unpack it'. The warning says what the error line says now.
describe('an archive in a folder: its per-file warning', () => {
  it('says to unpack it, not to read an intact copy', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'fold'));
    await writeFile(join(dir, 'p1.jsonl'), '{"text":"one record"}\n{"text":"two records"}\n');
    await writeFile(join(dir, 'fold/ok.jsonl'), '{"text":"a good one"}\n');
    expect(spawnSync('tar', ['czf', 'fold/a.jsonl.gz', 'p1.jsonl'], { cwd: dir }).status).toBe(0);
    const r = await runCli(['cat', 'fold', '-o', 'o.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: fold/a.jsonl.gz: a tar archive, found by its content');
    expect(r.stderr).toContain("warning: fold/a.jsonl.gz: none of its 1 records was written; 1 (100 %) rejected as read/damaged_input: the file is an archive or a compression corpus-clean does not read, found by its content (the error line says which): unpack or decompress it, and give what it holds\n");
    expect(r.stderr).not.toContain('intact copy');
  });
});
