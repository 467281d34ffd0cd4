import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAll, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Follow-ups of the new-user review of session 15 (/work/notes/review-newuser15.md).

const TEXTS = ['The quick brown fox jumps over the lazy dog near the river bank.', '今天天气很好，我们一起去公园散步吧。'];

// F15: `export internevo -o nt1/a/b/` that wrote nothing removed b/ and train/en/ but left nt1/a/,
// the parents it had made (cat and export xtuner-v1 remove theirs); its note named only --allow-empty.
describe('export internevo that writes nothing', () => {
  it('removes every folder it made, parents of DIR too, and names --min-length when that dropped everything', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), TEXTS.map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
    await mkdir(join(dir, 'mine'));
    const [one, byLang, kept, empty] = await runCliAll(
      [
        ['export', 'internevo', 'in.jsonl', '-o', 'nt1/a/b/', '--tokenizer', TOKENIZER_MODEL, '--min-length', '100000'],
        ['export', 'internevo', 'in.jsonl', '-o', 'nt2/a/', '--type', 'by-lang', '--tokenizer', TOKENIZER_MODEL, '--min-length', '100000', '-q'],
        ['export', 'internevo', 'in.jsonl', '-o', 'mine/a/b/', '--tokenizer', TOKENIZER_MODEL, '--min-length', '100000', '-q'],
        ['export', 'internevo', 'in.jsonl', '-o', 'nt3/a/', '--tokenizer', TOKENIZER_MODEL, '--min-length', '100000', '--allow-empty', '-q'],
      ],
      { cwd: dir },
    );
    for (const r of [one, byLang, kept]) expect(r.code, r.stderr).toBe(1);
    expect(existsSync(join(dir, 'nt1')), one.stderr).toBe(false);
    expect(existsSync(join(dir, 'nt2')), byLang.stderr).toBe(false);
    expect(await readdir(join(dir, 'mine'))).toEqual([]);
    // --allow-empty: the empty output is a result, and its folders stay.
    expect(empty.code, empty.stderr).toBe(0);
    expect(await readdir(join(dir, 'nt3/a/train/en'))).toEqual([]);
    expect(one.stderr).toContain('most records were rejected as tokenize/too_short (2 of 2); they have fewer tokens than --min-length: a smaller --min-length keeps more');
  });
});
