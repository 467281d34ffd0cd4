import { describe, expect, it } from 'vitest';
import { balanced, deriveDoc, pipeline, type Doc, type Stage } from '../../src/index.js';
import { docAt, ownTextFieldOf, recordJsonOf, setOwnTextField, setRecordJson } from '../../src/core/doc.js';
import type { DocSource } from '../../src/core/pipeline.js';
import { collect } from '../../src/io/memory.js';

/**
 * `deriveDoc`: a record a stage of one's own makes from another keeps its source (hostile review 22
 * H4: `{...doc}` of a reader's record has none, so the run ended in a MISMATCH naming `source:
 * doc.source`), a copy of its signals, its own text field; not the JSON text it was read from.
 */
describe('deriveDoc', () => {
  it('keeps source and a copy of the signals; data given or a shallow copy; no record text of the old data', () => {
    const from = docAt({ text: 'hello there', n: 1 }, 'a.jsonl', 7);
    const buf = Buffer.from('{"text":"hello there","n":1}');
    setRecordJson(from, buf, 0, buf.length);
    from.attrs.quality = { score: 0.5 };
    setOwnTextField(from.data, 'body');
    expect(({ ...from } as Doc).source).toBeUndefined(); // what the helper is for
    const d = deriveDoc(from);
    expect(d.source).toBe('a.jsonl:7');
    expect(d.data).toEqual(from.data);
    expect(d.data).not.toBe(from.data);
    expect(ownTextFieldOf(d.data)).toBe('body');
    expect(d.attrs).toEqual({ quality: { score: 0.5 } });
    d.attrs.lang = 'en';
    expect(from.attrs).toEqual({ quality: { score: 0.5 } });
    expect(recordJsonOf(d)).toBeUndefined();
    const e = deriveDoc(from, { id: 3, text: 'other' });
    expect(JSON.stringify(e.data)).toBe('{"id":3,"text":"other"}');
    expect(ownTextFieldOf(e.data)).toBe('body');
    expect(e.source).toBe('a.jsonl:7');
    expect(deriveDoc(docAt({ text: 'x' }, 'b.jsonl', 1)).attrs).toEqual({});
  });

  it('a stage that rebuilds every record with it ends balanced file by file; {...doc} does not', async () => {
    const source: DocSource = {
      async *read(events) {
        for (const f of ['a.jsonl', 'b.jsonl']) {
          events.file(f);
          events.read(2, 0);
          yield [docAt({ text: 'one', id: 1 }, f, 1), docAt({ text: 'two', id: 2 }, f, 2)];
        }
      },
    };
    const rebuild = (make: (d: Doc) => Doc): Stage => ({ name: 'rebuild', needsText: true, options: {}, async *run(batches) {
      for await (const b of batches) yield b.map(make);
    } });
    const good = await pipeline({ source, stages: [rebuild((d) => deriveDoc(d, { id: d.data.id, text: 'new' }))], sink: collect() });
    expect(good.written).toBe(4);
    expect(balanced(good)).toBe(true);
    const bad = await pipeline({ source, stages: [rebuild((d) => ({ ...d, data: { id: d.data.id, text: 'new' } }))], sink: collect() });
    expect(balanced(bad)).toBe(false);
  });
});
