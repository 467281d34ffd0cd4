import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc, JsonObject } from '../../src/core/doc.js';
import { attrsText, recordJsonOf } from '../../src/core/doc.js';
import type { ReadEvents } from '../../src/core/pipeline.js';
import { pipeline } from '../../src/core/pipeline.js';
import type { Stage } from '../../src/core/stage.js';
import { docStage } from '../../src/core/stage.js';
import { SpillDamage, SpillWriter, spillSource } from '../../src/exec/spill.js';
import { exactLine } from '../../src/io/json.js';
import { docFromValue, parseRecord, Unfit } from '../../src/io/readers/jsonl.js';
import { outputRecord } from '../../src/io/writers/jsonl.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/** A record read from one JSONL line, as the reader makes it. */
function read(line: string, n: number): Doc {
  const b = Buffer.from(line);
  const v = parseRecord(b, 0, b.length, undefined, false);
  if (v instanceof Unfit) throw new Error(v.reason);
  return docFromValue(v as JsonObject, 'in.jsonl', n);
}

/** The line a shard gets for a record (JsonlWriter's serialisation). */
function shardLine(doc: Doc): string {
  const rec = outputRecord(doc, false);
  return exactLine(doc.data, JSON.stringify(rec), rec);
}

const events: ReadEvents = {
  read() {},
  file() {},
  fileError(e) {
    throw new Error(e.message);
  },
  reject(r) {
    throw new Error(r.reason);
  },
};

const LINES = [
  // a number JavaScript cannot hold, and stage signals added
  '{"id":12345678901234567891, "text":"big id"}',
  // its own attrs, a number JavaScript cannot hold, and stage signals added to those attrs
  '{"n":1e400,"text":"own attrs","attrs":{"seen":true}}',
  // nothing special, no signals
  '{"text":"plain \\u00e9 \u4e2d\u6587"}',
  // signals, -0 kept as written
  '{"x":-0,"text":"minus zero"}',
  // a number JavaScript cannot hold in a record a stage changed
  '{"id": 98765432109876543210, "text":"to be changed"}',
  // lines longer than the writer's chunks (one with long signals)
  `{"text":"${'长文本 text '.repeat(40_000)}"}`,
  `{"text":"short","n":2}`,
];

function docsOf(): Doc[] {
  const docs = LINES.map((l, i) => read(l, i + 1));
  docs[0].attrs.lang = 'en';
  docs[0].attrs.quality = { score: 0.5, failed: [] };
  docs[1].attrs.lang = 'zh';
  docs[3].attrs.lang = 'fr';
  docs[4].data.text = 'changed';
  docs[4].attrs.lang = 'en';
  docs[6].attrs.long = 'x'.repeat(300_000);
  return docs;
}

