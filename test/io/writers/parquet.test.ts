import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDoc, type Doc, type JsonObject } from '../../../src/core/doc.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { Reject } from '../../../src/core/stage.js';
import { readFiles } from '../../../src/io/readers/index.js';
import { ParquetShardWriter, type ParquetCompression } from '../../../src/io/writers/parquet.js';
import { parquetSchemaStage, SchemaHolder } from '../../../src/io/writers/parquetSchema.js';
import { drain, HAS_SHARED, ROOT, runCli, SHARED, tempDir } from '../../helpers/run.js';

/** Write records through the schema stage and the Parquet writer, as the CLI does. */
async function writeParquet(records: JsonObject[], output: string, o: { rowGroupSize?: number; compression?: ParquetCompression; shardRecords?: number } = {}): Promise<{ rejects: Reject[]; shards: readonly string[] }> {
  const schema = new SchemaHolder();
  const rowGroupSize = o.rowGroupSize ?? 1000;
  const writer = await ParquetShardWriter.create({ output, schema, rowGroupSize, compression: o.compression, shardRecords: o.shardRecords, stripAttrs: true });
  const rejects: Reject[] = [];
  const docs: Doc[] = records.map((r, i) => makeDoc(structuredClone(r), `mem:${i + 1}`));
  await pipeline({
    source: {
      async *read(ev) {
        for (let i = 0; i < docs.length; i += 100) {
          ev.read(Math.min(100, docs.length - i), 0);
          yield docs.slice(i, i + 100);
        }
      },
    },
    stages: [parquetSchemaStage(schema, rowGroupSize, true)],
    sink: writer,
    rejects: { push: (r) => void rejects.push(r), close: async () => {}, abort: async () => {} },
  });
  return { rejects, shards: writer.shards };
}

const readBack = async (paths: readonly string[]): Promise<JsonObject[]> => (await drain(readFiles([...paths]))).docs.map((d) => d.data);

/** Real records: nested objects, lists of structs, Unicode (Chinese, Russian, emoji). */
function realRecords(): JsonObject[] {
  const lines = (p: string): JsonObject[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonObject);
  return [...lines(join(ROOT, 'fixtures/parquet/dolma_cc_en_head-3.jsonl')), ...lines(join(ROOT, 'fixtures/parquet/sharegpt_zh_medicalgpt-3.jsonl'))];
}

