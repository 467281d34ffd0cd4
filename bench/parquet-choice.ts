/**
 * bench/parquet-choice.ts: which Parquet reader to use, hyparquet or parquet-wasm.
 *
 * Input: ../shared/data/sft/alpaca_data.jsonl (52,002 real records, 21 MB) written by DuckDB as
 * Parquet with row groups of 10,000 rows, once per codec (Snappy, Zstd, Gzip, Brotli). Measures,
 * for each reader and codec in a child process of its own, the time to turn every row group into
 * plain JS row objects (what the pipeline needs) and the peak RSS. Readers:
 *   - `hyparquet`: hyparquet + hyparquet-compressors, as published;
 *   - `hyparquet+zlib`: the same with Node's zlib for Gzip and Brotli (what src/io/readers/parquet.ts uses);
 *   - `parquet-wasm`: parquet-wasm's `ParquetFile.read({rowGroups: [i]})`, then apache-arrow rows `toJSON()`.
 * Ratios are against `hyparquet+zlib` in the same run.
 *
 * parquet-wasm and apache-arrow are not dependencies: install them without saving first.
 * Run: npm i --no-save parquet-wasm apache-arrow && npx tsx bench/parquet-choice.ts [--data DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { data } from './data.js';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = data('sft/alpaca_data.jsonl');
const CODECS = ['snappy', 'zstd', 'gzip', 'brotli'];
const READERS = ['hyparquet+zlib', 'hyparquet', 'parquet-wasm'];

interface Result {
  rows: number;
  ms: number;
  peakMB: number;
}

/** Child mode: read one file with one reader and print a Result. */
async function child(reader: string, path: string): Promise<void> {
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 5);
  const t0 = performance.now();
  let rows = 0;
  if (reader.startsWith('hyparquet')) {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    const comp = reader === 'hyparquet' ? compressors : { ...compressors, GZIP: (b: Uint8Array) => gunzipSync(b), BROTLI: (b: Uint8Array) => brotliDecompressSync(b) };
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    let start = 0;
    for (const rg of metadata.row_groups) {
      const end = start + Number(rg.num_rows);
      const objs = await parquetReadObjects({ file, metadata, compressors: comp, rowStart: start, rowEnd: end });
      rows += objs.length;
      start = end;
      sample();
    }
  } else {
    const pw = (await import('parquet-wasm' as string)) as any;
    const { tableFromIPC } = (await import('apache-arrow' as string)) as any;
    const pf = await pw.ParquetFile.fromFile(await openAsBlob(path));
    const n = pf.metadata().numRowGroups();
    for (let i = 0; i < n; i++) {
      const t = await pf.read({ rowGroups: [i] });
      for (const r of tableFromIPC(t.intoIPCStream())) {
        r.toJSON();
        rows++;
      }
      sample();
    }
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample();
  process.stdout.write(JSON.stringify({ rows, ms, peakMB: peak / 2 ** 20 } satisfies Result));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parquet-choice-'));
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    for (const codec of CODECS) {
      await c.run(`COPY (SELECT * FROM read_json_auto('${SRC}')) TO '${dir}/alpaca-${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 10000)`);
    }
    console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    console.log('| codec | file MB | reader | rows | ms | rows/s | peak RSS MB | time vs hyparquet+zlib |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const codec of CODECS) {
      const path = `${dir}/alpaca-${codec}.parquet`;
      const res: Record<string, Result> = {};
      for (const reader of READERS) {
        // Median of 3 runs, each in a fresh process so peak memory is the reader's own.
        const runs: Result[] = [];
        for (let i = 0; i < 3; i++) {
          runs.push(JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', reader, path], { encoding: 'utf8' })) as Result);
        }
        runs.sort((a, b) => a.ms - b.ms);
        res[reader] = runs[1];
        const r = runs[1];
        const mb = (statSync(path).size / 2 ** 20).toFixed(1);
        console.log(`| ${codec} | ${mb} | ${reader} | ${r.rows} | ${r.ms.toFixed(0)} | ${Math.round((r.rows / r.ms) * 1000)} | ${r.peakMB.toFixed(0)} | ${(r.ms / res['hyparquet+zlib'].ms).toFixed(2)}x |`);
      }
    }
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await main();
