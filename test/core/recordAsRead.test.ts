import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc, JsonObject } from '../../src/core/doc.js';
import { getText, recordJsonOf, setText } from '../../src/core/doc.js';
import type { DocSource } from '../../src/core/pipeline.js';
import { pipeline } from '../../src/core/pipeline.js';
import { limitRecords } from '../../src/io/readers/limit.js';
import { ownTextFields } from '../../src/io/readers/ownTextField.js';
import type { Stage } from '../../src/core/stage.js';
import { docStage } from '../../src/core/stage.js';
import { collect } from '../../src/io/memory.js';
import { readChunks, readFiles } from '../../src/io/readers/index.js';
import { RejectsWriter } from '../../src/io/writers/rejects.js';
import { createNormalize, normalizeOptions } from '../../src/stages/normalize/index.js';
import { defaultRegistry } from '../../src/stages/index.js';
import { resolveOptions } from '../../src/core/options.js';
import { runCli, tempDir } from '../helpers/run.js';

/** A stage that drops records whose text starts with `drop`, leaving every record as it is. */
const dropper = (flags: Partial<Pick<Stage, 'keepsRecords' | 'marksChanged'>>): Stage => ({
  ...docStage({ name: 'drop', apply: (d) => (getText(d).startsWith('drop') ? 'drop:asked' : undefined) }),
  ...flags,
});

const normalize = (): Stage => createNormalize(resolveOptions('normalize', normalizeOptions, {}));

/** Run `lines` (JSONL) through `stages` with a rejects file; the rejects file's lines. */
async function rejectsOf(lines: string[], stages: Stage[], options: { wrapArrays?: string } = {}, rejectAttrs: 'all' | 'failing' = 'all'): Promise<string[]> {
  const dir = await tempDir();
  const path = join(dir, 'rejects.jsonl');
  async function* one(): AsyncIterable<Buffer> {
    yield Buffer.from(lines.join('\n') + '\n');
  }
  await pipeline({ source: readChunks('in.jsonl', one(), 'jsonl', options), stages, sink: collect(), rejects: new RejectsWriter(path), rejectAttrs });
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}

/** `{"record":...}` of a reject line, as text. */
function recordTextOf(line: string): string {
  const at = line.indexOf('"record":') + '"record":'.length;
  const end = line.lastIndexOf(',"attrs":') > 0 ? line.lastIndexOf(',"attrs":') : line.length - 1;
  return line.slice(at, end);
}

/** A stage keeping records as they are that holds them all back until its input ends. */
const hold: Stage = {
  name: 'hold',
  needsText: false,
  options: {},
  keepsRecords: true,
  async *run(batches) {
    const all: Doc[] = [];
    for await (const b of batches) all.push(...b);
    yield all;
  },
};

