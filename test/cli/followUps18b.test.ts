import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

// Follow-ups of the review of session 17 (/work/notes/old17/review-newuser17.md) on what run and the
// single commands take as input, and their advice.

/** Records with a text of their own, long enough for the sample recipe's rules to keep some. */
function texts(n: number): string {
  const s = 'The committee met on Tuesday to discuss the budget for the coming year. Several members raised concerns about the cost of the new building. ';
  return Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `${s}Item ${i} was approved after a long debate about its merits. ${s}` })).join('\n') + '\n';
}

// New-user review 17 F2: a data file whose records carry `stage`, `reason` and `source` (and a
// text) was taken for a rejects file: `run` refused it (exit 2, "whose records hold no text of
// their own"), and `--rejects` replaced it without --overwrite.
describe('data with stage, reason and source fields', () => {
  it('is read by run as data, and --rejects does not replace it without --overwrite', async () => {
    const dir = await tempDir();
    const data = JSON.stringify({ id: 1, source: 'court-records', stage: 'appeal', reason: 'procedural error', text: 'hello there' }) + '\n';
    await writeFile(join(dir, 'in2.jsonl'), data);
    await writeFile(join(dir, 'mydata.jsonl'), data);
    await writeFile(join(dir, 'recipe.yaml'), 'name: n\nstages:\n  - normalize: {}\n');
    const [run, rejects] = await runCliAll(
      [
        ['run', 'recipe.yaml', '-i', 'in2.jsonl', '-o', 'o_in2'],
        ['cat', 'in2.jsonl', '-o', 'o.jsonl', '--rejects', 'mydata.jsonl'],
      ],
      { cwd: dir },
    );
    expect(run.stderr).not.toContain('rejects file');
    expect(run.stderr).toContain('read 1 = written 1 + rejected 0');
    expect(run.code, run.stderr).toBe(0);
    expect(rejects.stderr).toContain("--rejects file 'mydata.jsonl' already exists and its first line is not a reject of corpus-clean");
    expect(rejects.code).toBe(2);
    expect(await readFile(join(dir, 'mydata.jsonl'), 'utf8')).toBe(data);
  });
});

// New-user review 17 F5: `run` over a folder holding a stats file (`--stats in/stats.json`) ran
// every phase, then failed on it as read/json_parse ("check its format"). Refused up front now,
// by run and the single commands, named or in a folder.
describe('a stats file among the inputs', () => {
  it('is refused before any output is made, with how to leave it out', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in/data.jsonl'), texts(6));
    await writeFile(join(dir, 'recipe.yaml'), 'name: n\nstages:\n  - normalize: {}\n');
    const made = await runCli(['cat', 'in/data.jsonl', '-o', '/dev/null', '--stats', 'in/stats.json'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [run, cat, named] = await runCliAll(
      [
        ['run', 'recipe.yaml', '-i', 'in/', '-o', 'o1'],
        ['cat', 'in/', '-o', 'c.jsonl'],
        ['quality', 'in/stats.json', '-o', 'q.jsonl'],
      ],
      { cwd: dir },
    );
    const refusal = `input 'in/stats.json' is a stats file corpus-clean wrote (--stats, or a run's _stats.json: a JSON object beginning with "command" and "inputs"), not records: each of its lines would be bad input; `;
    for (const r of [run, cat]) {
      expect(r.stderr).toContain(`${refusal}to leave it out of the input, move it out of in/, or rename it with a leading '_' (names starting with '_' are skipped when a folder is read)\n`);
      expect(r.code).toBe(2);
    }
    expect(named.stderr).toContain(`${refusal}leave it out of the inputs\n`);
    expect(named.code).toBe(2);
    for (const out of ['o1', 'c.jsonl', 'q.jsonl']) expect(existsSync(join(dir, out)), out).toBe(false);
  });
});

// fix17b's leftover: cat and quality read a rejects file inside a folder given as input and failed
// on it at the end (bad input); refused up front now, as run refuses one (the same isRejectsFile).
// Named, it is read (the end says what it is); cat --no-require-text reads it as it is; data that has
// a reject line's shape is read when --text-field names one of its string fields.
describe('a rejects file inside a folder given to a single command', () => {
  it('is refused before any output is made, with the ways round', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in/data.jsonl'), texts(6));
    await writeFile(join(dir, 'in/rej.jsonl'), '{"stage":"read","reason":"json_parse","source":"x.jsonl:3","raw":"a kept line of text"}\n');
    const [cat, quality, asIs, raw, named] = await runCliAll(
      [
        ['cat', 'in/', '-o', 'c.jsonl'],
        ['quality', 'in/', '-o', 'q.jsonl'],
        ['cat', 'in/', '--no-require-text', '-o', 'n.jsonl'],
        ['cat', 'in/', '--text-field', 'text,raw', '-o', 'r.jsonl'],
        ['cat', 'in/rej.jsonl', '-o', 'd.jsonl'],
      ],
      { cwd: dir },
    );
    for (const r of [cat, quality]) {
      expect(r.stderr).toContain("input 'in/rej.jsonl' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only once every input had been read; to leave it out of the input, move it out of in/, or rename it with a leading '_'");
      expect(r.stderr).toContain('if it is data whose text is one of those fields, name it with --text-field (e.g. --text-field raw) and it is read\n');
      expect(r.code).toBe(2);
    }
    expect(existsSync(join(dir, 'c.jsonl')) || existsSync(join(dir, 'q.jsonl'))).toBe(false);
    expect(asIs.stderr).toContain('read 7 = written 7 + rejected 0');
    expect(raw.stderr).toContain('read 7 = written 7 + rejected 0');
    // Named (or matched by a glob), it is refused too (new-user review 18 F1), with the same advice.
    expect(named.stderr).toContain("input 'in/rej.jsonl' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only once every input had been read; leave it out of the inputs; to read them as they are, pass --no-require-text to cat");
    expect(named.code).toBe(2);
    expect(existsSync(join(dir, 'd.jsonl'))).toBe(false);
  });
});

