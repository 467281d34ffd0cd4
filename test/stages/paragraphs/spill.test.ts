import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { makeDoc } from '../../../src/core/doc.js';
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