describe('rejects of records no stage changed keep the record as read', () => {
  // Written as Python's json.dumps writes (", " and ": "), with what JSON.parse does not give back
  // as it read: an integer-like key after others (JSON.stringify writes it first), `__proto__`, an
  // escaped é, an escaped slash, U+2028, a nested value, a number written 2.50.
  const unchanged = [
    '{"text": "drop caf\\u00e9 \\/ \u2028 line", "b": 1, "7": [2.50, {"__proto__": {"x": null}}]}',
    '{"__proto__": 1, "text": "drop me"}',
  ];

  it('after normalize (not changing them) and a stage keeping records: byte for byte, re-readable', async () => {
    const lines = await rejectsOf(unchanged, [normalize(), dropper({ keepsRecords: true })]);
    expect(lines.map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual(['drop:asked', 'drop:asked']);
    for (let i = 0; i < unchanged.length; i++) {
      expect(recordTextOf(lines[i])).toBe(unchanged[i]);
      // the same record as parsing the input line gives, own `__proto__` keys included
      const back = JSON.parse(lines[i]) as { record: JsonObject };
      expect(back.record).toStrictEqual(JSON.parse(unchanged[i]));
      expect(Object.keys(back.record)).toEqual(Object.keys(JSON.parse(unchanged[i]) as JsonObject));
    }
    expect(Object.prototype.hasOwnProperty.call((JSON.parse(lines[1]) as { record: JsonObject }).record, '__proto__')).toBe(true);
  });

  it('also when the rejects keep only the failing rules\' signals (slimmed rejects)', async () => {
    const rules: Stage = { ...dropper({ keepsRecords: true }), thresholds: [{ code: 'drop:asked', signal: 'drop/n', max: 0 }] };
    const tag: Stage = { ...docStage({ name: 'tag', apply: (d) => void ((d.attrs.drop = { n: 1, other: 2 }), undefined) }), keepsRecords: true };
    const lines = await rejectsOf(unchanged, [normalize(), tag, rules], {}, 'failing');
    expect(lines.map(recordTextOf)).toEqual(unchanged);
    expect(lines.map((l) => (JSON.parse(l) as { attrs: unknown }).attrs)).toEqual([{ drop: { n: 1 } }, { drop: { n: 1 } }]);
  });

  it('a record normalize changed is written as it is now', async () => {
    const lines = await rejectsOf(['{"text": "drop  trailing   \\r\\nspaces", "id": 1}'], [normalize(), dropper({ keepsRecords: true })]);
    expect(recordTextOf(lines[0])).toBe('{"text":"drop  trailing\\nspaces","id":1}');
  });

  it('a record changed by setText in a stage that marks its changes is written as it is now', async () => {
    const upper: Stage = { ...docStage({ name: 'upper', apply: (d) => void (getText(d).startsWith('drop x') ? setText(d, 'drop X') : undefined) }), marksChanged: true };
    const lines = await rejectsOf(['{"text": "drop x"}', '{"text": "drop y"}'], [upper, dropper({ keepsRecords: true })]);
    expect(lines.map(recordTextOf)).toEqual(['{"text":"drop X"}', '{"text": "drop y"}']);
  });

  it('a stage that does not say it keeps records counts as changing them all', async () => {
    const silent: Stage = docStage({ name: 'silent', apply: (d) => void (d.data.seen = true) });
    expect((await rejectsOf(unchanged, [silent, dropper({ keepsRecords: true })])).map(recordTextOf)).toEqual(unchanged.map((l) => JSON.stringify({ ...(JSON.parse(l) as JsonObject), seen: true })));
    // the dropping stage itself, undeclared
    expect((await rejectsOf(unchanged.slice(0, 1), [dropper({})])).map(recordTextOf)).toEqual([JSON.stringify(JSON.parse(unchanged[0]))]);
  });

  it('keeps the serialised form where the line is not the record as it is', async () => {
    const input = [
      // spaces around the object: trimmed
      '  {"text": "drop spaced"}\t',
      // a CR between tokens (a reader that takes CR as a line end would cut the reject's line)
      '{"text": "drop cr",\r"id": 2}',
      // numbers JavaScript cannot hold: the record with their texts, the input line as `raw`
      '{"text": "drop big", "id": 18446744073709551617}',
      // an attrs object of its own: stages write signals into it
      '{"text": "drop attrs", "attrs": {"x": 1}}',
    ];
    const tag: Stage = { ...docStage({ name: 'tag', apply: (d) => void (d.attrs.tagged = 1) }), keepsRecords: true };
    const lines = await rejectsOf(input, [tag, dropper({ keepsRecords: true })]);
    const parsed = lines.map((l) => JSON.parse(l) as { record: JsonObject; raw?: string; attrs?: JsonObject });
    expect(recordTextOf(lines[0])).toBe('{"text": "drop spaced"}');
    expect(recordTextOf(lines[1])).toBe('{"text":"drop cr","id":2}');
    expect(lines[1]).not.toContain('\r');
    expect(recordTextOf(lines[2])).toBe('{"text":"drop big","id":18446744073709551617}');
    expect(parsed[2].raw).toBe(input[2]);
    expect(parsed[3].record).toEqual({ text: 'drop attrs', attrs: { x: 1, tagged: 1 } });
  });

  // Issue 16, eighteenth pass (speed18a): whether a line holds a CR is known from one search of
  // the chunk it lies in, not one of each line's text; a line across chunks is searched itself.
  it('a CR inside a line is found at every chunk size: that record serialised, the others as read', async () => {
    const input = ['{"text": "drop  one", "id": 1}', '{"text": "drop cr",\r"id": 2}', '{"text": "drop  three",  "id": 3}', '{"text":\r"drop at the start"}', '{"text": "drop five"}'];
    const bytes = Buffer.from(input.join('\n') + '\n');
    for (let size = 1; size <= bytes.length; size += size < 24 ? 1 : 17) {
      const dir = await tempDir();
      const path = join(dir, 'rejects.jsonl');
      async function* chunks(): AsyncIterable<Buffer> {
        for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
      }
      await pipeline({ source: readChunks('in.jsonl', chunks(), 'jsonl'), stages: [dropper({ keepsRecords: true })], sink: collect(), rejects: new RejectsWriter(path), rejectAttrs: 'all' });
      const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
      expect(lines.map(recordTextOf), `chunks of ${size}`).toEqual([input[0], '{"text":"drop cr","id":2}', input[2], '{"text":"drop at the start"}', input[4]]);
    }
  });

  it('an array line wrapped into a record (--wrap-arrays) is not taken as the record', async () => {
    const lines = await rejectsOf(['[{"text": "drop"}]'], [dropper({ keepsRecords: true })], { wrapArrays: 'text' });
    // the wrapped record: its text field is the array, so the check of the text rejects it first
    expect(recordTextOf(lines[0])).toBe('{"text":[{"text":"drop"}]}');
  });

  it('records keep no line past the stages that keep records, nor without a rejects file', async () => {
    async function* one(): AsyncIterable<Buffer> {
      yield Buffer.from('{"text": "keep me"}\n');
    }
    for (const rejects of [true, false]) {
      const sink = collect();
      const dir = await tempDir();
      let seen: string | undefined = 'none';
      const look: Stage = { ...docStage({ name: 'look', apply: (d) => void (seen = recordJsonOf(d)?.toString('utf8')) }), keepsRecords: true };
      await pipeline({ source: readChunks('in.jsonl', one(), 'jsonl'), stages: [look], sink, ...(rejects ? { rejects: new RejectsWriter(join(dir, 'r.jsonl')) } : {}) });
      expect(seen).toBe(rejects ? '{"text": "keep me"}' : undefined);
      expect(recordJsonOf(sink.docs[0])).toBeUndefined();
    }
  });

  it('keeps the bytes of each line as read while a stage holds records across reads (zstd input)', async () => {
    const dir = await tempDir();
    // ~1.5 MB of records, texts of many lengths, some repeated (zstd matches far back)
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `drop ${i}` + ' word'.repeat((i * 37) % 400) + '字'.repeat(i % 50), i }));
    await writeFile(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
    const c = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'in.jsonl.zst'), '-q']);
    expect(c.code, c.stderr).toBe(0);
    const path = join(dir, 'r.jsonl');
    // `hold` keeps every record back: the bytes of the first must outlive the reads after them
    await pipeline({ source: readFiles([join(dir, 'in.jsonl.zst')]), stages: [normalize(), hold, dropper({ keepsRecords: true })], sink: collect(), rejects: new RejectsWriter(path) });
    const rejects = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
    expect(rejects.map(recordTextOf)).toEqual(lines);
  }, 60_000);

  it('keeps the bytes of each line as read when the caller of readChunks fills one buffer again for each chunk', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `drop ${i} ${'x'.repeat(i)}` }));
    const buf = Buffer.alloc(4096);
    async function* refilled(): AsyncIterable<Buffer> {
      for (const l of lines) {
        const n = buf.write(l + '\n');
        yield buf.subarray(0, n);
      }
    }
    const dir = await tempDir();
    const path = join(dir, 'r.jsonl');
    await pipeline({ source: readChunks('in.jsonl', refilled(), 'jsonl'), stages: [hold, dropper({ keepsRecords: true })], sink: collect(), rejects: new RejectsWriter(path) });
    expect((await readFile(path, 'utf8')).split('\n').slice(0, -1).map(recordTextOf)).toEqual(lines);
  });

  it('through the readers\' wrappers: --limit and records read with their own text field', async () => {
    async function* one(): AsyncIterable<Buffer> {
      yield Buffer.from(unchanged.join('\n') + '\n');
    }
    for (const wrap of [(s: DocSource) => limitRecords(s, 1), (s: DocSource) => ownTextFields(s, new Map([['in.jsonl', 'text']]), 'content')]) {
      const dir = await tempDir();
      const path = join(dir, 'r.jsonl');
      await pipeline({ source: wrap(readChunks('in.jsonl', one(), 'jsonl')), stages: [dropper({ keepsRecords: true })], sink: collect(), rejects: new RejectsWriter(path) });
      const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
      expect(lines.map(recordTextOf)).toEqual(unchanged.slice(0, lines.length));
    }
  });

  it('langid keeps records, quality marks the records its C4 line filter changed', async () => {
    const registry = defaultRegistry();
    const probe = await registry.create('quality', { preset: 'web-en' });
    // every rule left out: nothing fails, the C4 line filter still cuts lines without a sentence end
    const skip = [...new Set((probe.thresholds ?? []).map((t) => t.code.slice(0, t.code.indexOf(':'))))];
    const quality = await registry.create('quality', { preset: 'web-en', c4LineFilter: true, skip });
    const langid = await registry.create('langid', { keep: ['en'] });
    expect([langid.keepsRecords, quality.marksChanged]).toEqual([true, true]);
    const dropAll: Stage = { ...docStage({ name: 'drop', apply: () => 'drop:all' }), keepsRecords: true };
    const input = [
      '{"text": "这是一段中文的文字，用来检查语言识别的结果是不是中文。这是一段中文的文字，用来检查语言识别的结果。", "id": 1}',
      '{"text": "Home page\\nThis is a complete sentence with a number of words in it.", "id": 2}',
      '{"text": "This is a complete sentence with a number of words in it.", "id": 3}',
    ];
    const lines = await rejectsOf(input, [normalize(), langid, quality, dropAll]);
    expect(lines.map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual(['langid:not_kept', 'drop:all', 'drop:all']);
    // langid's reject and the record the line filter left alone: as read; the one it cut: as it is now
    expect(lines.map(recordTextOf)).toEqual([input[0], '{"text":"This is a complete sentence with a number of words in it.","id":2}', input[2]]);
  }, 60_000);

  it('the rejects file reads back with cat', async () => {
    const dir = await tempDir();
    const lines = await rejectsOf(unchanged, [normalize(), dropper({ keepsRecords: true })]);
    await writeFile(join(dir, 'r.jsonl'), lines.join('\n') + '\n');
    const r = await runCli(['cat', join(dir, 'r.jsonl'), '--text-field', 'reason', '-o', join(dir, 'back.jsonl'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const back = (await readFile(join(dir, 'back.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { record: JsonObject });
    expect(back.map((x) => x.record)).toStrictEqual(unchanged.map((l) => JSON.parse(l)));
  }, 60_000);
});
