import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// fix18b's leftovers: a recipe of only `convert` read a rejects file among its inputs as records
// (convert:unknown_format) and, unlike the convert command, said nothing at the end; and the
// convert command's note looked at JSONL-named inputs only (a rejects file read with --format
// jsonl under another name was sent to 'repair --schema').
describe('a rejects file read by convert', () => {
  it('run with a convert-only recipe names it at the end; convert names one read with --format jsonl', async () => {
    const dir = await tempDir();
    const reject = '{"stage":"read","reason":"json_parse","source":"a.jsonl:3","raw":"not json","detail":{"error":"Unexpected token"}}\n';
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'a.jsonl'), '{"instruction":"say hi","input":"","output":"hi"}\n{"instruction":"say bye","input":"","output":"bye"}\n');
    await writeFile(join(dir, 'in', 'old-rejects.jsonl'), reject);
    await writeFile(join(dir, 'r.txt'), reject);
    await writeFile(join(dir, 'cv.yaml'), 'name: cv\nstages:\n  - convert: {to: xtuner-openai}\n');
    const run = await runCli(['run', 'cv.yaml', '-i', 'in/', '-o', 'out', '-q', '--max-reject-rate', '1'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("corpus-clean run: note: 'in/old-rejects.jsonl' is a corpus-clean rejects file");
    expect(run.stderr).toContain("to leave it out of the input, move it out of in/, or rename it with a leading '_'");
    expect(run.stderr).toContain("to convert those, take them out first");
    const one = await runCli(['convert', 'r.txt', '--format', 'jsonl', '--to', 'xtuner-openai', '-o', 'c.jsonl', '--max-reject-rate', '1'], { cwd: dir });
    expect(one.code, one.stderr).toBe(1);
    expect(one.stderr).toContain("note: 'r.txt' is a corpus-clean rejects file");
    // Read back as JSON Lines, as it was read here (cat would read r.txt as text lines).
    expect(one.stderr).toContain("'corpus-clean cat r.txt --format jsonl --no-require-text | jq -r");
    expect(one.stderr).not.toContain('repair --schema');
  });
});
