/**
 * bench/formats.ts: speed of the new formats beside the JSONL pass-through, in one run.
 *
 * Inputs (../shared/data): the 37 HTML pages of web/en/raw/*.warc.gz (1.65 MB of HTML, repeated
 * `--reps` times), and sft/alpaca_data.jsonl (52,002 records, 21 MB) as JSONL and as Parquet
 * (written by this project's writer, Snappy, row groups of 10,000).
 * Measures, single-threaded in this process, median of `--reps` runs:
 *   - baseline: the JSONL reader over alpaca_data.jsonl (MB/s of input), the pass-through;
 *   - HTML to text (`htmlToText`: the default `main`, `method: readability` (the previous default)
 *     and `method: page`), MB/s of HTML, also per CPU second of this process (the target is per core);
 *   - WARC reader over the two .warc.gz files (MB/s of uncompressed HTML bodies);
 *   - Parquet reader and writer on the Alpaca records (MB/s of the JSONL equivalent);
 * with each figure's ratio to the baseline, and the load average before and after.
 *
 * Run: npx tsx bench/formats.ts [--reps 3] [--data DIR]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WARCParser } from 'warcio';
import { makeDoc } from '../src/core/doc.js';
import { pipeline } from '../src/core/pipeline.js';
import { readFiles } from '../src/io/readers/index.js';
import { ParquetShardWriter } from '../src/io/writers/parquet.js';
import { parquetSchemaStage, SchemaHolder } from '../src/io/writers/parquetSchema.js';
import { decodeHtml } from '../src/stages/extract/charset.js';
import { htmlToText } from '../src/stages/extract/html.js';
import type { DocSource, ReadEvents } from '../src/core/pipeline.js';
import { DATA } from './data.js';

/** Read a source to the end (records counted, not kept). */
async function drain(source: DocSource): Promise<number> {
  let n = 0;
  const events: ReadEvents = { read() {}, reject() {}, file() {}, fileError() {} };
  for await (const batch of source.read(events)) n += batch.length;
  return n;
}

const { values } = parseArgs({ options: { reps: { type: 'string', default: '3' } } });
const reps = Number(values.reps);
const load = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall seconds and median CPU seconds (user + system of this process) of `reps` runs. */
async function timed(f: () => Promise<unknown> | unknown): Promise<[number, number]> {
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await f();
    const c = process.cpuUsage(c0);
    times.push((performance.now() - t0) / 1000);
    cpus.push((c.user + c.system) / 1e6);
  }
  return [median(times), median(cpus)];
}

const RAW = join(DATA, 'web/en/raw');
const warcs = readdirSync(RAW).filter((f) => f.endsWith('.warc.gz')).map((f) => join(RAW, f));
const pages: string[] = [];
for (const f of warcs) {
  for await (const r of new WARCParser(createReadStream(f))) {
    if (r.warcType !== 'response') {
      await r.skipFully();
      continue;
    }
    pages.push(decodeHtml(await r.readFully(true), r.httpHeaders?.headers.get('content-type')).html);
  }
}
const htmlMB = pages.reduce((s, p) => s + Buffer.byteLength(p), 0) / 2 ** 20;
const jsonl = join(DATA, 'sft/alpaca_data.jsonl');
const jsonlMB = statSync(jsonl).size / 2 ** 20;
const records = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const dir = mkdtempSync(join(tmpdir(), 'bench-formats-'));

async function writeParquet(out: string): Promise<string[]> {
  const schema = new SchemaHolder();
  const w = await ParquetShardWriter.create({ output: out, schema, rowGroupSize: 10_000, compression: 'snappy' });
  await pipeline({
    source: {
      async *read(ev) {
        for (let i = 0; i < records.length; i += 1000) {
          ev.read(Math.min(1000, records.length - i), 0);
          yield records.slice(i, i + 1000).map((r, j) => makeDoc({ ...r }, `a:${i + j}`));
        }
      },
    },
    stages: [parquetSchemaStage(schema, 10_000, false)],
    sink: w,
  });
  return [...w.shards];
}

try {
  console.log(`load before: ${load()}; reps ${reps}; HTML ${htmlMB.toFixed(2)} MB in ${pages.length} pages; JSONL ${jsonlMB.toFixed(1)} MB`);
  const rows: [string, number, [number, number]][] = [];
  const [base] = await timed(async () => drain(readFiles([jsonl])));
  rows.push(['JSONL reader (baseline, pass-through)', jsonlMB, [base, NaN]]);
  rows.push(['HTML to text, main (default)', htmlMB, await timed(() => pages.forEach((p) => htmlToText(p)))]);
  rows.push(['HTML to text, method readability (previous default)', htmlMB, await timed(() => pages.forEach((p) => htmlToText(p, { method: 'readability' })))]);
  rows.push(['HTML to text, method page', htmlMB, await timed(() => pages.forEach((p) => htmlToText(p, { method: 'page' })))]);
  rows.push(['WARC reader (.warc.gz, extraction included)', htmlMB, await timed(async () => drain(readFiles(warcs)))]);
  let shards: string[] = [];
  rows[0][2][1] = (await timed(async () => drain(readFiles([jsonl]))))[1];
  rows.push(['Parquet writer (snappy)', jsonlMB, await timed(async () => (shards = await writeParquet(join(dir, `p-${Math.random()}.parquet`))))]);
  rows.push(['Parquet reader (snappy)', jsonlMB, await timed(async () => drain(readFiles(shards)))]);
  console.log('| what | MB | s | MB/s | vs baseline | MB per CPU second |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, mb, [s, c]] of rows) {
    const perCpu = Number.isNaN(c) ? '' : (mb / c).toFixed(2);
    console.log(`| ${name} | ${mb.toFixed(2)} | ${s.toFixed(3)} | ${(mb / s).toFixed(2)} | ${(mb / s / (jsonlMB / base)).toFixed(3)} | ${perCpu} |`);
  }
  console.log(`peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (whole process, inputs held in memory); load after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
