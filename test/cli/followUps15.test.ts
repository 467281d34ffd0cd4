import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCliAll, runNode, signalWhen, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Follow-ups the reviews of session 14 left open (fix14's and the closing note's "left alone").

describe('a command that writes nothing and exits 1', () => {
  it('its --stats list no shards: the empty output they named was removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.jsonl'), 'bad\nbad\nbad\n');
    const [file, folder] = await runCliAll(
      [
        ['cat', 'bad.jsonl', '-o', 'o.jsonl', '--stats', 's1.json'],
        ['cat', 'bad.jsonl', '-o', 'd/', '--shard-records', '1', '--stats', 's2.json'],
      ],
      { cwd: dir },
    );
    for (const r of [file, folder]) expect(r.code, r.stderr).toBe(1);
    const s1 = JSON.parse(await readFile(join(dir, 's1.json'), 'utf8')) as { output: string; shards: string[]; written: number };
    expect([s1.output, s1.shards, s1.written]).toEqual(['o.jsonl', [], 0]);
    expect(existsSync(join(dir, 'o.jsonl'))).toBe(false);
    const s2 = JSON.parse(await readFile(join(dir, 's2.json'), 'utf8')) as { shards: string[] };
    expect(s2.shards).toEqual([]);
  });

  it('removes the folders it made for its output (-o new/sub/, -o new2/o.jsonl), keeps one that was there and one holding its rejects', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.jsonl'), 'bad\nbad\nbad\n');
    await mkdir(join(dir, 'mine'));
    const rs = await runCliAll(
      [
        ['cat', 'bad.jsonl', '-o', 'new/sub/', '-q'],
        ['cat', 'bad.jsonl', '-o', 'new2/o.jsonl', '-q'],
        ['cat', 'bad.jsonl', '-o', 'mine/', '-q'],
        ['cat', 'bad.jsonl', '-o', 'new3/o.jsonl', '--rejects', 'new3/r/rej.jsonl', '-q'],
        ['cat', 'bad.jsonl', '-o', 'empty/', '--allow-empty', '--max-reject-rate', '1', '-q'],
      ],
      { cwd: dir },
    );
    expect(rs.map((r) => r.code)).toEqual([1, 1, 1, 1, 0]);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expect(existsSync(join(dir, 'new2'))).toBe(false);
    expect(await readdir(join(dir, 'mine'))).toEqual([]);
    // The rejects stay (they say why), and so do the folders holding them.
    expect(await readdir(join(dir, 'new3'))).toEqual(['r']);
    // (with the rejects file's owner record, .rej.jsonl.owner: hostile review 20 F9)
    expect(await readdir(join(dir, 'new3/r'))).toEqual(['.rej.jsonl.owner', 'rej.jsonl']);
    // --allow-empty: the empty output is a result and stays.
    expect(await readdir(join(dir, 'empty'))).toEqual(['_SUCCESS']);
  });

  it('a signal removes the folders it made too (-o new/sub/ while shards are written)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, Array.from({ length: 30000 }, (_, i) => JSON.stringify({ id: i, text: 'lorem ipsum dolor sit amet '.repeat(20) })).join('\n') + '\n');
    const out = join(dir, 'new', 'sub');
    const r = await signalWhen(['cat', input, '-o', out + '/', '--shard-records', '200', '--rejects', join(dir, 'new', 'r', 'rej.jsonl')], out, (names) => names.includes('part-00001.jsonl'), 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('terminated; unfinished output removed');
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('a write failure (a full disk) removes them too', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, text: `record ${i}` })).join('\n') + '\n');
    const r = await runNode(['--import', join(ROOT, 'test/helpers/faults.mjs'), CLI, 'cat', 'in.jsonl', '-o', 'new/sub/', '--shard-records', '50', '--rejects', 'new/r/rej.jsonl', '-q'], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'part-00002' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('ENOSPC');
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });
});

