import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// fix18's leftover: `export internevo --overwrite` with no earlier shards but a --rejects/--stats
// file of the user's (what --overwrite was given for) replaced them when it failed; the other
// commands set them aside and put them back (new-user review 17 F3's sibling).
describe('export internevo --overwrite, no earlier shards, the user\'s own --rejects/--stats', () => {
  it('a failed export puts them back as they were and says so; a finished one replaces them', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'half.jsonl'), '{"text":"one good record here"}\nbad\nbad\n');
    await writeFile(join(dir, 'good.jsonl'), '{"text":"one good record here"}\n{"text":"and another good one"}\n');
    const notes = '{"note":"mine, not a reject"}\n';
    const mine = '{"mine": 1}\n';
    await writeFile(join(dir, 'notes.jsonl'), notes);
    await writeFile(join(dir, 'st.json'), mine);
    const args = (input: string, out: string): string[] => ['export', 'internevo', input, '--tokenizer', TOKENIZER_MODEL, '--type', 'en', '-o', out, '--rejects', 'notes.jsonl', '--stats', 'st.json', '--overwrite', '-q'];
    const failed = await runCli(args('half.jsonl', 'tk/'), { cwd: dir });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain("note: 'notes.jsonl' and 'st.json' are kept as they were: --overwrite replaces them only with a complete output");
    expect(await readFile(join(dir, 'notes.jsonl'), 'utf8')).toBe(notes);
    expect(await readFile(join(dir, 'st.json'), 'utf8')).toBe(mine);
    // No set-aside copy left beside them.
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    const ok = await runCli(args('good.jsonl', 'tk2/'), { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await readFile(join(dir, 'notes.jsonl'), 'utf8')).toBe('');
    expect(JSON.parse(await readFile(join(dir, 'st.json'), 'utf8'))).toMatchObject({ command: 'export', written: 2 });
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
