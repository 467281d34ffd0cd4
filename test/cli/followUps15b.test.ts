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

// F1/F2: after a note naming the cause (no text field; a rejects file read as data) the last line
// said "use --rejects FILE to see them" and "pass --allow-empty", which alone still exits 1.
describe('bad input over the rate that wrote nothing', () => {
  it('ends with one error that names the rate and points at the note, not at --allow-empty', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'raw.jsonl'), TEXTS.map((t) => JSON.stringify({ url: 'u', raw_content: t })).join('\n') + '\n');
    await writeFile(join(dir, 'mixed.jsonl'), '{"text":"kept"}\n{"id":1}\n');
    const [made] = await runCliAll([['cat', 'mixed.jsonl', '-o', 'o.jsonl', '--rejects', 'rej.jsonl.zst', '--max-reject-rate', '1', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [plain, allowed, rejects, rejectsRate1] = await runCliAll(
      [
        ['quality', 'raw.jsonl', '-o', 'q.jsonl'],
        ['quality', 'raw.jsonl', '-o', 'q2.jsonl', '--allow-empty'],
        ['cat', 'rej.jsonl.zst', '-o', 'x.jsonl'],
        ['cat', 'rej.jsonl.zst', '-o', 'y.jsonl', '--max-reject-rate', '1'],
      ],
      { cwd: dir },
    );
    const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;
    for (const r of [plain, allowed]) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain("have no 'text' or 'content' field; name the text field with --text-field NAME (keys seen: url, raw_content");
      expect(last(r.stderr)).toBe('corpus-clean quality: error: nothing was written: 2 of 2 records were bad input (100.0 % > --max-reject-rate 0.1); the notes above say why');
      expect(r.stderr).not.toContain('--allow-empty');
      expect(r.stderr).not.toContain('use --rejects FILE');
    }
    // A rejects file named to a command that needs a text is refused before anything is read
    // (new-user review 18 F1, 30a2ae6), whatever the rate: one line that says what it is and
    // how to read it on purpose, not the end-of-run error.
    for (const [r, out] of [[rejects, 'x.jsonl'], [rejectsRate1, 'y.jsonl']] as const) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("input 'rej.jsonl.zst' is a corpus-clean rejects file");
      expect(r.stderr).toContain('--no-require-text');
      expect(r.stderr).not.toContain('--allow-empty');
      expect(existsSync(join(dir, out))).toBe(false);
    }
    // A cause the notes do not name keeps the generic advice.
    const [bad] = await runCliAll([['cat', '-', '-o', 'z.jsonl']], { cwd: dir, input: 'bad\nbad\n' });
    expect(last(bad.stderr)).toBe('corpus-clean cat: error: nothing was written: 2 of 2 records were bad input (100.0 % > --max-reject-rate 0.1); use --rejects FILE to see them');
  });
});

// F7: bench over records whose text is under raw_content measured zero records, exit 0, and printed
// "whole pipeline ... MB/s" with no word of the text field.
describe('bench on records it cannot read', () => {
  it('gives the text-field note and exits 1 with no table; a stage no record reached is named', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'raw.jsonl'), TEXTS.map((t) => JSON.stringify({ url: 'u', raw_content: t })).join('\n') + '\n');
    await writeFile(join(dir, 'short.jsonl'), '{"text":"hi"}\n{"text":"yo"}\n');
    await writeFile(join(dir, 'empty.jsonl'), '');
    const [raw, empty, short, named] = await runCliAll(
      [
        ['bench', 'raw.jsonl', '--stages', 'quality'],
        ['bench', 'empty.jsonl', '--stages', 'quality'],
        ['bench', 'short.jsonl', '--stages', 'quality,dedup'],
        ['bench', 'raw.jsonl', '--stages', 'quality', '--text-field', 'raw_content'],
      ],
      { cwd: dir, input: '' },
    );
    expect(raw.code, raw.stderr).toBe(1);
    expect(raw.stdout).toBe('');
    expect(raw.stderr).toContain("corpus-clean bench: note: 2 of 2 records have no 'text' or 'content' field; name the text field with --text-field NAME (keys seen: url, raw_content");
    expect(raw.stderr).toContain('corpus-clean bench: error: nothing was measured: none of the 2 records read reached the stages (read dropped: text_missing 2)');
    expect([empty.code, empty.stdout]).toEqual([1, '']);
    expect(empty.stderr).toContain('corpus-clean bench: error: nothing was measured: no record was read from the inputs');
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toContain('No record reached dedup (the steps before dropped them all): its row measures nothing.');
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toMatch(/\| quality \| 2 \|/);
  });
});
