import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reject, RejectWithJson } from '../../../src/core/stage.js';
import { RECORD_JSON } from '../../../src/core/stage.js';
import { RejectsWriter, serialiseReject } from '../../../src/io/writers/rejects.js';
import { unzstd } from '../../../src/io/zstd.js';
import { tempDir } from '../../helpers/run.js';

/** `r` carrying its record's JSON text as a reader gives it (`JSON.stringify` of the record). */
function withText(r: Reject): Reject {
  const out = { ...r } as RejectWithJson;
  out[RECORD_JSON] = Buffer.from(JSON.stringify(r.record));
  return out;
}

/** The lines a RejectsWriter writes for `rejects` (into `name`: .zst compressed), flushed after every `every`. */
async function written(rejects: Reject[], name = 'rejects.jsonl', every = Infinity): Promise<string[]> {
  const path = join(await tempDir(), name);
  const w = new RejectsWriter(path);
  let i = 0;
  for (const r of rejects) {
    w.push(r);
    if (++i % every === 0) await w.flush();
  }
  await w.close();
  let bytes = await readFile(path);
  if (name.endsWith('.zst')) {
    const out: Buffer[] = [];
    for await (const c of unzstd(bytes, (async function* () {})())) out.push(c);
    bytes = Buffer.concat(out);
  }
  return bytes.toString('utf8').split('\n').slice(0, -1);
}

const record = { id: 7, text: 'un texte\n"cité" \\ 中文', meta: { a: [1, 2.5, null] } };
const quality = { quality: { preset: 'web-zh', score: 0.1667, failed: ['zh_quality:min_chars'], chars: 12 } };

describe('a reject whose record is given as text is written as serialiseReject writes it', () => {
  const cases: [string, Reject][] = [
    ['no attrs', { stage: 'langid', reason: 'langid:too_short', source: 'in.jsonl:1', record }],
    ['attrs', { stage: 'quality', reason: 'zh_quality:min_chars', source: 'in.jsonl:2', record, attrs: quality }],
    ['detail', { stage: 'langid', reason: 'langid:not_kept', source: 'in.jsonl:3', record, detail: { lang: 'ko', score: 1 } }],
    ['attrs, detail', { stage: 'a', reason: 'b', source: 'in.jsonl:4', record, attrs: { lang: 'ko' }, detail: { lang: 'ko', score: 1 } }],
    ['detail, attrs (as slimmed)', { stage: 'a', reason: 'b', source: 'in.jsonl:5', record, detail: { x: 'y' }, attrs: quality }],
    ['a source to escape', { stage: 'a', reason: 'b', source: 'dir "x"\\été\t中\ud800.jsonl:6', record, attrs: quality }],
    ['a stage and reason to escape', { stage: 'a"\\', reason: 'b\u2028中', source: 'in.jsonl:7', record }],
    ['attrs undefined', { stage: 'a', reason: 'b', source: 'in.jsonl:8', record, attrs: undefined }],
    ['attrs with toJSON', { stage: 'a', reason: 'b', source: 'in.jsonl:9', record, attrs: { toJSON: (k: string) => ({ key: k }) } as unknown as Record<string, unknown> }],
    ['signals with toJSON', { stage: 'a', reason: 'b', source: 'in.jsonl:10', record, attrs: { q: { toJSON: (k: string) => `key ${k}` } } }],
    ['attrs not an object', { stage: 'a', reason: 'b', source: 'in.jsonl:11', record, attrs: 'x' as unknown as Record<string, unknown> }],
    ['a source not a string', { stage: 'a', reason: 'b', source: 12 as unknown as string, record }],
    ['another key', { stage: 'a', reason: 'b', source: 'in.jsonl:13', record, raw: 'x' }],
    ['keys in another order', { reason: 'b', stage: 'a', source: 'in.jsonl:14', record }],
    ['attrs that do not serialise', { stage: 'a', reason: 'b', source: 'in.jsonl:15', record, attrs: { n: 1n } as unknown as Record<string, unknown> }],
    ['a member with a function value', { stage: 'a', reason: 'b', source: 'in.jsonl:17', record, f: () => 1, attrs: quality } as unknown as Reject],
    ['a member with a symbol value', { stage: 'a', reason: 'b', source: 'in.jsonl:17', record, s: Symbol('s'), detail: { x: 1 }, attrs: quality } as unknown as Reject],
    ['three members after the record', { stage: 'a', reason: 'b', source: 'in.jsonl:18', record, detail: { x: 1 }, attrs: quality, raw: 'r' }],
    ['a member holding null, a number, NaN, a boolean', { stage: 'a', reason: 'b', source: 'in.jsonl:19', record, n: null, m: 1.5e300, x: NaN } as unknown as Reject],
    ['a key to escape', { stage: 'a', reason: 'b', source: 'in.jsonl:20', record, ['k"\\\u0001']: true } as unknown as Reject],
    ['a record longer than a chunk', { stage: 'a', reason: 'b', source: 'in.jsonl:16', record: { text: 'x'.repeat(300_000) }, attrs: quality }],
  ];
  for (const [name, r] of cases) {
    it(name, async () => {
      expect(await written([withText(r)])).toEqual([serialiseReject(r)]);
    });
  }

  it('many in a row, across chunks', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => cases[i % cases.length][1]);
    expect(await written(many.map(withText))).toEqual(many.map(serialiseReject));
  });

  it('a record given as a string (a library caller may) and reasons past the cache of line heads', async () => {
    const asString = { ...cases[1][1], [RECORD_JSON]: JSON.stringify(record) } as unknown as Reject;
    const many = Array.from({ length: 5000 }, (_, i) => ({ ...cases[i % 2][1], reason: `r${i}` }));
    expect(await written([asString, ...many.map(withText)])).toEqual([asString, ...many].map(serialiseReject));
  });

  it('many in a row, flushed now and then, into zstd (a chunk written is filled again) and plain', async () => {
    // a line longer than the largest chunk kept (8 MiB) among them
    const huge: Reject = { stage: 'a', reason: 'b', source: 'in.jsonl:0', record: { text: '长'.repeat(3_000_000) } };
    const many = Array.from({ length: 6000 }, (_, i) => (i === 2500 ? huge : cases[i % cases.length][1]));
    const want = many.map(serialiseReject);
    for (const name of ['r.jsonl.zst', 'r.jsonl']) {
      expect(await written(many.map(withText), name, 700)).toEqual(want);
      expect(await written(many, name, 333)).toEqual(want);
    }
  });
});