describe('Parquet writer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const compression of ['none', 'snappy', 'gzip', 'zstd', 'brotli'] as const) {
    it(`JSONL -> Parquet -> JSONL loses nothing on real records (${compression})`, async () => {
      const recs = realRecords().map((r, i) => ({ ...r, big: 2 ** 53 + 2 * i, neg: -(2 ** 60), ratio: i / 3, ok: i % 2 === 0, 'emoji 字段': '🙂 Ёж 中文' }));
      const out = join(dir, `rt-${compression}/`);
      const { rejects, shards } = await writeParquet(recs, out, { rowGroupSize: 4, compression });
      expect(rejects).toEqual([]);
      expect(shards).toEqual([join(out, 'part-00000.parquet')]);
      const back = await readBack(shards);
      // Missing fields come back as null: the columns are the union of the fields.
      const filled = recs.map((r) => Object.fromEntries(Object.keys(back[0]).map((k) => [k, k in r ? (r as JsonObject)[k] : null])));
      expect(back).toEqual(filled);
    });
  }

  it('round trips arbitrary JSON records (property)', async () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string({ unit: 'grapheme' }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ unit: 'grapheme' }), tie('v'), { maxKeys: 3 })),
    })).v;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ text: fc.string({ unit: 'grapheme' }), id: fc.integer(), meta: value }), { minLength: 1, maxLength: 20 }), async (recs) => {
        const out = join(dir, `prop-${n++}.parquet`);
        const { rejects, shards } = await writeParquet(recs, out, { rowGroupSize: 7 });
        expect(rejects).toEqual([]);
        // -0 is 0 in JSON; objects come back as parsed JSON.
        expect(await readBack(shards)).toEqual(JSON.parse(JSON.stringify(recs)));
      }),
      { numRuns: 25 },
    );
  });

  it('keeps one type per column across the run, rejecting the record that breaks it and naming the field', async () => {
    const recs: JsonObject[] = [{ text: 'a', n: 1 }, { text: 'b', n: 2 }, { text: 'c', n: 'three' }, { text: 'd', extra: true }, { text: 'e', n: 5.5 }, { text: 'f', n: null }];
    const { rejects, shards } = await writeParquet(recs, join(dir, 'schema.parquet'), { rowGroupSize: 2 });
    expect(rejects.map((r) => [r.stage, r.reason, r.source, r.detail?.field])).toEqual([
      ['parquet-schema', 'parquet:type', 'mem:3', 'n'],
      ['parquet-schema', 'parquet:new_field', 'mem:4', 'extra'],
      ['parquet-schema', 'parquet:type', 'mem:5', 'n'],
    ]);
    expect(rejects[0].detail).toMatchObject({ expected: 'int64', got: 'string' });
    expect(await readBack(shards)).toEqual([{ text: 'a', n: 1 }, { text: 'b', n: 2 }, { text: 'f', n: null }]);
  });

  it('row-group size and shards are configurable; a failed run leaves no file that looks complete', async () => {
    const recs = Array.from({ length: 2500 }, (_, i) => ({ id: i, text: `t${i}` }));
    const out = join(dir, 'sharded/');
    const { shards } = await writeParquet(recs, out, { rowGroupSize: 500, shardRecords: 1000 });
    expect(shards.map((s) => s.slice(out.length))).toEqual(['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']);
    const { parquetMetadata } = await import('hyparquet');
    const meta = parquetMetadata(readFileSync(shards[0]));
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([500, 500]);
    expect((await readBack(shards)).map((r) => r.id)).toEqual(recs.map((r) => r.id));

    const w = await ParquetShardWriter.create({ output: join(dir, 'aborted/'), schema: Object.assign(new SchemaHolder(), {}), rowGroupSize: 2 });
    w.schema.set([{ name: 'text', kind: 'string' }]);
    await w.write([makeDoc({ text: 'x' }, 'a'), makeDoc({ text: 'y' }, 'b'), makeDoc({ text: 'z' }, 'c')]);
    await w.abort();
    expect(readdirSync(join(dir, 'aborted'))).toEqual([]);
  });

  it('checks its options when it is made', async () => {
    await expect(ParquetShardWriter.create({ output: join(dir, 'x.jsonl') })).rejects.toThrow(/must end in .parquet/);
    await expect(ParquetShardWriter.create({ output: join(dir, 'x.parquet'), compression: 'lzo' as never })).rejects.toThrow(/snappy/);
    await expect(ParquetShardWriter.create({ output: join(dir, 'x.parquet'), rowGroupSize: 0 })).rejects.toThrow(/positive/);
  });

  it('the files open in DuckDB as they are, with the values and types written', async () => {
    const recs = realRecords().map((r, i) => ({ ...r, n: i, x: i + 0.5 }));
    const { shards } = await writeParquet(recs, join(dir, 'duck.parquet'), { compression: 'zstd' });
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await c.runAndReadAll(`SELECT count(*), sum(n), sum(x), max(length(text)) FROM '${shards[0]}'`)).getRows();
    expect(rows[0].map(Number)).toEqual([6, 15, 18, Math.max(...recs.filter((r) => typeof r.text === 'string').map((r) => (r.text as string).length))]);
    const types = (await c.runAndReadAll(`DESCRIBE SELECT * FROM '${shards[0]}'`)).getRows().map((r) => [r[0], r[1]]);
    expect(types).toEqual(expect.arrayContaining([['text', 'VARCHAR'], ['n', 'BIGINT'], ['x', 'DOUBLE'], ['metadata', 'JSON'], ['conversations', 'JSON']]));
    const conv = (await c.runAndReadAll(`SELECT conversations->>'$[0].value' FROM '${shards[0]}' WHERE conversations IS NOT NULL LIMIT 1`)).getRows()[0][0];
    expect(conv).toBe((recs[3].conversations as { value: string }[])[0].value);
  });

  it('the CLI writes Parquet by the .parquet name and by --output-format parquet', async () => {
    const input = join(dir, 'in.jsonl');
    await writeFile(input, realRecords().slice(0, 3).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const a = await runCli(['cat', input, '-o', join(dir, 'cli.parquet'), '-q', '--row-group-size', '2']);
    expect(a.stderr).toMatch(/written 3/);
    expect(a.code).toBe(0);
    expect((await readBack([join(dir, 'cli.parquet')])).map((r) => r.id)).toEqual(realRecords().slice(0, 3).map((r) => r.id));
    await mkdir(join(dir, 'cli-dir'));
    const b = await runCli(['cat', input, '-o', join(dir, 'cli-dir') + '/', '--output-format', 'parquet', '--compress', 'brotli', '-q']);
    expect(b.code).toBe(0);
    expect(readdirSync(join(dir, 'cli-dir')).filter((f) => f.endsWith('.parquet'))).toEqual(['part-00000.parquet']);
  });

  it('--shard-records cuts Parquet files at exactly N rows, as for JSONL (folder and file outputs); --shard-size is refused', async () => {
    const input = join(dir, 'shards-in.jsonl');
    await writeFile(input, Array.from({ length: 1404 }, (_, i) => JSON.stringify({ id: i, text: `t${i}` })).join('\n') + '\n');
    const out = join(dir, 'shards-cli') + '/';
    const r = await runCli(['cat', input, '-o', out, '--output-format', 'parquet', '--shard-records', '300', '-q']);
    expect(r.code).toBe(0);
    const names = readdirSync(out).filter((f) => f.endsWith('.parquet')).sort();
    expect(names).toEqual(['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet', 'part-00003.parquet', 'part-00004.parquet']);
    const { parquetMetadata } = await import('hyparquet');
    expect(names.map((n) => Number(parquetMetadata(readFileSync(join(out, n))).num_rows))).toEqual([300, 300, 300, 300, 204]);
    expect((await readBack(names.map((n) => join(out, n)))).map((x) => x.id)).toEqual(Array.from({ length: 1404 }, (_, i) => i));
    const f = await runCli(['cat', input, '-o', join(dir, 'shards-file.parquet'), '--shard-records', '1000', '--row-group-size', '300', '-q']);
    expect(f.code).toBe(0);
    const m0 = parquetMetadata(readFileSync(join(dir, 'shards-file-00000.parquet')));
    expect(m0.row_groups.map((g) => Number(g.num_rows))).toEqual([300, 300, 300, 100]);
    expect(Number(parquetMetadata(readFileSync(join(dir, 'shards-file-00001.parquet'))).num_rows)).toBe(404);
    const bad = await runCli(['cat', input, '-o', join(dir, 'x.parquet'), '--shard-size', '1MB']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard-records/);
  });
});

describe.runIf(HAS_SHARED)('Parquet round trip on a real SFT file', () => {
  it('all 1,000 MedicalGPT ShareGPT records, nested and in Chinese, come back equal', async () => {
    const dir = await tempDir();
    try {
      const recs = readFileSync(join(SHARED, 'sft/sharegpt_zh_medicalgpt_1k.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonObject);
      const { rejects, shards } = await writeParquet(recs, join(dir, 'med.parquet'), { rowGroupSize: 300 });
      expect(rejects).toEqual([]);
      expect(await readBack(shards)).toEqual(recs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
