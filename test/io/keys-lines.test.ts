import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addCount, setOwn } from '../../src/core/own.js';
import { stringifyDeep } from '../../src/io/json.js';
import { LineSplitter } from '../../src/io/lines.js';
import { parquetToJson } from '../../src/io/readers/parquet.js';
import { charsetOfContentType } from '../../src/stages/extract/charset.js';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Issue #10, the second round: field names that are JavaScript's own (J5), CR-only line ends
// (J8), a deep element in a JSON array (J10), odd inputs (FIFO; non-UTF-8 names: fsnames.test.ts) and
// numbers written the way Number() takes but no user means (0x1, .nan).

function split(text: Buffer, chunk: number): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((b, st, en) => lines.push(b.toString('utf8', st, en)), () => {});
  for (let i = 0; i < text.length; i += chunk) s.push(text.subarray(i, i + chunk));
  s.end();
  return lines;
}

describe('record keys named like JavaScript internals (J5)', () => {
  it('fields named after Object.prototype members go through Parquet and back (hostile review 6 F17, F18)', async () => {
    const dir = await tempDir();
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__proto__', '__defineGetter__', '__lookupGetter__'];
    const first = `{"text":"b",${names.map((n, i) => `"${n}":"v${i}"`).join(',')}}`;
    await writeFile(join(dir, 'k.jsonl'), `${first}\n{"text":"c"}\n`);
    const w = await runCli(['cat', 'k.jsonl', '-o', 'k.parquet'], { cwd: dir });
    expect(w.code, w.stderr).toBe(0);
    const r = await runCli(['cat', 'k.parquet'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const back = r.stdout.trim().split('\n');
    expect(back[0]).toBe(first);
    expect(JSON.parse(back[1])).toEqual(JSON.parse(`{"text":"c",${names.map((n) => `"${n}":null`).join(',')}}`));
    await rm(dir, { recursive: true, force: true });
  });

  it('names from data that are Object.prototype members are no table entries: roles, ShareGPT from, HTML entities (hostile review 6 F20, F21)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'chat.jsonl'), ['{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}', '{"messages":[{"role":"user","content":"hi"},{"role":"toString","content":"x"}]}', '{"messages":[{"role":"user","content":"hi"},{"role":"__proto__","content":"x"}]}'].join('\n') + '\n');
    const t = await runCli(['tokenize', 'chat.jsonl', '--tokenizer', TOKENIZER_MODEL, '-o', 't.jsonl', '--max-reject-rate', '1'], { cwd: dir });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain('read 3 = written 1 + rejected 2 [tokenize/bad_messages 2]');
    const c = await runCli(['convert', '-o', 'c.jsonl'], { cwd: dir, input: '{"conversations":[{"from":"human","value":"hi"},{"from":"constructor","value":"x"}]}\n{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"ok"}]}\n' });
    expect(c.stderr).toContain('read 2 = written 1 + rejected 1 [convert/convert:unknown_role 1]');
    const n = await runCli(['normalize', '--entities'], { cwd: dir, input: '{"text":"a &constructor; b &toString; c &amp; d"}\n' });
    expect(JSON.parse(n.stdout).text).toBe('a &constructor; b &toString; c & d');
    await rm(dir, { recursive: true, force: true });
  });

  it('Parquet: bytes that are not UTF-8 are base64, not U+FFFD; a NaN or Infinity value makes the row a parquet_value reject (hostile review 6 F12)', async () => {
    const dir = await tempDir();
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const buf = parquetWriteBuffer({ columnData: [
      { name: 'text', data: ['r', 's', 't'], type: 'STRING' },
      { name: 'latin', data: [new Uint8Array([0x63, 0x61, 0x66, 0xe9]), new TextEncoder().encode('plain'), new Uint8Array([0x00, 0xff])], type: 'BYTE_ARRAY' },
      { name: 'x', data: [1.5, Number.NEGATIVE_INFINITY, 2], type: 'DOUBLE' },
    ] });
    await writeFile(join(dir, 'b.parquet'), new Uint8Array(buf));
    const r = await runCli(['cat', 'b.parquet', '-o', 'o.jsonl', '--rejects', 'r.jsonl', '--max-reject-rate', '1'], { cwd: dir });
    expect(r.stderr).toContain('read 3 = written 2 + rejected 1 [read/parquet_value 1]');
    expect((await readFile(join(dir, 'o.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ text: 'r', latin: 'Y2Fm6Q==', x: 1.5 }, { text: 't', latin: 'AP8=', x: 2 }]);
    const rej = JSON.parse(await readFile(join(dir, 'r.jsonl'), 'utf8'));
    expect(rej).toMatchObject({ reason: 'parquet_value', detail: { field: 'x', value: '-Infinity' } });
    expect(JSON.parse(rej.raw)).toEqual({ text: 's', latin: 'plain', x: '-Infinity' });
    await rm(dir, { recursive: true, force: true });
  });

  it('setOwn and addCount keep __proto__ and constructor as plain fields, and pollute nothing', () => {
    const o: Record<string, unknown> = {};
    setOwn(o, '__proto__', { polluted: 1 });
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(JSON.stringify(o)).toBe('{"__proto__":{"polluted":1}}');
    const c: Record<string, number> = {};
    addCount(c, 'constructor', 1);
    addCount(c, 'constructor', 1);
    addCount(c, '__proto__', 3);
    expect(JSON.stringify(c)).toBe('{"constructor":2,"__proto__":3}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a Parquet map key __proto__ stays a field', () => {
    const v = parquetToJson(new Map([['__proto__', 1], ['a', 2]]));
    expect(JSON.stringify(v)).toBe('{"__proto__":1,"a":2}');
  });

  it('repair, convert --keep, cat of JSON arrays and CSV keep the fields; --text-field constructor is not inherited', async () => {
    const rec = '{"text":"own","__proto__":{"p":1}}\n';
    const rep = await runCli(['repair'], { input: rec });
    expect(rep.code, rep.stderr).toBe(0);
    expect(JSON.parse(rep.stdout).__proto__).toEqual({ p: 1 });
    expect(rep.stdout).toContain('"__proto__":{"p":1}');
    const conv = await runCli(['convert', '--from', 'text', '--to', 'pretrain-text', '--keep', '__proto__'], { input: rec });
    expect(conv.code, conv.stderr).toBe(0);
    expect(conv.stdout).toBe(rec);
    const dir = await tempDir();
    await writeFile(join(dir, 'p.json'), '[{"text":"a","__proto__":{"p":1},"constructor":"c"}]');
    await writeFile(join(dir, 'p.csv'), 'text,__proto__,constructor\nhello,x,y\n');
    const arr = await runCli(['cat', join(dir, 'p.json'), join(dir, 'p.csv')]);
    expect(arr.code, arr.stderr).toBe(0);
    expect(arr.stdout).toBe('{"text":"hello","__proto__":"x","constructor":"y"}\n{"text":"a","__proto__":{"p":1},"constructor":"c"}\n');
    const tf = await runCli(['cat', '--text-field', 'constructor', '--max-reject-rate', '1', '--rejects', join(dir, 'r.jsonl')], { input: '{"constructor":"own"}\n{"text":"x"}\n' });
    expect(tf.stdout).toBe('{"constructor":"own"}\n');
    expect(JSON.parse(await readFile(join(dir, 'r.jsonl'), 'utf8')).reason).toBe('text_missing');
  });
});

describe('CR-only line ends (J8)', () => {
  it('a stream whose first line ends in a lone CR is split on CR, LF and CRLF, at every chunk size', () => {
    const text = Buffer.from('a\rbé\r\nc\n\rd\re');
    for (let size = 1; size <= text.length; size++) expect(split(text, size), `chunk ${size}`).toEqual(['a', 'bé', 'c', '', 'd', 'e']);
  });
  it('an LF file keeps a stray CR inside a line; a file ending on its first CR is one line', () => {
    for (let size = 1; size <= 8; size++) {
      expect(split(Buffer.from('a\r\nb\rc\nd'), size)).toEqual(['a', 'b\rc', 'd']);
      expect(split(Buffer.from('only\r'), size)).toEqual(['only']);
    }
  });
  it('100 records with CR line ends are 100 records (they were one json_parse reject)', async () => {
    const input = Array.from({ length: 100 }, (_, i) => `{"text":"r${i}"}\r`).join('');
    const r = await runCli(['cat'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(100);
    expect(r.stderr).toMatch(/read 100 = written 100/);
  });
});

describe('a deep element in a JSON array (J10)', () => {
  it('is rejected as too_deep with its text; the elements after it are read; nothing is unaccounted', async () => {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    const dir = await tempDir();
    await writeFile(join(dir, 'd.json'), `[{"text":"a"},${deep},{"text":"b","x":${'{"y":'.repeat(3000)}1${'}'.repeat(3000)}},{"text":"c"}]`);
    const r = await runCli(['cat', join(dir, 'd.json'), '--max-reject-rate', '1', '--rejects', join(dir, 'rej.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"text":"a"}\n{"text":"c"}\n');
    expect(r.stderr).toMatch(/read 4 = written 2 \+ rejected 2/);
    expect(r.stderr).not.toMatch(/MISMATCH/);
    const rej = (await readFile(join(dir, 'rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rej.map((x) => x.reason)).toEqual(['too_deep', 'too_deep']);
    expect(rej[0].raw).toBe(deep);
  });
  it('stringifyDeep writes what JSON.stringify writes, at any depth', () => {
    const v = { a: [1, 'x', null, { b: true, u: undefined }], c: { d: [] }, e: '\u2028"' };
    expect(stringifyDeep(v)).toBe(JSON.stringify(v));
    let deep: unknown = 1;
    for (let i = 0; i < 50000; i++) deep = [deep];
    expect(stringifyDeep(deep)).toBe('['.repeat(50000) + '1' + ']'.repeat(50000));
  });
});

describe('odd inputs and numbers', () => {
  it('a FIFO named as input says what it is and how to read it (it said "input not found")', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'f.jsonl');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['cat', fifo]);
    expect(r.code).toBe(2);
    // The advice works: `cat` reads stdin (it has no -i; hostile review 2 M3), `run` reads files only.
    expect(r.stderr).toMatch(/is a FIFO \(named pipe\).*corpus-clean cat -o FILE < '.*f\.jsonl'; run reads files only/);
  });

  it('numbers: 0x1, 1e0x, Infinity and empty strings are refused; .nan in a recipe is named (Misc)', async () => {
    for (const bad of ['0x1', '0b1', 'Infinity', ' ', '1_0']) {
      const r = await runCli(['cat', '--max-reject-rate', bad], { input: '{"text":"a"}\n' });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`got '${bad}'`);
    }
    const ok = await runCli(['cat', '--max-reject-rate', '1e-1'], { input: '{"text":"a"}\n' });
    expect(ok.code).toBe(0);
    expect((await runCli(['cat', '--shard-records', '0x10', '-o', '/tmp/never-written.jsonl'], { input: '' })).code).toBe(2);
    expect((await runCli(['langid', '--min-chars', '0x5'], { input: '' })).stderr).toMatch(/must be a whole number in plain digits, got "0x5"/);
    expect((await runCli(['quality', '--set', 'gopher_quality:min_words=0x5'], { input: '' })).stderr).toMatch(/value must be a number/);
    const dir = await tempDir();
    await writeFile(join(dir, 'r.yaml'), 'name: n\nmax_reject_rate: .nan\nstages: [normalize]\n');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-o', join(dir, 'out')], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/max_reject_rate must be a number between 0 and 1; got NaN/);
  });
});

describe('duplicate keys (J6)', () => {
  it('a JSONL object naming a key twice is rejected whole with the key; escapes and nesting count; look-alikes pass', async () => {
    const lines = [
      '{"text":"a","text":"b"}',
      '{"text":"ok","m":{"x":1,"y":{"x":2}}}',
      '{"text":"c","m":{"k":1,"\\u006b":2}}',
      '{"text":"said \\"a\\": 1 and \\"a\\": 2","a":1}',
      '{"text":"d", "n" : 1, "n" :2}',
    ];
    const dir = await tempDir();
    const r = await runCli(['cat', '--max-reject-rate', '1', '--rejects', join(dir, 'rej.jsonl')], { input: lines.join('\n') + '\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${lines[1]}\n${lines[3]}\n`);
    const rej = (await readFile(join(dir, 'rej.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rej.map((x) => [x.reason, x.detail.key, x.raw])).toEqual([
      ['duplicate_key', 'text', lines[0]],
      ['duplicate_key', 'k', lines[2]],
      ['duplicate_key', 'n', lines[4]],
    ]);
  });
});

describe('regexes on what records carry stay linear', () => {
  // Before: `\s*["']?\s*` tried every split of the tab run (100k tabs: many minutes).
  it('a Content-Type header with a long run of tabs', () => {
    expect(charsetOfContentType(`text/html;charset=${'\t'.repeat(100000)}=R`)).toBeUndefined();
    expect(charsetOfContentType('text/html; charset = " gbk"')).toBe('gbk');
    expect(charsetOfContentType("text/html;charset='utf-8'")).toBe('utf-8');
  });
});
