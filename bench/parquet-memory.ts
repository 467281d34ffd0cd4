/**
 * bench/parquet-memory.ts: is memory flat in the size of a Parquet file, reading and writing?
 *
 * Input: ../shared/data/sft/alpaca_data.jsonl (52,002 records, 21 MB) repeated 1x and `--times`x
 * (default 8x: 416,016 records, 160 MB) into temporary JSONL files. For each size, the CLI
 * writes it as Parquet (`corpus-clean cat IN -o OUT.parquet`, Snappy, row groups of 10,000) and
 * reads it back (`corpus-clean cat OUT.parquet > /dev/null`). Reports wall time and peak RSS
 * (GNU time's %M) of each run: flat memory means the peak RSS does not grow with the file.
 * Then the read again with V8's heap capped at 48 MB (`--max-old-space-size=48`), and the heap
 * kept after a full GC every 50 batches (bench/parquet-heap-probe.mjs): if these stay flat while
 * the uncapped peak grows, the growth is garbage V8 let pile up between collections (it sizes
 * its heap by the allocation rate), not memory held per row group.
 *
 * Run: npm run build && npx tsx bench/parquet-memory.ts [--times 8] [--data DIR]
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { data } from './data.js';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = data('sft/alpaca_data.jsonl');
const CLI = join(ROOT, 'dist/bundle/main.js');
const { values } = parseArgs({ options: { times: { type: 'string', default: '8' } } });
const dir = mkdtempSync(join(tmpdir(), 'parquet-memory-'));

function run(args: string[], nodeArgs: string[] = []): { s: number; mb: number } {
  const devnull = openSync('/dev/null', 'w');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...nodeArgs, CLI, ...args, '-q'], { stdio: ['ignore', devnull, 'pipe'] });
  const last = r.stderr.toString().trim().split('\n').pop()!;
  const [s, kb] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return { s, mb: kb / 1024 };
}

try {
  const text = readFileSync(SRC);
  console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log('| copies | records | JSONL MB | Parquet MB | write s | write peak RSS MB | read s | read peak RSS MB | read, heap capped at 48 MB: peak RSS MB | heap kept after GC while reading, MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const times of [1, Number(values.times)]) {
    const input = join(dir, `in-${times}.jsonl`);
    writeFileSync(input, '');
    for (let i = 0; i < times; i++) appendFileSync(input, text);
    const out = join(dir, `out-${times}.parquet`);
    const w = run(['cat', input, '-o', out, '--text-field', 'output']);
    const r = run(['cat', out, '--text-field', 'output']);
    // The same read with V8's heap capped: it completes, so the peak above is garbage V8 had
    // not collected yet, not data kept; and the heap kept after each full GC, sampled.
    const capped = run(['cat', out, '--text-field', 'output'], ['--max-old-space-size=48']);
    const probe = spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'bench/parquet-heap-probe.mjs'), out], { encoding: 'utf8' });
    const kept = (JSON.parse(probe.stdout) as { heapAfterGcMB: number[] }).heapAfterGcMB;
    const recs = 52002 * times;
    console.log(`| ${times} | ${recs} | ${(statSync(input).size / 2 ** 20).toFixed(0)} | ${(statSync(out).size / 2 ** 20).toFixed(0)} | ${w.s.toFixed(1)} | ${w.mb.toFixed(0)} | ${r.s.toFixed(1)} | ${r.mb.toFixed(0)} | ${capped.mb.toFixed(0)} | ${Math.min(...kept)}-${Math.max(...kept)} (${kept.length} samples) |`);
  }
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
