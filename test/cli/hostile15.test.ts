import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

// Hostile review 15, LOW findings on the day's changes.
describe('hostile review 15', () => {
  // F1: a dangling link's branch returned before the /proc-/sys check: the command ran, then
  // failed with exit 1 naming a temporary ('/proc/.dangle.jsonl.tmp-...').
  it('an output that is a dangling link into /proc is refused up front, exit 2', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one"}\n');
    await symlink('/proc/dangle.jsonl', join(dir, 'dl.jsonl'));
    const r = await runCli(['cat', 'in.jsonl', '-o', 'dl.jsonl'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--output 'dl.jsonl' is a symbolic link to '/proc/dangle.jsonl', which cannot be created: '/proc' is on a proc file system");
  });
  // F3: `corpus-clean tokenize` (a command line) was told the recipe form `tokenizer: PATH`.
  it('tokenize without a model: both forms, the bundled model by its path alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one"}\n');
    const r = await runCli(['tokenize', 'in.jsonl'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(--tokenizer MODEL, or tokenizer: MODEL in a recipe\); InternLM2's is bundled at \/\S+internlm2\.model\n$/);
  });
  // F6: a name with a space pasted from the note read two files.
  it('the rejects-file note names a file as a shell takes it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"id":1}\n{"id":2}\n');
    const [made] = await runCliAll([['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'my rejects.jsonl', '--max-reject-rate', '1', '--allow-empty', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const r = await runCli(['cat', 'my rejects.jsonl', '-o', 'x.jsonl'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`('corpus-clean cat "my rejects.jsonl" --no-require-text --limit 5')`);
    expect(r.stderr).toContain(`one per line: 'corpus-clean cat "my rejects.jsonl" --no-require-text | jq -r "if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end"'`);
  });
});
