import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonArrayWriter } from '../../../src/io/writers/jsonArray.js';
import { makeDoc } from '../../../src/core/doc.js';
import { pipeline } from '../../../src/core/pipeline.js';
import { fromRecords } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { UsageError } from '../../../src/core/errors.js';

const made: string[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'jsonarray-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('JsonArrayWriter', () => {
  it('writes one JSON array, one record per line, only on close', async () => {
    const d = dir();
    const out = join(d, 'sub', 'data.json');
    const w = new JsonArrayWriter({ output: out });
    await w.write([makeDoc({ a: 1 }, 'x:1'), makeDoc({ b: '中' }, 'x:2')]);
    await w.write([]);
    await w.write([makeDoc({ c: true }, 'x:3')]);
    expect(existsSync(out)).toBe(false);
    await w.close();
    const text = readFileSync(out, 'utf8');
    expect(text).toBe('[\n{"a":1},\n{"b":"中"},\n{"c":true}\n]\n');
    expect(JSON.parse(text)).toEqual([{ a: 1 }, { b: '中' }, { c: true }]);
    expect(readdirSync(join(d, 'sub'))).toEqual(['data.json']);
  });

  it('writes [] for no records', async () => {
    const out = join(dir(), 'empty.json');
    const w = new JsonArrayWriter({ output: out });
    await w.close();
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([]);
  });

  it('leaves nothing behind on abort', async () => {
    const d = dir();
    const w = new JsonArrayWriter({ output: join(d, 'x.json') });
    await w.write([makeDoc({ a: 1 }, 'x:1')]);
    await w.abort();
    expect(readdirSync(d)).toEqual([]);
  });

  it('keeps or strips attrs like the JSONL writer', async () => {
    const d = dir();
    const tagged = (): ReturnType<typeof makeDoc> => {
      const doc = makeDoc({ a: 1 }, 'x:1');
      doc.attrs.lang = 'en';
      return doc;
    };
    const keep = new JsonArrayWriter({ output: join(d, 'keep.json') });
    await keep.write([tagged()]);
    await keep.close();
    const strip = new JsonArrayWriter({ output: join(d, 'strip.json'), stripAttrs: true });
    await strip.write([tagged()]);
    await strip.close();
    expect(JSON.parse(readFileSync(join(d, 'keep.json'), 'utf8'))).toEqual([{ a: 1, attrs: { lang: 'en' } }]);
    expect(JSON.parse(readFileSync(join(d, 'strip.json'), 'utf8'))).toEqual([{ a: 1 }]);
  });

  it('refuses stdout and folders', () => {
    expect(() => new JsonArrayWriter({ output: '-' })).toThrow(UsageError);
    expect(() => new JsonArrayWriter({ output: 'out/' })).toThrow(UsageError);
  });

  it('writes an XTuner conversation .json file from a convert pipeline', async () => {
    const out = join(dir(), 'train.json');
    const stage = await defaultRegistry().create('convert', {});
    await pipeline({
      source: fromRecords([{ instruction: 'Hi', input: '', output: 'Hello' }]),
      stages: [stage],
      sink: new JsonArrayWriter({ output: out, stripAttrs: true }),
    });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([{ conversation: [{ system: '', input: 'Hi', output: 'Hello' }] }]);
  });
});
