import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

const BAD = join(ROOT, 'fixtures/bad-input/bad.jsonl');

describe('corpus-clean cat', () => {
  it('passes good records, sends each bad one to rejects with file:line, and states the accounting', async () => {
    const dir = await tempDir();
    const r = await runCli(['cat', BAD, '--rejects', join(dir, 'rej.jsonl'), '--stats', join(dir, 'stats.json'), '--max-reject-rate', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/read 14 = written 5 \+ rejected 9/);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([1, 2, 11, 13, 14]);
    const rejects = (await readFile(join(dir, 'rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const line = (x: { source: string }): number => Number(x.source.slice(x.source.lastIndexOf(':') + 1));
    // Parse errors are rejected as they are read, text problems one step later: sort by line.
    rejects.sort((a, b) => line(a) - line(b));
    expect(rejects.map((x) => `${x.reason}@${line(x)}`)).toEqual([
      'blank_line@3', 'json_parse@4', 'invalid_utf8@5', 'not_object@6', 'text_missing@7', 'text_empty@8', 'text_not_string@9', 'blank_line@10', 'not_object@12',
    ]);
    expect(rejects.every((x) => x.stage === 'read' && x.source.startsWith(BAD + ':'))).toBe(true);
    const stats = JSON.parse(await readFile(join(dir, 'stats.json'), 'utf8'));
    expect(stats).toMatchObject({ read: 14, written: 5, rejected: 9, balanced: true, bad_input: 6 });
    expect(stats.input.dropped).toMatchObject({ blank_line: 2, not_object: 2, json_parse: 1 });
  });

  it('exits 1 when bad input exceeds --max-reject-rate, after writing everything', async () => {
    const r = await runCli(['cat', BAD]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    expect(r.stderr).toMatch(/6 of 14 records were bad input .* > --max-reject-rate 0\.1/);
  });

  it('an empty text is dropped, not bad input: 20 of 100 empty texts exit 0 (new-user review 6 #3)', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: i, text: i % 5 === 0 ? (i % 10 === 0 ? '' : '  ') : `text ${i}` }));
    const r = await runCli(['cat'], { input: lines.join('\n') + '\n' });
    expect(r.stderr).toMatch(/read 100 = written 80 \+ rejected 20 \[read\/text_empty 20\]/);
    expect(r.code).toBe(0);
    const miss = await runCli(['cat'], { input: lines.map((l, i) => (i % 5 === 0 ? `{"id":${i}}` : l)).join('\n') + '\n' });
    expect(miss.code).toBe(1);
    expect(miss.stderr).toMatch(/20 of 100 records were bad input/);
  });

  it('empty texts whose text is in another field are bad input, with the field to name (hostile review 5 F23)', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify(i % 10 === 0 ? { id: i, text: `text ${i}` } : { id: i, text: '', content: `the text of ${i}` }));
    const r = await runCli(['cat'], { input: lines.join('\n') + '\n' });
    expect(r.stderr).toMatch(/read 100 = written 10 \+ rejected 90 \[read\/text_empty 90\]/);
    expect(r.stderr).toMatch(/note: 90 of 100 records have an empty 'text' .* field, and 90 of them hold text in 'content': name it with --text-field content/);
    expect(r.stderr).toMatch(/90 of 100 records were bad input/);
    expect(r.code).toBe(1);
  });

  it('pages that extract to nothing are not bad input (new-user review 6 #3): 2 script-only pages of 8 exit 0', async () => {
    const dir = await tempDir();
    const para = 'The river town kept its old stone bridge, and every spring the market filled the square with farmers, potters and travelling musicians who played until late in the evening. ';
    for (let i = 0; i < 6; i++) await writeFile(join(dir, `p${i}.html`), `<!doctype html><html><head><title>Page ${i}</title></head><body><article><h1>Story ${i}</h1><p>${para.repeat(4)}</p><p>${para.repeat(3)}</p></article></body></html>`);
    for (let i = 0; i < 2; i++) await writeFile(join(dir, `js${i}.html`), '<!doctype html><html><head><script src="app.js"></script></head><body><div id="root"></div></body></html>');
    const r = await runCli(['cat', dir]);
    expect(r.stderr).toMatch(/read 8 = written 6 \+ rejected 2 \[read\/extract_empty 2\]/);
    expect(r.stderr).not.toMatch(/check its format/);
    expect(r.code, r.stderr).toBe(0);
  });

  it('passes records without text with --no-require-text', async () => {
    const r = await runCli(['cat', '--no-require-text', '--max-reject-rate', '1'], { input: '{"id":1}\n{"text":"t"}\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"id":1}\n{"text":"t"}\n');
  });

  it('says once, clearly, when most records have no text field', async () => {
    const r = await runCli(['cat'], { input: '{"id":1,"body":"a"}\n{"id":2,"body":"b"}\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("note: 2 of 2 records have no 'text' or 'content' field; name the text field with --text-field NAME");
    // new-user review 7 #13: cat is the pass-through; the flag that copies such records is named.
    expect(r.stderr).toContain('note: to copy records as they are, with or without a text field, pass --no-require-text');
    const ok = await runCli(['cat', '--text-field', 'body'], { input: '{"id":1,"body":"a"}\n' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('{"id":1,"body":"a"}\n');
  });

  it('a --text-field list skips a null or absent field and tries the next; text_not_string only for a non-null non-string', async () => {
    const input = ['{"text":null,"raw_content":"page one"}', '{"content":null,"raw_content":"page two"}', '{"text":null,"content":7,"raw_content":"x"}', '{"text":null,"raw_content":null}'].join('\n') + '\n';
    const r = await runCli(['cat', '--text-field', 'text,content,raw_content', '--max-reject-rate', '1'], { input });
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).raw_content)).toEqual(['page one', 'page two']);
    expect(r.stderr).toContain('rejected 2 [read/text_missing 1, read/text_not_string 1]');
    // The default list (text, content) and a single named field behave the same way.
    const d = await runCli(['cat'], { input: '{"text":null,"content":"from content"}\n' });
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).content).toBe('from content');
    const one = await runCli(['cat', '--text-field', 'body', '--max-reject-rate', '1'], { input: '{"body":null}\n' });
    expect(one.stderr).toContain('[read/text_missing 1]');
  });

  it('reads stdin, gzip included', async () => {
    const r = await runCli(['cat', '-'], { input: gzipSync('{"text":"from stdin"}\n') });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"text":"from stdin"}\n');
  });

  it('keeps what precedes the damage in a truncated .gz (as unverified rejects), names the file, and exits 1', async () => {
    const dir = await tempDir();
    const many = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, text: `line ${i} `.repeat(10) })).join('\n') + '\n';
    const gz = gzipSync(many);
    const file = join(dir, 'cut.jsonl.gz');
    await writeFile(file, gz.subarray(0, gz.length >> 1));
    const r = await runCli(['cat', file, '--rejects', join(dir, 'rej.jsonl'), '--allow-empty']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${file}: unexpected end of file; nothing decoded since the last good check is read as a record`);
    expect(r.stderr).toContain('nothing before the damage could be verified: its lines are all in the rejects as read/unverified');
    // Never checked (the CRC is at the end): every line is an unverified reject with its raw text (#10).
    expect(r.stdout).toBe('');
    const rej = (await readFile(join(dir, 'rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { reason: string; raw: string });
    expect(rej.length).toBeGreaterThan(1000);
    expect(rej.slice(0, -1).map((x) => x.raw)).toEqual(many.split('\n').slice(0, rej.length - 1));
    expect(r.stderr).toContain(`read ${rej.length} = written 0 + rejected ${rej.length}`);
  });

  it('writes a folder of compressed shards and converts CSV', async () => {
    const dir = await tempDir();
    const csv = join(dir, 'in.csv');
    await writeFile(csv, 'id,text\n' + Array.from({ length: 30 }, (_, i) => `${i},"row ${i}, quoted"`).join('\n') + '\n');
    const r = await runCli(['cat', csv, '-o', join(dir, 'out') + '/', '--shard-records', '12', '--compress', 'zstd']);
    expect(r.code).toBe(0);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl.zst', 'part-00001.jsonl.zst', 'part-00002.jsonl.zst']);
    const back = execFileSync('zstd', ['-dc', join(dir, 'out/part-00002.jsonl.zst')]).toString().trim().split('\n');
    expect(back.map((l) => JSON.parse(l))).toEqual(Array.from({ length: 6 }, (_, k) => ({ id: String(24 + k), text: `row ${24 + k}, quoted` })));
  });

  it('exits 2 with a message on usage errors', async () => {
    for (const [args, msg] of [
      [['nope'], /unknown command 'nope'; commands: cat, run/],
      [['cat', '--bogus'], /cat: unknown option '--bogus'[\s\S]*see 'corpus-clean cat --help'/],
      [['cat', BAD, '--format', 'xml'], /--format must be one of auto, jsonl, json, csv, tsv, txt(, [a-z]+)*; got 'xml'/],
      [['cat', 'missing.jsonl'], /input not found: 'missing.jsonl'/],
      [['cat', BAD, '--shard-records', '10'], /sharding .* needs --output/],
      [['cat', BAD, '--shard-records', 'ten', '-o', '/tmp/x.jsonl'], /--shard-records must be a positive integer/],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});

describe('XTuner-friendly output', () => {
  it('writes a .json output as one JSON array, wraps array lines on request, and strips attrs after convert', async () => {
    const dir = await tempDir();
    const out = join(dir, 'train.json');
    const input = '[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]\n{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"attrs":{"lang":"en"}}\n';
    const r = await runCli(['convert', '--wrap-arrays', 'messages', '-o', out], { input });
    expect(r.code).toBe(0);
    const arr = JSON.parse(await readFile(out, 'utf8'));
    expect(arr).toHaveLength(2);
    expect(arr.every((x: object) => !('attrs' in x))).toBe(true);
    const plain = await runCli(['cat', '--no-require-text'], { input });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('read 2 = written 1 + rejected 1 [read/not_object 1]');
    const kept = await runCli(['cat', '--no-require-text', '--keep-attrs', '-o', join(dir, 'k.json')], { input: input.split('\n')[1] });
    expect(kept.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'k.json'), 'utf8'))[0].attrs).toEqual({ lang: 'en' });
  });
});

describe('cut short from outside', () => {
  it('SIGTERM removes the unfinished shard and temporary files, and the complete shards of the stopped output (M5)', async () => {
    const { spawn } = await import('node:child_process');
    const dir = await tempDir();
    const big = join(dir, 'big.jsonl');
    const line = JSON.stringify({ text: 'x'.repeat(2000) }) + '\n';
    await writeFile(big, line.repeat(60000));
    const p = spawn(process.execPath, [join(ROOT, 'dist/bundle/main.js'), 'cat', big, '-o', join(dir, 'out') + '/', '--shard-records', '20000', '--rejects', join(dir, 'out/_rej.jsonl'), '-q'], { stdio: 'ignore' });
    // Wait for the first shard's temporary file, then stop the run.
    for (let i = 0; i < 200; i++) {
      const names = await readdir(join(dir, 'out')).catch(() => [] as string[]);
      if (names.some((n) => n.includes('.tmp-'))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    p.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => p.on('close', r));
    expect(code).toBe(143);
    // Nothing left, not even the folder it made (fix15).
    expect(await readdir(dir)).toEqual(['big.jsonl']);
  });

  it('rejects and stats must be files of their own', async () => {
    for (const args of [['--rejects', '-'], ['-o', '/tmp/same.jsonl', '--rejects', '/tmp/same.jsonl'], ['--shard-size', '0', '-o', '/tmp/x/'], ['--max-reject-rate', '']]) {
      const r = await runCli(['cat', BAD, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});

describe('messages that guide', () => {
  it('refuses a file whose type cannot be told from its name, unless --format is given', async () => {
    const dir = await tempDir();
    const f = join(dir, 'data.dat.gz');
    await writeFile(f, gzipSync('{"text":"x"}\n'));
    const r = await runCli(['cat', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot tell the format of .*data\.dat\.gz.* give --format/);
    expect((await runCli(['cat', f, '--format', 'jsonl'])).code).toBe(0);
  });

  it('says when nothing was written, and lists the largest reasons first', async () => {
    const input = Array.from({ length: 12 }, (_, i) => (i < 9 ? '{"id":1}' : `{"text": ${i}}`)).join('\n') + '\n';
    const r = await runCli(['cat', '--max-reject-rate', '1'], { input });
    expect(r.stderr).toContain('read 12 = written 0 + rejected 12 [read/text_missing 9, read/text_not_string 3]');
    expect(r.stderr).toContain('note: nothing was written; most records were rejected as read/text_missing (9 of 12)');
  });

  it('a stage option named like an I/O flag keeps its name; the flag becomes --input-NAME', async () => {
    const r = await runCli(['tokenize', '--to', 'xtuner-v1', '--format', 'jsonl'], { input: '{"text":"hello"}\n' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ content: 'hello' });
  });
});

describe('small flags', () => {
  it('--version prints the package version; --txt-mode line and --strip-attrs work from the CLI', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
    const dir = await tempDir();
    const txt = join(dir, 'p.txt');
    await writeFile(txt, 'first\n\nsecond\n');
    const lines = await runCli(['cat', txt, '--txt-mode', 'line']);
    expect(lines.code).toBe(0);
    expect(lines.stdout).toBe('{"text":"first"}\n{"text":"second"}\n');
    const strip = await runCli(['cat', '--strip-attrs'], { input: '{"text":"t","attrs":{"lang":"en"}}\n' });
    expect(strip.stdout).toBe('{"text":"t"}\n');
  });
});
