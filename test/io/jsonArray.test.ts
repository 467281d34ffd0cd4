import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compactJson } from '../../src/io/json.js';
import { readChunks } from '../../src/io/readers/index.js';
import { chunked, drain, runCli, tempDir } from '../helpers/run.js';

// Issue #10 (J6/J7 for JSON-array input): a `.json` array file gets the checks a JSONL line gets:
// a key named twice is a duplicate_key reject, numbers JavaScript cannot hold keep their digits.
// Before, stream-json kept the last value of a repeated key and rounded big numbers silently.

const read = (text: string, size = 1 << 20) => drain(readChunks('a.json', chunked(Buffer.from(text), size), 'json'));

describe('JSON array input', () => {
  it('an element naming a key twice is a duplicate_key reject with its text; the others are read', async () => {
    for (const size of [1, 3, 7, 1 << 20]) {
      const d = await read('[{"text":"a"},\n  {"text": "x", "n": 1, "text": "y"},\n {"text":"b","m":{"k":1,"k":2}}, {"text":"c"}]', size);
      expect(d.docs.map((x) => x.data.text), String(size)).toEqual(['a', 'c']);
      expect(d.rejects.map((r) => [r.reason, r.source, (r.detail as { key: string }).key])).toEqual([
        ['duplicate_key', 'a.json:[1]', 'text'],
        ['duplicate_key', 'a.json:[2]', 'k'],
      ]);
      expect(d.rejects[0].raw).toBe('{"text": "x", "n": 1, "text": "y"}');
      expect(d.read).toBe(4);
    }
  });

  it('cat keeps the digits of big numbers from a pretty-printed array, also through a changing stage', async () => {
    const dir = await tempDir();
    const file = join(dir, 'big.json');
    await writeFile(file, '[\n  {\n    "id": 18446744073709551617,\n    "text": "a\\r\\nb",\n    "x": [1e400, -0, 0.5]\n  },\n  {"text": "plain", "n": 3}\n]\n');
    const r = await runCli(['cat', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"id":18446744073709551617,"text":"a\\r\\nb","x":[1e400,-0,0.5]}\n{"text":"plain","n":3}\n');
    const n = await runCli(['normalize', file]);
    expect(n.code, n.stderr).toBe(0);
    expect(n.stdout.split('\n')[0]).toMatch(/^\{"id":18446744073709551617,"text":"a\\nb","x":\[1e400,-0,0\.5\]/);
    // gzip and a duplicate key through the CLI: exit 1 over the reject rate, the reject named.
    await writeFile(join(dir, 'dup.json.gz'), gzipSync('[{"text":"a","text":"b"}]'));
    const dup = await runCli(['cat', join(dir, 'dup.json.gz'), '--rejects', join(dir, 'rej.jsonl'), '--allow-empty']);
    expect(dup.code).toBe(1);
    expect(JSON.parse(await readFile(join(dir, 'rej.jsonl'), 'utf8'))).toMatchObject({ reason: 'duplicate_key', detail: { key: 'text' } });
    await rm(dir, { recursive: true });
  });

  it('splits exactly what JSON.parse sees, at every chunk size (strings with quotes, backslashes, brackets)', async () => {
    const elements = [
      { text: 'a "quoted" ] } [ { , word', b: '\\', c: '\\"', d: ['x', { e: '}' }] },
      { text: 'ünïcødé 中文 😀', n: [[[]]], o: {} },
      { text: '\\\\\\"' },
    ];
    const text = '\ufeff ' + JSON.stringify(elements, null, 1) + ' \n';
    for (let size = 1; size <= 13; size++) {
      const d = await read(text, size);
      expect(d.docs.map((x) => x.data), String(size)).toEqual(elements);
      expect(d.rejects).toEqual([]);
      expect(d.fileErrors).toEqual([]);
    }
    let seed = 11;
    const rnd = (k: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % k;
    const pieces = ['"', '\\', '[', ']', '{', '}', ',', ':', 'a', ' ', '\n', 'é'];
    for (let t = 0; t < 200; t++) {
      const els = Array.from({ length: 1 + rnd(5) }, () => ({ text: Array.from({ length: rnd(12) }, () => pieces[rnd(pieces.length)]).join(''), k: { v: [rnd(9)] } }));
      const d = await read(JSON.stringify(els, null, rnd(3)), 1 + rnd(9));
      expect(d.docs.map((x) => x.data)).toEqual(els);
    }
  });

  it('empty arrays, empty elements, a cut file, data after the array and a mismatched closer', async () => {
    expect((await read(' [ ] ')).read).toBe(0);
    expect((await read(' [ ] ')).fileErrors).toEqual([]);
    const trailing = await read('[{"text":"a"},]');
    expect(trailing.docs).toHaveLength(1);
    expect(trailing.rejects.map((r) => [r.reason, r.source, r.raw])).toEqual([['json_parse', 'a.json:[1]', '']]);
    const cut = await read('[{"text":"a"}, {"text":"b', 4);
    expect(cut.docs).toHaveLength(1);
    expect(cut.rejects.map((r) => [r.reason, r.raw])).toEqual([['truncated_input', ' {"text":"b']]);
    expect(cut.fileErrors[0].message).toMatch(/ends inside the array/);
    expect(cut.read).toBe(2);
    const after = await read('[{"text":"a"}] {"text":"b"}');
    expect(after.docs).toHaveLength(1);
    expect(after.fileErrors[0].message).toMatch(/unexpected data after the array at byte 15/);
    const mismatch = await read('[{"text":"a"}, {"text":["b"}}, {"text":"c"}]', 5);
    expect(mismatch.docs).toHaveLength(1);
    expect(mismatch.fileErrors[0].message).toMatch(/unexpected \} at byte 27 \(after element 1\)/);
    // The element the stray closer ended is its reject, with its text (hostile review 6 F13).
    expect(mismatch.rejects.map((r) => [r.reason, r.source, r.raw])).toEqual([['damaged_input', 'a.json:[1]', ' {"text":["b"}']]);
    expect(mismatch.read).toBe(2);
    for (const size of [3, 1 << 20]) {
      const stray = await read('[{"text":"a"},\n{"text":"b"},\n{"text":"b2"}\n}\n]', size);
      expect(stray.docs.map((x) => x.data.text)).toEqual(['a', 'b']);
      expect(stray.rejects.map((r) => [r.reason, r.raw])).toEqual([['damaged_input', '\n{"text":"b2"}\n}']]);
      expect(stray.fileErrors).toMatchObject([{ rejected: true }]);
      expect(stray.read).toBe(3);
    }
    const scalarString = await read('["a,]b", {"text":"c"}]', 2);
    expect(scalarString.rejects.map((r) => [r.reason, r.raw])).toEqual([['not_object', '"a,]b"']]);
    expect(scalarString.docs).toHaveLength(1);
  });

  it('an element over the limit is line_too_long, held to its head; the next one is read', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(5000) });
    for (const size of [100, 1 << 20]) {
      const d = await drain(readChunks('a.json', chunked(Buffer.from(`[${big},{"text":"ok"}]`), size), 'json', { maxLineBytes: 1000 }));
      expect(d.docs.map((x) => x.data.text)).toEqual(['ok']);
      expect(d.rejects[0]).toMatchObject({ reason: 'line_too_long', source: 'a.json:[0]', detail: { bytes: big.length, limit: 1000, raw_truncated: true } });
      expect((d.rejects[0].raw as string).length).toBeLessThanOrEqual(4096);
    }
  });

  it('compactJson drops the spaces between tokens only', () => {
    expect(compactJson('{ "a b" : [ 1 ,\n 2 ], "c\\" d": " x " }')).toBe('{"a b":[1,2],"c\\" d":" x "}');
  });
});
