/**
 * bench/parquet-crc.ts: what do Parquet page checksums (PageHeader.crc) cost, writing and reading?
 *
 * Input: ../shared/data/sft/alpaca_data.jsonl (52,002 records, 21 MB) repeated `--times` times
 * (default 9: about 100 MB of Snappy Parquet) into a temporary JSONL file. In one process, the
 * Parquet writer (ParquetShardWriter, Snappy, row groups of 10,000) writes it with and without
 * page checksums (`pageChecksums`), and the reader reads each back with and without checking them
 * (`parquetPageChecks`), alternating A/B for `--rounds` rounds (default 2), so both sides see the
 * same load (after an untimed warm-up, in the order ABBA). Reports CPU seconds (user+sys of this process) and wall seconds, the ratios with/without,
 * and zlib's CRC-32 against the JavaScript table version over the file's bytes.
 *
 * Run: npx tsx bench/parquet-crc.ts [--times 9] [--rounds 2] [--data DIR]
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { data } from './data.js';
import { readFiles } from '../src/io/readers/index.js';
import { ParquetShardWriter } from '../src/io/writers/parquet.js';
import { crc32, crc32Js } from '../src/io/crc32.js';
import type { ReadEvents } from '../src/core/pipeline.js';

const { values } = parseArgs({ options: { times: { type: 'string', default: '9' }, rounds: { type: 'string', default: '2' } } });
const dir = mkdtempSync(join(tmpdir(), 'parquet-crc-'));
const load = (): string => readFileSync('/proc/loadavg', 'utf8').trim();

const events = (): ReadEvents & { n: number; bad: number } => {
  const e = {
    n: 0,
    bad: 0,
    read(r: number) {
      e.n += r;
    },
    reject(_r: unknown, c = 1) {
      e.bad += c;
    },
    file() {},
    fileError(x: { message: string }) {
      throw new Error(x.message);
    },
  };
  return e;
};

/** CPU and wall seconds of `f`. */
async function timed(f: () => Promise<void>): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
}

async function write(input: string, output: string, pageChecksums: boolean): Promise<void> {
  const w = await ParquetShardWriter.create({ output, pageChecksums });
  for await (const batch of readFiles([input], { format: 'jsonl' }).read(events())) await w.write(batch);
  await w.close();
}

async function read(path: string, parquetPageChecks: boolean): Promise<number> {
  const e = events();
  for await (const batch of readFiles([path], { parquetPageChecks }).read(e)) void batch;
  if (e.bad !== 0) throw new Error(`${e.bad} rejects reading ${path}`);
  return e.n;
}

try {
  const text = readFileSync(data('sft/alpaca_data.jsonl'));
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, '');
  for (let i = 0; i < Number(values.times); i++) appendFileSync(input, text);
  const withCrc = join(dir, 'crc.parquet');
  const without = join(dir, 'plain.parquet');
  console.log(`input ${(statSync(input).size / 2 ** 20).toFixed(0)} MB JSONL (${values.times} x alpaca_data.jsonl); load before: ${load()}`);
  const w: Record<string, { cpu: number; wall: number }[]> = { crc: [], plain: [] };
  const r: Record<string, { cpu: number; wall: number }[]> = { check: [], nocheck: [] };
  let rows = 0;
  // Warm-up (JIT), untimed; then A/B in the order ABBA, so warm-up and drift fall on both sides.
  await write(input, withCrc, true);
  await read(withCrc, true);
  for (let round = 0; round < Number(values.rounds); round++) {
    const ws = [async () => w.plain.push(await timed(() => write(input, without, false))), async () => w.crc.push(await timed(() => write(input, withCrc, true)))];
    const rs = [async () => r.nocheck.push(await timed(async () => void (rows = await read(withCrc, false)))), async () => r.check.push(await timed(async () => void (rows = await read(withCrc, true))))];
    for (const step of round % 2 === 0 ? ws : ws.reverse()) await step();
    for (const step of round % 2 === 0 ? rs : rs.reverse()) await step();
  }
  const bytes = readFileSync(withCrc);
  const z = await timed(async () => void crc32(bytes));
  const js = await timed(async () => void crc32Js(bytes));
  const mb = bytes.length / 2 ** 20;
  const sum = (xs: { cpu: number; wall: number }[], k: 'cpu' | 'wall'): number => xs.reduce((a, x) => a + x[k], 0);
  const f = (xs: { cpu: number; wall: number }[]): string => xs.map((x) => `${x.cpu.toFixed(2)}/${x.wall.toFixed(2)}`).join(', ');
  console.log(`Parquet ${mb.toFixed(1)} MB with checksums (${(statSync(without).size / 2 ** 20).toFixed(1)} MB without), ${rows} rows, Snappy, row groups of 10,000`);
  console.log('| step | without (CPU s / wall s, per round) | with | CPU with/without | wall with/without |');
  console.log('|---|---|---|---|---|');
  console.log(`| write | ${f(w.plain)} | ${f(w.crc)} | ${(sum(w.crc, 'cpu') / sum(w.plain, 'cpu')).toFixed(3)}x | ${(sum(w.crc, 'wall') / sum(w.plain, 'wall')).toFixed(3)}x |`);
  console.log(`| read | ${f(r.nocheck)} | ${f(r.check)} | ${(sum(r.check, 'cpu') / sum(r.nocheck, 'cpu')).toFixed(3)}x | ${(sum(r.check, 'wall') / sum(r.nocheck, 'wall')).toFixed(3)}x |`);
  console.log(`CRC-32 of the whole ${mb.toFixed(1)} MB file: zlib ${(z.wall * 1000).toFixed(0)} ms (${(mb / z.wall).toFixed(0)} MB/s), JavaScript table ${(js.wall * 1000).toFixed(0)} ms (${(mb / js.wall).toFixed(0)} MB/s)`);
  console.log(`load after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