// New-user review 18 F1: a rejects file named to a single command (or matched by a shell glob) was
// read as data and found only at the end (exit 1, or exit 0 with a warning when small). Hostile review
// 18 F1: with --format txt a rejects file in a folder was read as text, each reject a training record,
// exit 0; F2: a stats file gzipped, with CRLF or a BOM escaped the up-front refusal.
describe('the up-front refusal: named rejects files, any format, stats files in any form', () => {
  it('refuses them before any output is made; cat --no-require-text still reads a rejects file', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await mkdir(join(dir, 's'));
    await writeFile(join(dir, 'data.jsonl'), texts(4));
    await writeFile(join(dir, 'in/a.txt'), 'plain text doc one\n');
    await writeFile(join(dir, 'in/r5.jsonl'), '{"stage":"quality","reason":"too_short","source":"a.jsonl:1","record":{"text":"SECRET rejected text"}}\n');
    const made = await runCli(['quality', 'data.jsonl', '-o', '/dev/null', '--rejects', 'rej.jsonl.zst', '--stats', 'st.json', '--max-reject-rate', '1', '--allow-empty'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const stats = await readFile(join(dir, 'st.json'));
    await writeFile(join(dir, 's/st.json.gz'), gzipSync(stats));
    await writeFile(join(dir, 's/crlf.json'), stats.toString('utf8').replace(/\n/g, '\r\n'));
    await writeFile(join(dir, 's/bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), stats]));
    const [named, glob, txt, asIs, ...forms] = await runCliAll(
      [
        ['quality', 'data.jsonl', 'rej.jsonl.zst', '-o', 'q.jsonl'],
        ['cat', 'data.jsonl', 'rej.jsonl.zst', '-o', 'g.jsonl'],
        ['cat', 'in', '--format', 'txt', '-o', 't.jsonl'],
        ['cat', 'rej.jsonl.zst', '--no-require-text', '-o', 'n.jsonl'],
        ['cat', 's/st.json.gz', '-o', 's1.jsonl'],
        ['cat', 's/crlf.json', '-o', 's2.jsonl'],
        ['cat', 's/bom.json', '-o', 's3.jsonl'],
      ],
      { cwd: dir },
    );
    for (const r of [named, glob]) {
      expect(r.stderr).toContain("input 'rej.jsonl.zst' is a corpus-clean rejects file (its first line is a reject");
      expect(r.stderr).toContain('leave it out of the inputs;');
      expect(r.code).toBe(2);
    }
    expect(txt.stderr).toContain("input 'in/r5.jsonl' is a corpus-clean rejects file");
    expect(txt.code).toBe(2);
    expect(asIs.code, asIs.stderr).toBe(0);
    for (const [i, r] of forms.entries()) {
      expect(r.stderr, String(i)).toMatch(/input 's\/(st\.json\.gz|crlf\.json|bom\.json)' is a stats file corpus-clean wrote/);
      expect(r.code).toBe(2);
    }
    for (const out of ['q.jsonl', 'g.jsonl', 't.jsonl', 's1.jsonl', 's2.jsonl', 's3.jsonl']) expect(existsSync(join(dir, out)), out).toBe(false);
  });
});

/** The jq in a message (the program between 'jq -r "' and '"'). */
function jqOf(message: string): string {
  const m = /\| jq -r "([^"]+)"/.exec(message);
  if (m === null) throw new Error(`no jq advice in: ${message}`);
  return m[1];
}

const HAS_JQ = spawnSync('jq', ['--version']).status === 0;
if (!HAS_JQ) console.log('followUps18b: jq is not installed: the advice\'s jq program is checked by its text only');

// New-user review 17 F6: the advice `jq -c ".record // .raw"` printed null for a line that was not
// UTF-8 (raw_base64) and a JSON string for one that did not parse. The advice given now, run as
// given, gives back each rejected record, or the line as read, for every kind of reject.
describe('the take-out advice for a rejects file', () => {
  it('gives back what each reject holds, one line each, for every kind', async () => {
    const dir = await tempDir();
    const lines = [
      '{"text":"dup","a":1,"a":2}',
      '{"text":"bad json',
      '[1,2]',
      '{"notext":1}',
      '{"text":"big","n":18446744073709551617,"f":1e400}',
    ];
    await writeFile(join(dir, 'edge.jsonl'), Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from('{"text":"caf\xe9"}\n', 'latin1')]));
    const made = await runCli(['quality', 'edge.jsonl', '-o', 'o.jsonl', '--rejects', 'rej.jsonl', '--max-reject-rate', '1', '--allow-empty'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [cat, exp] = await runCliAll(
      [
        ['cat', 'rej.jsonl', '-o', '/dev/null'],
        ['convert', 'rej.jsonl', '-o', '/dev/null'],
      ],
      { cwd: dir },
    );
    const want = 'if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end';
    expect(jqOf(cat.stderr)).toBe(want);
    expect(cat.stderr).toContain(`'corpus-clean cat rej.jsonl --no-require-text | jq -r "${want}"' (a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes)`);
    expect(jqOf(exp.stderr)).toBe(want);
    expect(exp.stderr).toContain(`jq -r "${want}" > records.jsonl'`);
    if (!HAS_JQ) return;
    const got = spawnSync('sh', ['-c', `node ${JSON.stringify(join(import.meta.dirname, '../../dist/bundle/main.js'))} cat rej.jsonl --no-require-text | jq -r "${want}"`], { cwd: dir, encoding: 'utf8' });
    expect(got.status, got.stderr).toBe(0);
    // Every input line that was rejected, in the rejects' order (the reader's, then the stage's):
    // the bytes that were not UTF-8 with U+FFFD.
    expect(got.stdout.split('\n').filter((l) => l !== '').sort()).toEqual([...lines, '{"text":"caf\ufffd"}'].sort());
  });
});

// fix17b's leftover (a sibling of new-user review 16 F9): convert over a file where a quarter of the
// records are of no format it reads wrote the rest, exit 0; `quality` on records without text exits 1.
// convert:unknown_format is bad input now; a chat that breaks InternLM2's rules (bad_messages) is not.
describe('convert: records of no format it reads', () => {
  it('are bad input for --max-reject-rate; tokenize/bad_messages is not', async () => {
    const dir = await tempDir();
    const alpaca = Array.from({ length: 6 }, (_, i) => JSON.stringify({ instruction: `Say ${i}.`, input: '', output: `${i}` })).join('\n') + '\n';
    await writeFile(join(dir, 'mixed.jsonl'), alpaca + '{"foo":1}\n{"bar":[2]}\n');
    const chats = Array.from({ length: 6 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `hi ${i}` }, { role: 'assistant', content: `ok ${i}` }] })).join('\n') + '\n';
    await writeFile(join(dir, 'chats.jsonl'), chats + JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'narrator', content: 'x' }] }) + '\n');
    const [over, under, tok] = await runCliAll(
      [
        ['convert', 'mixed.jsonl', '-o', 'c.jsonl'],
        ['convert', 'mixed.jsonl', '-o', 'c2.jsonl', '--max-reject-rate', '0.3'],
        ['export', 'xtuner-v1', 'chats.jsonl', '-o', 't.jsonl'],
      ],
      { cwd: dir },
    );
    expect(over.stderr).toContain('read 8 = written 6 + rejected 2 [convert/convert:unknown_format 2]');
    expect(over.stderr).toContain('error: 2 of 8 records were bad input (25.0 % > --max-reject-rate 0.1)');
    expect(over.code).toBe(1);
    expect(under.code, under.stderr).toBe(0);
    expect(tok.stderr).toContain('read 7 = written 6 + rejected 1 [tokenize/bad_messages 1]');
    expect(tok.code, tok.stderr).toBe(0);
  });
});

// fix17b's leftover (new-user review 16 F17's second part): run's merge did not know the folders
// given as input, so its notes on a file found in one could not say how to leave it out. A file
// whose first line is data and whose other lines are rejects (the two concatenated) is not refused
// up front; the merge's warning on it names the folder now, as a single command's does.
describe('run: the merge\'s notes on a file found in a folder given as input', () => {
  it('say how to leave it out of that folder', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in/data.jsonl'), texts(30));
    const reject = (i: number): string => JSON.stringify({ stage: 'read', reason: 'text_missing', source: `x.jsonl:${i}`, record: { id: i } });
    await writeFile(join(dir, 'in/joined.jsonl'), texts(1) + Array.from({ length: 20 }, (_, i) => reject(i + 1)).join('\n') + '\n');
    await writeFile(join(dir, 'recipe.yaml'), 'name: n\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', 'recipe.yaml', '-i', 'in/', '-o', 'o', '--workers', '1', '--max-reject-rate', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("corpus-clean run: warning: in/joined.jsonl: 95.2 % of its 21 records were rejected as read/text_missing: it is a corpus-clean rejects file (keys stage, reason, source), whose records hold no text of their own: to leave it out of the input, move it out of in/, or rename it with a leading '_'");
  });
});
