import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAll, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Follow-ups of the reviews of session 16 (/work/notes/old16/review-newuser16.md, review-hostile16.md).

/** `n` records with a text of their own. */
function texts(n: number): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `English text number ${i} for the export accounting test.` })).join('\n') + '\n';
}

// New-user review 16 F9: `export internevo` of a file where a quarter of the records are Alpaca
// samples (no text) wrote the rest, exit 0, no word; `quality` on the same file exits 1 (bad input
// over --max-reject-rate). A record without text is bad input in every command; an empty text is
// a document with nothing in it in every command.
describe('export: records without text', () => {
  it('are bad input for --max-reject-rate, as in cat and quality; an empty text is not', async () => {
    const dir = await tempDir();
    const alpaca = Array.from({ length: 4 }, (_, i) => JSON.stringify({ instruction: `Say ${i}.`, input: '', output: `${i}` })).join('\n') + '\n';
    await writeFile(join(dir, 'mixed.jsonl'), texts(12) + alpaca);
    await writeFile(join(dir, 'empty.jsonl'), texts(12) + '{"text": ""}\n{"text": " \\n "}\n');
    const [ie, v1, q, empty, allowed] = await runCliAll(
      [
        ['export', 'internevo', 'mixed.jsonl', '--tokenizer', TOKENIZER_MODEL, '-o', 'ie', '--rejects', 'ie.rej.jsonl'],
        ['export', 'xtuner-v1', 'mixed.jsonl', '-o', 'v1.jsonl'],
        ['cat', 'mixed.jsonl', '-o', 'q.jsonl'],
        ['export', 'internevo', 'empty.jsonl', '--tokenizer', TOKENIZER_MODEL, '-o', 'ie2', '--rejects', 'ie2.rej.jsonl'],
        ['export', 'internevo', 'mixed.jsonl', '--tokenizer', TOKENIZER_MODEL, '-o', 'ie3', '--max-reject-rate', '0.25'],
      ],
      { cwd: dir },
    );
    for (const r of [ie, v1]) {
      expect(r.stderr).toContain('read 16 = written 12 + rejected 4 [tokenize/no_text 4]');
      expect(r.stderr).toContain('error: 4 of 16 records were bad input (25.0 % > --max-reject-rate 0.1)');
      expect(r.code, r.stderr).toBe(1);
    }
    expect(q.stderr).toContain('error: 4 of 16 records were bad input (25.0 % > --max-reject-rate 0.1)');
    expect(q.code).toBe(1);
    // Each dropped record is in the rejects with its reason.
    const rej = (await readFile(join(dir, 'ie.rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { stage: string; reason: string });
    expect(rej.map((r) => `${r.stage}/${r.reason}`)).toEqual(Array(4).fill('tokenize/no_text'));
    // Empty and white-space texts: rejected as text_empty, not bad input (as read/text_empty).
    expect(empty.stderr).toContain('read 14 = written 12 + rejected 2 [tokenize/text_empty 2]');
    expect(empty.code, empty.stderr).toBe(0);
    const rej2 = (await readFile(join(dir, 'ie2.rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: { message: string } });
    expect(rej2.map((r) => r.detail.message)).toEqual(["the record's text is empty", "the record's text is only whitespace"]);
    // The rate is the user's to set, as for every command.
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});