describe('the source of a reject line (its file written once, the line number as digits)', () => {
  // File names to escape (quotes, backslashes, controls, U+2028, CJK, lone surrogates at either
  // end, colons inside), and what follows the last colon: a line number, or anything else.
  const file = fc.oneof(
    fc.constantFrom('in.jsonl', '/tmp/mix/mix-0.jsonl', 'a:b', 'dir "x"\\été\t中.jsonl', 'x\ud800', '\udc00y', 'é\ud83d', '\u2028', ':', ''),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  const after = fc.oneof(fc.nat().map(String), fc.constantFrom('0', '007', '1'.repeat(15), '1'.repeat(16), '', '12a', '\udc00', ':3'), fc.string({ unit: 'binary', maxLength: 4 }));
  const source = fc.oneof(fc.tuple(file, after).map(([f, a]) => `${f}:${a}`), fc.string({ unit: 'binary', maxLength: 10 }));

  it('is the JSON of the source, for sources of any form, from one file and from many in turn', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(source, fc.nat(3)), { minLength: 1, maxLength: 30 }), async (list) => {
        // each source repeated with other line numbers, as a file's rejects come
        const rejects = list.flatMap(([s, n]) => Array.from({ length: n + 1 }, (_, i) => ({ stage: 'q', reason: 'r', source: i === 0 ? s : s.replace(/\d+$/, (d) => String(Number(d) + i)), record })));
        expect(await written(rejects.map(withText))).toEqual(rejects.map(serialiseReject));
      }),
      { numRuns: 300 },
    );
  });
});

describe("a closed writer's chunks go to the next writer of the thread", () => {
  const r = (i: number): Reject => ({ stage: 'quality', reason: `q${i % 7}`, source: `in.jsonl:${i}`, record: { text: `${i} ${'字'.repeat(i % 900)}` }, attrs: { quality: { score: i } } });
  /** The lines of a writer's file. */
  const lines = async (path: string): Promise<string[]> => {
    let bytes = await readFile(path);
    if (path.endsWith('.zst')) {
      const out: Buffer[] = [];
      for await (const c of unzstd(bytes, (async function* () {})())) out.push(c);
      bytes = Buffer.concat(out);
    }
    return bytes.toString('utf8').split('\n').slice(0, -1);
  };

  it('writers one after another, side by side, aborted: each file holds its own lines', async () => {
    const dir = await tempDir();
    const want = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => serialiseReject(r(from + i)));
    // one that grows its chunk past 4 MiB (no flush), then closes
    const w1 = new RejectsWriter(join(dir, '1.jsonl.zst'));
    for (let i = 0; i < 6000; i++) w1.push(withText(r(i)));
    await w1.close();
    expect(w1.lastLineBytes()).toBeUndefined();
    // one aborted: its chunks go too, and its file is gone
    const w2 = new RejectsWriter(join(dir, '2.jsonl.zst'));
    for (let i = 0; i < 100; i++) w2.push(withText(r(i)));
    await w2.abort();
    // two side by side (zstd, plain); one closes halfway and another takes its chunks
    const w3 = new RejectsWriter(join(dir, '3.jsonl.zst'));
    const w4 = new RejectsWriter(join(dir, '4.jsonl'));
    let w5: RejectsWriter | undefined;
    for (let i = 0; i < 8000; i++) {
      if (i < 4000) w3.push(withText(r(i)));
      else w5!.push(r(i));
      w4.push(i % 2 === 0 ? withText(r(i + 10_000)) : r(i + 10_000));
      if (i % 1500 === 0) await Promise.all([w3.flush(), w4.flush(), w5?.flush()]);
      if (i === 3999) {
        await w3.close();
        w5 = new RejectsWriter(join(dir, '5.jsonl.zst'));
      }
    }
    await Promise.all([w4.close(), w5!.close()]);
    expect(await lines(join(dir, '1.jsonl.zst'))).toEqual(want(0, 6000));
    await expect(readFile(join(dir, '2.jsonl.zst'))).rejects.toThrow();
    expect(await lines(join(dir, '3.jsonl.zst'))).toEqual(want(0, 4000));
    expect(await lines(join(dir, '4.jsonl'))).toEqual(want(10_000, 18_000));
    expect(await lines(join(dir, '5.jsonl.zst'))).toEqual(want(4000, 8000));
  });
});