describe('the spill between two phases of a task', () => {
  it('gives back every record with its source, signals and exact numbers, as the shards would write it without a spill', async () => {
    const dir = await tempDir();
    const path = join(dir, 'spill', '00000.jsonl');
    const w = new SpillWriter(path);
    await w.write(docsOf().slice(0, 2));
    await w.write(docsOf().slice(2, 5));
    await w.write(docsOf().slice(5));
    await w.close();
    const back: Doc[] = [];
    for await (const batch of spillSource(path).read(events)) back.push(...batch);
    const expected = docsOf();
    expect(back.map((d) => d.source)).toEqual(expected.map((d) => d.source));
    expect(back.map((d) => d.attrs)).toEqual(expected.map((d) => d.attrs));
    expect(back.map(shardLine)).toEqual(expected.map(shardLine));
    expect(back.map(shardLine)[4]).toBe('{"id":98765432109876543210,"text":"changed","attrs":{"lang":"en"}}');
    expect(back.map(shardLine)[0]).toBe('{"id":12345678901234567891, "text":"big id","attrs":{"lang":"en","quality":{"score":0.5,"failed":[]}}}');
  });

  // Issue 16, eighteenth pass (speed18a): the signals are written into the sources file by
  // jsonInto (no JSON string made per record); what it does not take, by JSON.stringify.
  it('writes each record\'s signals into its sources file as JSON.stringify writes them', async () => {
    const dir = await tempDir();
    const path = join(dir, 'spill', '00000.jsonl');
    const signals: Record<string, unknown>[] = [
      { lang: 'en', lang_score: 0.99, quality: { preset: 'web-en', score: 0.6886, failed: [], ratio: 1 / 3, r6: 0.333333, n: 12, neg: -0.000001, big: 1e21, tiny: 1e-7 } },
      { when: { toJSON: () => 'then' }, lang: 'zh' },
      { text: '"quoted" \u2028 中文 '.repeat(20), deep: { a: { b: { c: { d: 1 } } } } },
      { long: 'x'.repeat(40_000) },
    ];
    const docs = signals.map((a, i) => {
      const d = read(`{"text":"record ${i}"}`, i + 1);
      Object.assign(d.attrs, a);
      return d;
    });
    const w = new SpillWriter(path);
    await w.write(docs);
    await w.close();
    const lines = (await readFile(join(dir, 'spill', '00000.src'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines).toEqual(docs.map((d) => `{"s":${JSON.stringify(d.source)},"a":${JSON.stringify(d.attrs)}}`));
  });

  it("says a spill whose sources file is gone is damaged (no unhandled 'error' event: hostile review 16 F3)", async () => {
    const dir = await tempDir();
    const path = join(dir, 'spill', '00000.jsonl');
    const w = new SpillWriter(path);
    await w.write(docsOf());
    await w.close();
    await rm(path.replace(/\.jsonl$/, '.src'));
    const read = async (): Promise<void> => {
      // The reader of the records first: the sources file's open fails before its first line is asked for.
      for await (const _ of spillSource(path).read(events)) await new Promise((r) => setTimeout(r, 20));
    };
    await expect(read()).rejects.toThrow(SpillDamage);
    await expect(read()).rejects.toThrow(/its sources file .*00000\.src is gone/);
  });

  it('keeps the signals read from a spill as text until something asks for them, and writes that text on as it was', async () => {
    const dir = await tempDir();
    const first = join(dir, 'spill', '00000.jsonl');
    const w = new SpillWriter(first);
    await w.write(docsOf());
    await w.close();
    const back: Doc[] = [];
    for await (const batch of spillSource(first).read(events)) back.push(...batch);
    const expected = docsOf();
    // Nothing asked: the signals are the text the spill holds (a record with attrs of its own keeps them inside it).
    expect(back.map(attrsText)).toEqual(expected.map((d, i) => (i === 1 || Object.keys(d.attrs).length === 0 ? undefined : JSON.stringify(d.attrs))));
    // Spilled again untouched (the next phase of a run), then asked for: the same lines, the same signals.
    const second = join(dir, 'spill', '00001.jsonl');
    const w2 = new SpillWriter(second);
    await w2.write(back);
    await w2.close();
    expect(await readFile(join(dir, 'spill', '00001.src'), 'utf8')).toBe(await readFile(join(dir, 'spill', '00000.src'), 'utf8'));
    const again: Doc[] = [];
    for await (const batch of spillSource(second).read(events)) again.push(...batch);
    expect(again.map((d) => d.attrs)).toEqual(expected.map((d) => d.attrs));
    expect(again.map(attrsText)).toEqual(expected.map(() => undefined));
    expect(again.map(shardLine)).toEqual(expected.map(shardLine));
  });

  it("gives each record read back its line as its JSON text, unless it keeps number texts (then it has none)", async () => {
    const dir = await tempDir();
    const path = join(dir, 'spill', '00000.jsonl');
    const w = new SpillWriter(path);
    await w.write(docsOf());
    await w.close();
    const back: Doc[] = [];
    for await (const batch of spillSource(path).read(events)) back.push(...batch);
    const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
    // 0, 1, 3 and 4 keep number texts (12345678901234567891, 1e400, -0, 98765432109876543210)
    expect(back.map((d) => recordJsonOf(d)?.toString('utf8'))).toEqual(lines.map((l, i) => ([0, 1, 3, 4].includes(i) ? undefined : l)));
    for (const d of back) if (recordJsonOf(d) !== undefined) expect(recordJsonOf(d)!.toString('utf8')).toBe(JSON.stringify(d.data));
  });

  it("lets go of a record's JSON text past the leading stages that change no record", async () => {
    const dir = await tempDir();
    const path = join(dir, 'spill', '00000.jsonl');
    const w = new SpillWriter(path);
    await w.write(docsOf());
    await w.close();
    const seen: Array<[string, boolean]> = [];
    const look = (name: string, keepsRecords: boolean): Stage => ({
      ...docStage({ name, needsText: false, apply: (d) => void seen.push([name, recordJsonOf(d) !== undefined]) }),
      keepsRecords,
    });
    for (const stages of [[look('a', true), look('b', false), look('c', true)], [look('d', false)]]) {
      const kept: Doc[] = [];
      await pipeline({ source: spillSource(path), stages, sink: { write: (b) => void kept.push(...b), async close() {}, async abort() {} } });
      expect(kept.map(recordJsonOf)).toEqual(kept.map(() => undefined));
    }
    // the stages before the first that may change a record see it (records 2, 5 and 6 have one)
    const withJson = (name: string): number => seen.filter(([n, j]) => n === name && j).length;
    expect([withJson('a'), withJson('b'), withJson('c'), withJson('d')]).toEqual([3, 0, 0, 0]);
  });

  it('writes the rejects of a dedup phase with the spilled records as read (unchanged: their input lines), else as JSON.stringify writes them', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    // exact duplicates of texts with a lone surrogate, U+2028, an escaped slash, a nested value, own
    // attrs, a key JSON.stringify writes first (an integer), and a number kept as written
    const texts = ['lone \\ud800 surrogate and \u2028 a separator, \\"quoted\\" \\/ slash', 'ordinary text of the second kind', 'third \\u00e9 text'];
    const records = [
      `{"text": "${texts[0]}", "meta": {"a": [1, 2.50, {"b": null}]}, "7": true}`,
      `{"text": "${texts[1]}", "attrs": {"seen": 1}}`,
      `{"text": "${texts[2]}", "id": 18446744073709551617}`,
    ];
    // and a near duplicate ("plant" / "plants": the Data-Juicer demo), dropped by MinHash in the last phase
    const near = (await readFile(join(ROOT, 'fixtures/dedup/datajuicer_demo.jsonl'), 'utf8')).split('\n').slice(7, 9);
    await writeFile(input, [...records, ...records, ...records, ...near].join('\n') + '\n');
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: t\nstages:\n  - dedup:\n      method: exact\n  - dedup:\n      method: minhash\noutput:\n  compression: none\nrejects:\n  compression: none\nmax_reject_rate: 0.9\n');
    const out = join(dir, 'out');
    const r = await runCli(['run', recipe, '-i', input, '-o', out, '--workers', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const lines = (await readFile(join(out, '_rejects.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { reason: string }).reason)).toEqual([...Array(6).fill('dedup:exact'), 'dedup:minhash']);
    for (const line of lines) {
      const x = JSON.parse(line) as { record: JsonObject; raw?: string };
      // an unchanged record without an attrs member: its input line; one with its own attrs as
      // JSON.stringify writes it; one keeping number texts has its input line as raw
      if (x.raw !== undefined) expect(x.raw).toBe(records[2]);
      else if ('attrs' in x.record) expect(line).toBe(JSON.stringify(x));
      else expect(recordBytes(line)).toBe(x.reason === 'dedup:minhash' ? near[1] : records[0]);
    }
  }, 60_000);

  it('says a spill is damaged when signals kept as text do not read, once they are asked for', async () => {
    const dir = await tempDir();
    const path = join(dir, 'spill', '00000.jsonl');
    await new SpillWriter(path).close();
    await writeFile(path, '{"text":"a"}\n{"text":"b"}\n');
    await writeFile(join(dir, 'spill', '00000.src'), '{"s":"in.jsonl:1","a":{"lang":"en"}}\n{"s":"in.jsonl:2","a":{"lang":}}\n');
    const back: Doc[] = [];
    for await (const batch of spillSource(path).read(events)) back.push(...batch);
    expect(back.map((d) => d.source)).toEqual(['in.jsonl:1', 'in.jsonl:2']);
    expect(back[0].attrs).toEqual({ lang: 'en' });
    expect(() => back[1].attrs).toThrow(SpillDamage);
    expect(() => back[1].attrs).toThrow(`spill ${path} is damaged: signals of in.jsonl:2 do not read`);
  });

  it('keeps the exact numbers of a record through a run with a dedup phase (shards and rejects)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    const text = 'The quick brown fox jumps over the lazy dog. This is a sentence of plain English prose.';
    await writeFile(input, `{"id":12345678901234567891,"text":"${text}"}\n{"id":2,"text":"Another line of ordinary text."}\n{"id":12345678901234567893,"text":"${text}"}\n`);
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: t\nstages:\n  - normalize: {}\n  - dedup:\n      method: exact\n  - normalize: {}\noutput:\n  compression: none\nrejects:\n  compression: none\nmax_reject_rate: 0.9\n');
    for (const w of ['1', '2']) {
      const out = join(dir, `out${w}`);
      const r = await runCli(['run', recipe, '-i', input, '-o', out, '--workers', w, '-q']);
      expect(r.code, r.stderr).toBe(0);
      let shards = '';
      for (const f of (await readdir(out)).filter((x) => x.startsWith('part-')).sort()) shards += await readFile(join(out, f), 'utf8');
      expect(shards).toContain('{"id":12345678901234567891,"text":');
      const rejects = (await readFile(join(out, '_rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(rejects.map((x) => x.reason)).toEqual(['dedup:exact']);
      expect(rejects[0].raw).toBe(`{"id":12345678901234567893,"text":"${text}"}`);
    }
  }, 60_000);
});

/** The records of a run's shards (uncompressed), parsed, and their lines. */
async function shardsOf(out: string): Promise<string[]> {
  let text = '';
  for (const f of (await readdir(out)).filter((x) => x.startsWith('part-')).sort()) text += await readFile(join(out, f), 'utf8');
  return text.split('\n').filter((l) => l !== '');
}

/** The bytes after `"record":` of a reject line, up to its next member (`,"attrs":` or `,"detail":`) or its end. */
function recordBytes(line: string): string {
  const at = line.indexOf(',"record":') + ',"record":'.length;
  const x = JSON.parse(line) as { record: JsonObject; attrs?: unknown; detail?: unknown };
  let end = line.length - 1;
  if (x.detail !== undefined) end = line.lastIndexOf(',"detail":');
  if (x.attrs !== undefined) end = line.lastIndexOf(',"attrs":', end);
  return line.slice(at, end);
}

describe('the spill writes a record no stage changed as its input line (#16, sixteenth pass)', () => {
  // Each record three times: the first copy is written, the other two are dropped by exact dedup
  // in the phase after the spill, from what the spill holds.
  const A = '{"text": "Plain records keep their bytes: caf\\u00e9, a slash \\/ and a number.", "n": 2.50, "7": true}';
  const OWN = '{"text": "A record with signals of its own from an earlier command run.", "attrs": {"mine": 1}}';
  const NULL_ATTRS = '{"text": "A record whose attrs member is null before any stage wrote there.", "attrs": null}';
  const BIG = '{"id": 12345678901234567891, "text": "Numbers a double cannot hold are kept as they were written."}';
  const NFD = '{"text": "Normalize composes this cafe\\u0301 text into its single character form."}';
  const MAIL = '{"text": "Write to someone@example.com for the details of this long enough text."}';

  it('in rejects of the dedup phases and in the next spill, while the shards and the other records stay as before', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in');
    await mkdir(input);
    const near = (await readFile(join(ROOT, 'fixtures/dedup/datajuicer_demo.jsonl'), 'utf8')).split('\n').slice(7, 9);
    const lines = [A, OWN, NULL_ATTRS, BIG, NFD];
    await writeFile(join(input, 'a.jsonl'), [...lines, ...lines, ...lines, '{"text": "one key", "text": "twice"}', ...near].join('\n') + '\n');
    // records of a JSON array have no input line: serialised, as before
    const arr = { text: 'Records of a JSON array have no input line to give back as read.' };
    await writeFile(join(input, 'b.json'), `[${JSON.stringify(arr)},\n ${JSON.stringify(arr)}]`);
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: t\nstages:\n  - normalize: {}\n  - langid:\n      min_score: null\n  - dedup:\n      method: exact\n  - dedup:\n      method: minhash\noutput:\n  compression: none\nrejects:\n  compression: none\nmax_reject_rate: 0.9\n');
    const out = join(dir, 'out');
    const r = await runCli(['run', recipe, '-i', input, '-o', out, '--workers', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const rejects = (await readFile(join(out, '_rejects.jsonl'), 'utf8')).trim().split('\n');
    const parsed = rejects.map((l) => JSON.parse(l) as { reason: string; source: string; record: JsonObject; raw?: string });
    expect(parsed.map((x) => `${x.reason} ${x.source.replace(/^.*\//, '')}`)).toEqual([
      'duplicate_key a.jsonl:16',
      ...[6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((n) => `dedup:exact a.jsonl:${n}`),
      'dedup:exact b.json:[1]',
      'dedup:minhash a.jsonl:18',
    ]);
    const of = (n: string): string[] => rejects.filter((_, i) => parsed[i].source.endsWith(`a.jsonl:${n}`));
    // unchanged, no attrs member: the input line byte for byte (was JSON.stringify's form)
    for (const n of ['6', '11']) expect(recordBytes(of(n)[0])).toBe(A);
    expect(recordBytes(of('18')[0])).toBe(near[1]);
    // its own attrs (an object, or null): the signals the stages added are inside the spilled record
    for (const n of ['7', '12']) expect(JSON.parse(of(n)[0]).record).toMatchObject({ attrs: { mine: 1, lang: 'en' } });
    for (const n of ['8', '13']) expect(JSON.parse(of(n)[0]).record).toMatchObject({ attrs: { lang: 'en' } });
    // a number a double cannot hold: the input line as raw
    for (const n of ['9', '14']) expect(JSON.parse(of(n)[0]).raw).toBe(BIG);
    // changed by normalize: as it is now, serialised
    for (const n of ['10', '15']) {
      const x = JSON.parse(of(n)[0]) as { record: JsonObject };
      expect(x.record.text).toBe('Normalize composes this caf\u00e9 text into its single character form.');
      expect(recordBytes(of(n)[0])).toBe(JSON.stringify(x.record));
    }
    expect(recordBytes(rejects[11])).toBe(JSON.stringify(arr));
    // the shards: JSON.stringify of each record with its signals, as without a spill
    const shards = await shardsOf(out);
    const texts = shards.map((l) => (JSON.parse(l) as { text: string }).text);
    expect(texts).toEqual([...lines.map((l) => (JSON.parse(l) as { text: string }).text.normalize('NFC')), JSON.parse(near[0]).text, arr.text]);
    for (const l of shards) if (!l.includes('12345678901234567891')) expect(l).toBe(JSON.stringify(JSON.parse(l)));
    expect(shards[3]).toContain('"id": 12345678901234567891, "text":');
    expect(JSON.parse(shards[1]).attrs).toMatchObject({ mine: 1, lang: 'en' });
    expect(JSON.parse(shards[2]).attrs).toMatchObject({ lang: 'en' });
  }, 120_000);

  it('not past a stage that may change records without saying so (pii), nor for a text field other than text', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    const CONTENT = '{"content": "A text kept in the content field with spaces between its tokens.", "url": "u"}';
    const CONTENT_NFD = '{"content": "Another content field whose cafe\\u0301 is composed by normalize."}';
    await writeFile(input, [MAIL, MAIL, CONTENT, CONTENT, CONTENT_NFD, CONTENT_NFD].join('\n') + '\n');
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: t\nstages:\n  - normalize: {}\n  - pii: {}\n  - dedup:\n      method: exact\noutput:\n  compression: none\nrejects:\n  compression: none\nmax_reject_rate: 0.9\n');
    const recipe2 = join(dir, 'r2.yaml');
    await writeFile(recipe2, 'name: t\nstages:\n  - normalize: {}\n  - dedup:\n      method: exact\noutput:\n  compression: none\nrejects:\n  compression: none\nmax_reject_rate: 0.9\n');
    const out = join(dir, 'out');
    const r = await runCli(['run', recipe, '-i', input, '-o', out, '--workers', '1', '-q', '--text-field', 'text,content']);
    expect(r.code, r.stderr).toBe(0);
    const rejects = (await readFile(join(out, '_rejects.jsonl'), 'utf8')).trim().split('\n');
    expect(rejects.map((l) => JSON.parse(l).reason)).toEqual(['dedup:exact', 'dedup:exact', 'dedup:exact']);
    // past pii every record is serialised again: the mail scrubbed, the spacing JSON.stringify's
    for (const l of rejects) expect(recordBytes(l)).toBe(JSON.stringify(JSON.parse(l).record));
    expect(JSON.parse(rejects[0]).record.text).not.toContain('someone@example.com');
    expect((await shardsOf(out)).map((l) => JSON.parse(l).text ?? JSON.parse(l).content)).toEqual([
      JSON.parse(rejects[0]).record.text,
      JSON.parse(CONTENT).content,
      JSON.parse(CONTENT_NFD).content.normalize('NFC'),
    ]);
    const out2 = join(dir, 'out2');
    const r2 = await runCli(['run', recipe2, '-i', input, '-o', out2, '--workers', '1', '-q', '--text-field', 'content']);
    expect(r2.code, r2.stderr).toBe(0);
    const rejects2 = (await readFile(join(out2, '_rejects.jsonl'), 'utf8')).trim().split('\n');
    expect(rejects2.map((l) => `${JSON.parse(l).reason} ${JSON.parse(l).source.replace(/^.*:/, '')}`)).toEqual(['text_missing 1', 'text_missing 2', 'dedup:exact 4', 'dedup:exact 6']);
    expect(recordBytes(rejects2[2])).toBe(CONTENT);
    expect(JSON.parse(rejects2[3]).record.content).toBe(JSON.parse(CONTENT_NFD).content.normalize('NFC'));
    expect(recordBytes(rejects2[3])).toBe(JSON.stringify(JSON.parse(rejects2[3]).record));
  }, 120_000);
});
