import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCliAll, signalWhen, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';

// export internevo here is checked for its notes, folders and accounting, not token ids: with
// InternLM2's first 3,000 pieces (a real .model that loads in milliseconds; the whole model takes
// about 0.9 CPU s per export).
let SMALL: string;
beforeAll(async () => {
  SMALL = await smallTokenizer();
});

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
        ['export', 'internevo', 'mixed.jsonl', '--tokenizer', SMALL, '-o', 'ie', '--rejects', 'ie.rej.jsonl'],
        ['export', 'xtuner-v1', 'mixed.jsonl', '-o', 'v1.jsonl'],
        ['cat', 'mixed.jsonl', '-o', 'q.jsonl'],
        ['export', 'internevo', 'empty.jsonl', '--tokenizer', SMALL, '-o', 'ie2', '--rejects', 'ie2.rej.jsonl'],
        ['export', 'internevo', 'mixed.jsonl', '--tokenizer', SMALL, '-o', 'ie3', '--max-reject-rate', '0.25'],
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

// New-user review 16 F17: `run` over a folder holding a rejects file (a colleague's, copied with the
// data) ran every phase, then failed on it as bad input (exit 1, _FAILED); moving it out started
// the whole run over. A rejects file is told by its first line: refused before anything is made.
describe('run: a rejects file among the inputs', () => {
  it('is refused before the output folder is made, with how to leave it out; renamed with a leading _ it is not read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"kept"}\n{"id":1}\nnot json\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const [made] = await runCliAll([['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'rej.jsonl.zst', '--max-reject-rate', '1', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data/a.jsonl'), texts(30));
    await copyFile(join(dir, 'rej.jsonl.zst'), join(dir, 'data/old-rejects.jsonl.zst'));
    const [folder, named] = await runCliAll(
      [
        ['run', 'r.yaml', '-i', 'data/', '-o', 'out1', '--workers', '1'],
        ['run', 'r.yaml', '-i', 'data/a.jsonl', '-i', 'rej.jsonl.zst', '-o', 'out2', '--workers', '1'],
      ],
      { cwd: dir },
    );
    expect(folder.code, folder.stderr).toBe(2);
    expect(folder.stderr).toBe(
      `corpus-clean: input 'data/old-rejects.jsonl.zst' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only after every phase had run; to leave it out of the input, move it out of data/, or rename it with a leading '_' (names starting with '_' are skipped when a folder is read); to read them as they are, pass --no-require-text to cat ('corpus-clean cat data/old-rejects.jsonl.zst --no-require-text --limit 5'); to take out each rejected record, or the line as read when it did not parse, one per line: 'corpus-clean cat data/old-rejects.jsonl.zst --no-require-text | jq -r "if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end"' (a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes); if it is data whose text is one of those fields, name it with --text-field (e.g. --text-field raw) and it is read\n`,
    );
    expect(named.code, named.stderr).toBe(2);
    expect(named.stderr).toContain("input 'rej.jsonl.zst' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only after every phase had run; leave it out of the inputs; to read them as they are");
    for (const out of ['out1', 'out2']) expect(existsSync(join(dir, out)), out).toBe(false);
    // Renamed as the message says: not read, and the run goes.
    await rename(join(dir, 'data/old-rejects.jsonl.zst'), join(dir, 'data/_old-rejects.jsonl.zst'));
    const [again] = await runCliAll([['run', 'r.yaml', '-i', 'data/', '-o', 'out1', '--workers', '1', '-q']], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('read 30 = written 30 + rejected 0');
  });
});

