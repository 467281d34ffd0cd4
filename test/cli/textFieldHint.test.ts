import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, runCliAll, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';

// export internevo here is checked for its notes, folders and accounting, not token ids: with
// InternLM2's first 3,000 pieces (a real .model that loads in milliseconds; the whole model takes
// about 0.9 CPU s per export).
let SMALL: string;
beforeAll(async () => {
  SMALL = await smallTokenizer();
});

// review-newuser5 #4: `export internevo` of a run folder made with `--text-field text,content,raw_content`
// dropped the records whose text is in `raw_content` as tokenize/no_text (5 % of a shard), and said
// nothing. Any share of records without text that hold a text-like field now gets a note naming
// the --text-field to pass (the run folder's own, when the input is one).
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const FIX = join(ROOT, 'fixtures/export-no-text');

describe('records without text that hold raw_content get a --text-field note', { timeout: 180_000 }, () => {
  it('export internevo of a run folder: the note names the run\'s own text_field', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    // 2 of 14 records keep their text in raw_content (a ChineseWebText file beside others).
    const raw = (await readFile(join(FIX, 'raw_content.jsonl'), 'utf8')).split('\n').slice(0, 2).join('\n') + '\n';
    await writeFile(join(dir, 'in.jsonl'), (await readFile(join(FIX, 'text.jsonl'), 'utf8')) + raw);
    await writeFile(join(dir, 'r.yaml'), 'name: r\ntext_field: [text, content, raw_content]\nstages:\n  - normalize: {}\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'out', '--workers', '1', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('read 14 = written 14');
    const r = await runCli(['export', 'internevo', 'out/', '--tokenizer', SMALL, '--type', 'cn', '-o', 'ie'], { cwd: dir });
    // Without --text-field, a run folder is read with the run's own text_field, said once (new-user
    // review 7 #1: the 2 records were tokenize/no_text, exit 0, with only a note).
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 14 = written 14 + rejected 0');
    expect(r.stderr).toContain('note: reading text_field text,content,raw_content, as the run that wrote out/ did (--text-field chooses another)');
    // Another field chosen by hand is kept, and the hint names the run's own.
    const by = await runCli(['export', 'internevo', 'out/', '--tokenizer', SMALL, '--type', 'cn', '-o', 'ie1', '--text-field', 'text,content'], { cwd: dir });
    expect(by.stderr).toContain('read 14 = written 12 + rejected 2 [tokenize/no_text 2]');
    expect(by.stderr).toContain(
      "but hold 'raw_content'; to read it, pass --text-field text,content,raw_content (the run that wrote out/ read text_field text,content,raw_content: every command that reads its output needs it again)",
    );
    // Several run folders, or a run folder beside a file: one list of every run's fields (new-user
    // review 7 #20: `cat zh/ en/` lost the raw_content records with exit 0).
    await writeFile(join(dir, 'plain.yaml'), 'name: p\nstages:\n  - normalize: {}\n');
    await writeFile(join(dir, 'en.jsonl'), await readFile(join(FIX, 'text.jsonl'), 'utf8'));
    const en = await runCli(['run', 'plain.yaml', '-i', 'en.jsonl', '-o', 'en', '--workers', '1', '-q'], { cwd: dir });
    expect(en.code, en.stderr).toBe(0);
    for (const inputs of [['en/', 'out/'], ['out/', 'en.jsonl']]) {
      const both = await runCli(['cat', ...inputs, '-o', `both-${inputs[1].replace(/\W/g, '')}.jsonl`], { cwd: dir });
      expect(both.code, both.stderr).toBe(0);
      expect(both.stderr).toMatch(/read (26|28) = written (26|28) \+ rejected 0/);
      expect(both.stderr).toContain('note: reading text_field text,content,raw_content');
    }
    const again = await runCli(['export', 'internevo', 'out/', '--tokenizer', SMALL, '--type', 'cn', '-o', 'ie2', '--text-field', 'text,content,raw_content'], { cwd: dir });
    expect(again.stderr).toContain('read 14 = written 14 + rejected 0');
    expect(again.stderr).not.toContain('note:');
  });

  it('a few records of a file without its text field (read/text_missing under half) get the note too; unrelated keys do not', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const raw = (await readFile(join(FIX, 'raw_content.jsonl'), 'utf8')).split('\n').slice(0, 3).join('\n') + '\n';
    await writeFile(join(dir, 'mix.jsonl'), (await readFile(join(FIX, 'text.jsonl'), 'utf8')) + raw);
    const r = await runCli(['cat', 'mix.jsonl', '-o', 'o.jsonl'], { cwd: dir });
    expect(r.stderr).toContain('rejected 3 [read/text_missing 3]');
    expect(r.stderr).toContain("note: 3 of 15 records were rejected for having no 'text' or 'content' field (read/text_missing 3), but hold 'raw_content'; to read it, pass --text-field text,content,raw_content");
    await writeFile(join(dir, 'meta.jsonl'), (await readFile(join(FIX, 'text.jsonl'), 'utf8')) + '{"id": 99, "url": "https://example.org/"}\n');
    const m = await runCli(['cat', 'meta.jsonl', '-o', 'm.jsonl'], { cwd: dir });
    expect(m.stderr).toContain('[read/text_missing 1]');
    expect(m.stderr).not.toContain('--text-field');
  });
});

