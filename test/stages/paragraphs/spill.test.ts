import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { getText, makeDoc, setOwnTextField } from '../../../src/core/doc.js';
import { readSpill, SpillWriter } from '../../../src/stages/paragraphs/spill.js';
import { exactLine } from '../../../src/io/json.js';
import { docFromValue, parseRecord } from '../../../src/io/readers/jsonl.js';
import { outputRecord } from '../../../src/io/writers/jsonl.js';

describe('the paragraphs spill file (text as UTF-16, the rest as JSON)', () => {
  it('gives back every record as written: keys in order, attrs, texts in other fields, no text, astral characters, records across read chunks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-spill-'));
    try {
      const big = '长文本，'.repeat(400_000) + '😀\n\n' + 'x'.repeat(700_000);
      const docs: Doc[] = [
        makeDoc({ id: 1, text: '第一段。\n\n第二段 😀 \u2028 "quoted" \\ back', url: 'https://a.example/' }, 'a.jsonl:1'),
        makeDoc({ content: 'the text in content', text: 7 }, 'a.jsonl:2'),
        makeDoc({ meta: { n: [1, 2] }, text: big, tail: null }, 'b.jsonl:1'),
        makeDoc({ no_text: true }, 'b.jsonl:2'),
        makeDoc({ text: '' }, 'b.jsonl:3'),
      ];
      docs[0].attrs.lang = 'zh';
      const w = new SpillWriter(join(dir, 's.bin'));
      await w.write(docs.slice(0, 2), ['text', 'content']);
      await w.write(docs.slice(2), ['text', 'content']);
      await w.end();
      const back: Doc[] = [];
      for await (const b of readSpill(join(dir, 's.bin'), 2)) back.push(...b);
      expect(back.map((d) => d.source)).toEqual(docs.map((d) => d.source));
      expect(back.map((d) => JSON.stringify(d.data))).toEqual(docs.map((d) => JSON.stringify(d.data)));
      expect(back[0].attrs).toEqual({ lang: 'zh' });
      expect(back[2].data.text).toBe(big);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives back the exact input of a record holding numbers JavaScript cannot hold (as the shards write it without a spill)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-spill-'));
    try {
      const lines = ['{"id":12345678901234567891, "text":"big id"}', '{"n":-0,"text":"to change"}'];
      const read = (): Doc[] =>
        lines.map((l, i) => {
          const b = Buffer.from(l);
          const d = docFromValue(parseRecord(b, 0, b.length, undefined, false) as Doc['data'], 'in.jsonl', i + 1);
          d.attrs.lang = 'en';
          return d;
        });
      const shard = (d: Doc): string => {
        const rec = outputRecord(d, false);
        return exactLine(d.data, JSON.stringify(rec), rec);
      };
      const docs = read();
      docs[1].data.text = 'changed';
      const w = new SpillWriter(join(dir, 's.bin'));
      await w.write(docs, undefined);
      await w.end();
      const back: Doc[] = [];
      for await (const b of readSpill(join(dir, 's.bin'))) back.push(...b);
      expect(back.map(shard)).toEqual(['{"id":12345678901234567891, "text":"big id","attrs":{"lang":"en"}}', '{"n":-0,"text":"changed","attrs":{"lang":"en"}}']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// New-user review 8 #1: inputs written with different text fields are read each with its own
// run's list (a mark on the record, core/doc.ts OWN_TEXT_FIELD); a record spilled between the
// stage's two passes must come back with it, or its text is read from the raw field beside.
describe('the paragraphs spill keeps a record\'s own text field', () => {
  it('a record read with its own run\'s list is read from the same field after the spill', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-spill-'));
    try {
      const own = makeDoc({ text: 'raw page | menu', body: 'The article body.' }, 'zart/p.jsonl:1');
      setOwnTextField(own.data, 'body');
      const plain = makeDoc({ text: 'A plain line.', body: 'not read' }, 'en/p.jsonl:1');
      const w = new SpillWriter(join(dir, 's.bin'));
      await w.write([own, plain], ['text', 'content', 'body']);
      await w.end();
      const back: Doc[] = [];
      for await (const b of readSpill(join(dir, 's.bin'))) back.push(...b);
      expect(back.map((d) => getText(d, ['text', 'content', 'body']))).toEqual(['The article body.', 'A plain line.']);
      expect(back.map((d) => JSON.stringify(d.data))).toEqual([own, plain].map((d) => JSON.stringify(d.data)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
