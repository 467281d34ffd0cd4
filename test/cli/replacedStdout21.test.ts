import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../helpers/run.js';

// Hostile review 21 G5: a command writing to stdout whose input folder was replaced while it read
// said "nothing was written" after 4000 records had reached its reader, and printed no stopped line.
describe('an input replaced while read, the output on stdout', () => {
  it('says how far it got and that the records sent are an incomplete output, not "nothing was written"', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'd1'));
    await writeFile(join(dir, 'd1/a.jsonl'), Array.from({ length: 5 }, (_, i) => `{"text":"record ${i}"}\n`).join(''));
    const w = await runCli(['cat', 'd1/a.jsonl', '-o', 'x2/', '--shard-records', '2', '-q'], { cwd: dir });
    expect(w.code, w.stderr).toBe(0);
    // stdin is read first and held open until x2 was replaced (the rejects file's lock says the command is reading).
    const child = spawn(process.execPath, [CLI, 'cat', '-', 'x2', '--rejects', 'rej.jsonl', '--max-reject-rate', '1'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stdin.write('{"text":"from stdin first"}\n');
    while (!existsSync(join(dir, '.rej.jsonl.lock'))) await new Promise((r) => setTimeout(r, 5));
    await writeFile(join(dir, 'x2', '.new'), '{"text":"a new shard"}\n');
    await rename(join(dir, 'x2', '.new'), join(dir, 'x2', 'part-00001.jsonl'));
    child.stdin.end();
    const code = await new Promise((r) => child.on('close', r));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain("corpus-clean cat: error: 'x2/' was replaced while it was read (another command's --overwrite?): 'x2/part-00001.jsonl' is another file now\n");
    expect(stderr).not.toContain('nothing was written');
    expect(stderr).toMatch(/corpus-clean cat: stopped after read \d+ = written \d+ \+ rejected 0.*: the records sent to stdout before it are an incomplete output: discard them/);
    expect(stdout === '' || stdout.startsWith('{"text":"from stdin first"}')).toBe(true);
  });
});