// New-user review 8 #1: two run folders written with different text fields were read with one list
// (`text,content,body`), so the records of the run that cleaned `body` were read from their raw
// `text`, never judged by that run, and tokenized or re-judged, exit 0; then (74fcfdb) they were
// rejected as read/text_field_conflict, exit 0 under the bad-input line, missing from the output.
// Each input is now read with its own run's list (a plain file: the union); `run`, whose output
// keeps one text_field for later readers, refuses before reading and names a list.
describe('inputs written with different text fields', { timeout: 180_000 }, () => {
  it('each run folder is read with its own run\'s text_field, a plain file with the union; run refuses (exit 2) naming a --text-field', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    // zart's raw pages are one page (near duplicates); the bodies its run cleaned are not.
    const topics = ['apples', 'rivers', 'mountains'];
    const rec = (i: number, body: boolean) => JSON.stringify(body ? { text: `raw page ${i} | menu | login | sign up | cookies | share this`, body: `The article body about ${topics[i]}.` } : { text: `An English line about ${topics[i]}.` });
    await writeFile(join(dir, 'art.jsonl'), [0, 1, 2].map((i) => rec(i, true)).join('\n') + '\n');
    await writeFile(join(dir, 'en.jsonl'), [0, 1].map((i) => rec(i, false)).join('\n') + '\n');
    // A plain file (no run): read with the union list, body first here.
    await writeFile(join(dir, 'plain.jsonl'), JSON.stringify({ text: 'plain raw', body: 'plain body' }) + '\n' + JSON.stringify({ content: 'plain content' }) + '\n');
    await writeFile(join(dir, 'p.yaml'), 'name: p\nstages:\n  - normalize: {}\n');
    for (const [name, extra] of [['zart', ['--text-field', 'body']], ['en', []]] as const) {
      const r = await runCli(['run', 'p.yaml', '-i', `${name.replace(/^z/, '')}.jsonl`, '-o', name, '--workers', '1', '-q', ...extra], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
    // en/ first: the union is text,content,body, and zart/'s records hold a text too.
    const pt = await runCli(['convert', 'en/', 'zart/', 'plain.jsonl', '--to', 'pretrain-text', '-o', 'pt.jsonl', '--rejects', 'pt.rej.jsonl'], { cwd: dir });
    expect(pt.code, pt.stderr).toBe(0);
    expect(pt.stderr).toContain('read 7 = written 7');
    expect(pt.stderr).toContain("note: reading each run folder with its run's own text_field (en/: text,content; zart/: body), other inputs with text,content,body");
    const texts = (await readFile(join(dir, 'pt.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    expect(texts).toEqual(['An English line about apples.', 'An English line about rivers.', 'plain raw', 'plain content', 'The article body about apples.', 'The article body about rivers.', 'The article body about mountains.']);
    // dedup-disk (tasks on workers) judges the bodies, not the raw pages: nothing is a duplicate.
    const disk = await runCli(['dedup-disk', 'en/', 'zart/', '--work', 'w', '-o', '/dev/null', '--workers', '2'], { cwd: dir });
    expect(disk.code, disk.stderr).toBe(0);
    expect(disk.stderr).toContain('read 5 = written 5');
    // New-user review 9 #1: an output that keeps the records' fields (cat, dedup, any stage
    // command, dedup-disk) would hold zart/'s raw text beside the body its run cleaned, and the
    // next command reads a file with one list (the default: the raw page). Refused, exit 2, as run is.
    const [cat, dd] = await runCliAll([['cat', 'en/', 'zart/', '-o', 'both.jsonl'], ['dedup-disk', 'en/', 'zart/', '--work', 'w2', '-o', 'dd.jsonl']], { cwd: dir });
    for (const r of [cat, dd]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("would hold records whose text is in different fields, while a command that reads it reads one list for all: give one list with --text-field");
      expect(r.stderr).toContain('e.g. --text-field body,text,content');
      expect(r.stderr).toContain("'corpus-clean convert en/ zart/ --to pretrain-text -o merged/'");
    }
    expect(existsSync(join(dir, 'both.jsonl')) || existsSync(join(dir, 'dd.jsonl'))).toBe(false);
    // With one list, a folder output records it in its _SUCCESS, and the next command reads the
    // bodies (not the raw pages); a file output cannot: a note names the --text-field it needs.
    const merged = await runCli(['cat', 'en/', 'zart/', '--text-field', 'body,text,content', '-o', 'catdir/'], { cwd: dir });
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'catdir/_SUCCESS'), 'utf8')).text_field).toBe('body,text,content');
    const fromCat = await runCli(['convert', 'catdir/', '--to', 'pretrain-text', '-o', 'pt2.jsonl'], { cwd: dir });
    expect(fromCat.stderr).toContain("note: reading text_field body,text,content, as the 'cat' that wrote catdir/ did");
    expect((await readFile(join(dir, 'pt2.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text)).toEqual(texts.filter((t) => !t.startsWith('plain')));
    const file = await runCli(['cat', 'zart/', '-o', 'z.jsonl'], { cwd: dir });
    expect(file.stderr).toContain("note: the records of 'z.jsonl' hold their text in 'body' (the field they were read with): every command that reads 'z.jsonl' needs --text-field body");
    // New-user review 9 #2: one list is offered only when it reads every record as its run did:
    // artraw/ (the default list) holds `body` too, which body,text,content would read first.
    await writeFile(join(dir, 'c.yaml'), 'name: c\nstages:\n  - normalize: {}\n  - convert: {to: pretrain-text}\n');
    const [raw, conv] = await runCliAll([['run', 'p.yaml', '-i', 'art.jsonl', '-o', 'artraw', '--workers', '1', '-q'], ['run', 'c.yaml', '-i', 'art.jsonl', '--text-field', 'body', '-o', 'conv', '--workers', '1', '-q']], { cwd: dir });
    expect(raw.code, raw.stderr).toBe(0);
    expect(conv.code, conv.stderr).toBe(0);
    const [mixed, after] = await runCliAll([['run', 'p.yaml', '-i', 'zart/', 'artraw/', '-o', 'again2', '--workers', '1'], ['cat', 'conv/', '-o', '/dev/null']], { cwd: dir });
    expect(mixed.code, mixed.stderr).toBe(2);
    expect(mixed.stderr).not.toContain('e.g. --text-field');
    expect(mixed.stderr).toContain("no one list reads every record as its folder's command did (artraw/'s records, read with text,content, hold 'body', which body,text,content would read first)");
    // New-user review 9 #10: conv/, a run whose last stage is convert to pretrain-text, read with
    // --text-field body, holds `text`: later commands read that, not the run's `body`.
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain('read 3 = written 3 + rejected 0');
    // run: its output would keep one text_field; refused before anything is made, with a list that reads both.
    const run = await runCli(['run', 'p.yaml', '-i', 'en/', 'zart/', '-o', 'again', '--workers', '1'], { cwd: dir });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--text-field body,text,content');
    expect(existsSync(join(dir, 'again'))).toBe(false);
    const ok = await runCli(['run', 'p.yaml', '-i', 'en/', 'zart/', '-o', 'again', '--workers', '2', '--text-field', 'body,text,content', '-q'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('read 5 = written 5');
  });
});

// New-user review 9 #14: a plain file in the default shape beside a folder read with raw_content was
// read with raw_content alone (every record read/text_missing, exit 1, with no --text-field given).
describe('a plain file beside a folder with its own text field', () => {
  it('is read with the folder\'s fields, then the default text,content', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'cwt.jsonl'), '{"raw_content":"cwt one"}\n{"raw_content":"cwt two"}\n');
    await writeFile(join(dir, 'wiki.jsonl'), '{"text":"wiki one"}\n');
    const rc = await runCli(['cat', 'cwt.jsonl', '--text-field', 'raw_content', '-o', 'rc/'], { cwd: dir });
    expect(rc.code, rc.stderr).toBe(0);
    const r = await runCli(['cat', 'rc/', 'wiki.jsonl', '-o', '/dev/null'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('read 3 = written 3 + rejected 0');
    expect(r.stderr).toContain("note: reading text_field raw_content,text,content: raw_content, as the 'cat' that wrote rc/ did, then text,content for the other inputs");
  });
});

// new-user review 7 #18: `--text-field doc.body` over records holding {"doc": {"body": ...}} was
// 2 text_missing rejects and a note to "name the text field with --text-field NAME", which the
// user had done. A dotted name stays one top-level key (README "Text under another field"); the
// note now says so, names the nested field and how to lift it.
describe('--text-field with a dot over records holding the object', () => {
  it('says the name is one top-level key, names the field inside the object and how to lift it', async () => {
    const dir = await tempDir();
    const input = join(dir, 'nested.jsonl');
    await writeFile(input, '{"id":1,"doc":{"title":"A","body":"hello world"}}\n{"id":2,"doc":{"body":"second body"}}\n');
    const r = await runCli(['cat', input, '--text-field', 'doc.body', '-o', join(dir, 'o.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "note: 2 of 2 records have no 'doc.body' field: --text-field 'doc.body' names a top-level field (a name with a dot is one key), not the field 'body' inside the object 'doc' these records hold: nested fields are not read as text; lift it to the top level first, e.g. jq -c '.text = .doc.body' IN.jsonl > OUT.jsonl",
    );
    expect(r.stderr).not.toContain('name the text field with --text-field NAME');
  });
});