// Hostile review 14 H9: a signal while export internevo published printed the per-folder success
// lines, then "terminated; unfinished output removed". The export is held at its --stats, a FIFO
// opened for writing after the shards are published (one libuv thread: the clean-up's file calls
// wait behind that open), the signal sent, then the FIFO read so the export goes on.
describe('export internevo stopped by a signal after publishing', () => {
  it('says only what is true: no success lines beside "unfinished output removed"', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record ${i}: lorem ipsum dolor sit amet` })).join('\n') + '\n');
    const fifo = join(dir, 'stats.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const p = spawn(process.execPath, [CLI, 'export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '-o', 'X', '--stats', fifo, '-q'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((r) => p.on('close', r));
    while (!stderr.includes('read 5 = written 5')) await new Promise((r) => setTimeout(r, 10));
    p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // A reader comes and goes without waiting: the process itself lets the FIFO go on a signal now
    // (new-user review 16 F6), so a blocking read here could wait for a writer that never comes.
    try {
      closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
    } catch {
      // gone with the process's clean-up
    }
    expect(await closed, stderr).toBe(143);
    if (stderr.includes('unfinished output removed')) {
      expect(stderr).not.toMatch(/samples, \d+ tokens in/);
      expect(existsSync(join(dir, 'X'))).toBe(false);
    } else expect(stderr).toContain('after the output was finished');
  });
});

// New-user review 14 #11: `cat out/first/_rejects.jsonl.zst` (README's form without
// --no-require-text) was told to name a text field (keys seen: stage, reason, ...) and to pass
// --no-require-text, without a word that it had read a rejects file.
describe('a rejects file read as data', () => {
  it('is named as such, with the two ways to read it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"kept"}\n{"id":1}\nnot json\n');
    const [made] = await runCliAll([['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'r.jsonl.zst', '--max-reject-rate', '1', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [r, ok] = await runCliAll(
      [
        ['cat', 'r.jsonl.zst', '-o', 'x.jsonl'],
        ['cat', 'r.jsonl.zst', '--no-require-text', '-o', 'y.jsonl'],
      ],
      { cwd: dir },
    );
    // Refused up front since new-user review 18 F1, with the same two ways to read it.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("corpus-clean: input 'r.jsonl.zst' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only once every input had been read; leave it out of the inputs; to read them as they are, pass --no-require-text to cat ('corpus-clean cat r.jsonl.zst --no-require-text --limit 5'); to take out each rejected record, or the line as read when it did not parse, one per line: 'corpus-clean cat r.jsonl.zst --no-require-text | jq -r \"if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end\"' (a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes)");
    expect(r.stderr).not.toContain('name the text field');
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readFile(join(dir, 'y.jsonl'), 'utf8')).split('\n').length).toBe(3);
  });
});

// New-user review 14 #11: "--tokenizer MODEL is required" did not say where the bundled one is.
describe('a tokenizer model missing', () => {
  it('export and the tokenize stage name the bundled InternLM2 model, in the form to pass it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello"}\n');
    await writeFile(join(dir, 'tk.yaml'), 'name: tk\nstages:\n  - tokenize: {format: internevo}\n');
    const [ie, xv, run] = await runCliAll(
      [
        ['export', 'internevo', 'in.jsonl', '-o', 'e'],
        ['export', 'xtuner-v1', 'in.jsonl', '--min-length', '5', '-o', 'x.jsonl'],
        ['run', 'tk.yaml', '-i', 'in.jsonl', '-o', 'r'],
      ],
      { cwd: dir },
    );
    expect([ie.code, ie.stderr]).toEqual([2, `corpus-clean: export internevo: --tokenizer MODEL is required; InternLM2's is bundled: --tokenizer ${TOKENIZER_MODEL}\n`]);
    expect([xv.code, xv.stderr]).toEqual([2, `corpus-clean: export xtuner-v1: --tokenizer MODEL is required with --min-length; InternLM2's is bundled: --tokenizer ${TOKENIZER_MODEL}\n`]);
    expect(run.code).toBe(2);
    // The stage cannot tell a command line from a recipe: both forms, the path alone (hostile
    // review 15 F3: `corpus-clean tokenize` was told the recipe form `tokenizer: PATH`).
    expect(run.stderr).toContain(`(--tokenizer MODEL, or tokenizer: MODEL in a recipe); InternLM2's is bundled at ${TOKENIZER_MODEL}\n`);
  });
});