// New-user review 16 F11, F13, F21: export's notes. F11: exporting a run's _rejects.jsonl.zst first
// said where the run's Chinese *shards* would go; F13: `--type by-lang --overwrite` with no Chinese
// record left an empty train/cn/ (a data type with no data for InternEvo); F21: --overwrite removed
// a .bin corpus-clean did not write, without a word.
describe('export internevo: notes on what it reads and what --overwrite replaces', () => {
  it('a run folder\'s rejects file gets no language note; an emptied by-lang folder is removed; a foreign .bin replaced is named', async () => {
    const dir = await tempDir();
    const run = await runCliAll([['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', join(ROOT, 'fixtures/sample'), '-o', 'out', '--workers', '1', '-q']], { cwd: dir });
    expect(run[0].code, run[0].stderr).toBe(0);
    const shard = (await readdir(join(dir, 'out'))).find((f) => f.startsWith('part-'))!;
    await writeFile(join(dir, 'en.jsonl'), texts(5));
    await mkdir(join(dir, 'tk7/train/en'), { recursive: true });
    await writeFile(join(dir, 'tk7/train/en/mine.bin'), '{"tokens":[1,2]}\n');
    await writeFile(join(dir, 'tk7/train/en/mine.bin.meta'), '{}');
    const [rejects, oneShard, byLang, foreign] = await runCliAll(
      [
        ['export', 'internevo', 'out/_rejects.jsonl.zst', '--tokenizer', SMALL, '-o', 'ex1/'],
        ['export', 'internevo', `out/${shard}`, '--tokenizer', SMALL, '-o', 'ex2/'],
        ['export', 'internevo', 'out/', '--tokenizer', SMALL, '--type', 'by-lang', '-o', 'tok/'],
        ['export', 'internevo', 'en.jsonl', '--tokenizer', SMALL, '-o', 'tk7/', '--overwrite'],
      ],
      { cwd: dir },
    );
    expect(rejects.stderr).toContain('are rejects (keys stage, reason, source: a corpus-clean rejects file)');
    expect(rejects.stderr).not.toContain('writing to train/');
    // A shard of the run is still told where the run's Chinese records go.
    expect(oneShard.stderr).toMatch(/note: writing to train\/(en|cn)\/: \d+ of the \d+ records in out\/ were written as Chinese by langid/);
    expect(byLang.code, byLang.stderr).toBe(0);
    expect((await readdir(join(dir, 'tok/train'))).sort()).toEqual(['cn', 'en']);
    const again = await runCliAll([['export', 'internevo', 'en.jsonl', '--tokenizer', SMALL, '--type', 'by-lang', '-o', 'tok/', '--overwrite']], { cwd: dir });
    expect(again[0].code, again[0].stderr).toBe(0);
    expect(again[0].stderr).toContain('note: removed tok/train/cn/: its earlier shards were replaced by none (no record of this export went there), and InternEvo would take the empty folder for a data type');
    expect(await readdir(join(dir, 'tok/train'))).toEqual(['en']);
    expect(foreign.code, foreign.stderr).toBe(0);
    expect(foreign.stderr).toContain("note: --overwrite replaced 2 earlier files not named as corpus-clean names its shards (part-NNNNN.bin): 'tk7/train/en/mine.bin', 'tk7/train/en/mine.bin.meta'");
    expect((await readdir(join(dir, 'tk7/train/en'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
  });
});

// New-user review 16 F4: the advice `jq -c ".record // .raw"` turned a line that did not parse into
// a JSON string (then a read/not_object reject of export), not the line. F23: convert and repair
// sent a rejects file to field mapping ('repair --schema NAME'), where cat, the stages and export
// name it as a rejects file.
describe('a rejects file: the way to take its records out, and convert and repair naming it', () => {
  it('the advice\'s jq programs give back each record and each line as read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"ok fine"}\n{"text": "broken\n{"id":3, "n": "x"}\n');
    const [made] = await runCliAll([['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'rej.jsonl', '--max-reject-rate', '1', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [cat, convert, repair] = await runCliAll(
      [
        ['cat', 'rej.jsonl', '-o', 'x.jsonl'],
        ['convert', 'rej.jsonl', '--to', 'pretrain-text', '-o', 'c.jsonl'],
        ['repair', 'rej.jsonl', '--schema', 'alpaca', '-o', 'r.jsonl'],
      ],
      { cwd: dir },
    );
    expect(cat.stderr).toContain(`to take out each rejected record, or the line as read when it did not parse, one per line: 'corpus-clean cat rej.jsonl --no-require-text | jq -r "if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end"' (a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes)`);
    for (const [r, verb] of [[convert, 'convert'], [repair, 'repair']] as const) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `corpus-clean ${verb}: note: 'rej.jsonl' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records are the rejected ones wrapped with why: to ${verb} those, take them out first, each rejected record, or the line as read when it did not parse, one per line: 'corpus-clean cat rej.jsonl --no-require-text | jq -r "if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end" > records.jsonl' (a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes)\n`,
      );
      expect(r.stderr).not.toMatch(/--schema NAME|map other field names|aliases/);
    }
    // The programs, run: the record as it was read, the line as it was.
    const jq = spawnSync('jq', ['--version']);
    if (jq.status !== 0) return; // jq is not installed here: the words above are what the test can check
    const rejects = await readFile(join(dir, 'rej.jsonl'), 'utf8');
    expect(spawnSync('jq', ['-r', 'if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end'], { input: rejects }).stdout.toString()).toBe('{"text": "broken\n{"id":3,"n":"x"}\n');
  });
});

// New-user review 16 F18: dedup-disk stopped before any task finished said "finished tasks are
// kept" with nothing kept (run was fixed in session 16). F8: "1 of 1 tasks done", "1 of 1 records
// were bad input", "most records ... (1 of 1)", and status telling a run with no unit done to
// "resume (finished units are kept)". F16: stdin from /dev/null was asked whether the command
// before it in a pipe had failed.
describe('messages: stopped before any task, plurals, an empty stdin', () => {
  it('dedup-disk stopped before any task finished says none had; status of a run with no unit done says it starts from its plan', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big.jsonl'), Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to take a while to sign.` })).join('\n') + '\n');
    const work = join(dir, 'w');
    const r = await signalWhen(['dedup-disk', join(dir, 'big.jsonl'), '-o', join(dir, 'dd/'), '--work', work, '-q'], join(work, '_work'), (names) => names.includes('global'), 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`no task had finished yet: the same command again starts from its plan in ${work}\n`);
    expect(r.stderr).not.toContain('finished tasks are kept');
    // A run whose first task failed: none of its units is done.
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    await writeFile(join(dir, 'one.jsonl'), texts(3));
    const [failed] = await runCliAll([['run', 'r.yaml', '-i', 'one.jsonl', '-o', 'out', '-q']], { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(failed.code, failed.stderr).toBe(1);
    const [status] = await runCliAll([['status', 'out']], { cwd: dir });
    expect(status.stdout).toContain('0 of 1 task done');
    expect(status.stdout).toContain('not running: its one unit is not done yet; run the same command again to start it from its plan');
    expect(status.stdout).not.toContain('finished units are kept');
  }, 300_000);

  it('one record: singular words; stdin from /dev/null is empty, not a failed pipe', async () => {
    const one = await runCliAll([['quality', '-o', '/dev/null']], { input: '\n' });
    expect(one[0].stderr).toContain('note: nothing was written; its one record was rejected as read/blank_line');
    const bad = await runCliAll([['cat', '-o', '/dev/null']], { input: '{"id":1}\n' });
    expect(bad[0].stderr).toContain('error: nothing was written: 1 of 1 record was bad input (100.0 % > --max-reject-rate 0.1)');
    const piped = await runCliAll([['quality', '-o', '/dev/null']], { input: '' });
    expect(piped[0].stderr).toContain('no record came on stdin (in a pipe, did the command before this one fail?');
    const devNull = spawnSync(process.execPath, [CLI, 'quality', '-o', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORPUS_CLEAN_PROGRESS_MS: 'off' } });
    expect(devNull.status).toBe(1);
    expect(devNull.stderr.toString()).toContain('error: nothing was written: no record came on stdin (it is empty); pass --allow-empty when an empty output is expected');
  });
});
