/**
 * bench/io.ts: `corpus-clean cat` against a bare Node loop, on real text.
 *
 * Input: the JSONL files of ../shared/data/web/en, web/zh and sft (real web text and SFT
 * records, about 50 MB), concatenated and repeated into a temporary file of `--mb` MB
 * (default 1024, the 1 GB). Measures, for each program, wall time, MB/s and peak RSS
 * (GNU time's %M), writing to /dev/null through stdout; runs them alternately `--reps` times
 * (default 3) and reports medians and the ratio cat / bare loop measured in the same run.
 *
 * Run: npm run build && npx tsx bench/io.ts [--data DIR] [--mb 1024] [--reps 3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { mb: { type: 'string', default: '1024' }, reps: { type: 'string', default: '3' } } });
const targetBytes = Number(values.mb) * 1e6;
const reps = Number(values.reps);

const sources = ['web/en', 'web/zh', 'sft']
  .flatMap((d) => readdirSync(join(DATA, d)).filter((f) => f.endsWith('.jsonl')).map((f) => join(DATA, d, f)))
  .sort();
const seed = Buffer.concat(sources.map((f) => {
  const b = readFileSync(f);
  return b[b.length - 1] === 10 ? b : Buffer.concat([b, Buffer.from('\n')]);
}));
const input = join(tmpdir(), `corpus-clean-bench-io-${process.pid}.jsonl`);
const w = createWriteStream(input);
let written = 0;
while (written < targetBytes) {
  if (!w.write(seed)) await new Promise((r) => w.once('drain', r));
  written += seed.length;
}
await new Promise((r) => w.end(r));
const size = statSync(input).size;
const lines = Number(execFileSync('wc', ['-l', input]).toString().trim().split(/\s+/)[0]);

function measure(args: string[]): { secs: number; rssMB: number } {
  const devnull = openSync('/dev/null', 'w');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { stdio: ['ignore', devnull, 'pipe'] });
  closeSync(devnull);
  const last = r.stderr.toString().trim().split('\n').pop()!;
  const [secs, kb] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return { secs, rssMB: kb / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runs: Record<string, { secs: number; rssMB: number }[]> = { bare: [], cat: [] };
for (let i = 0; i < reps; i++) {
  runs.bare.push(measure([join(ROOT, 'bench/baseline-cat.mjs'), input]));
  runs.cat.push(measure([join(ROOT, 'dist/bundle/main.js'), 'cat', input, '--quiet', '--no-require-text']));
}
rmSync(input);
const row = (name: string): { secs: number; mbps: number; rss: number } => {
  const secs = median(runs[name].map((r) => r.secs));
  return { secs, mbps: size / 1e6 / secs, rss: Math.max(...runs[name].map((r) => r.rssMB)) };
};
const bare = row('bare');
const cat = row('cat');
console.log(`input: ${(size / 1e6).toFixed(0)} MB, ${lines} records (real JSONL from ${sources.length} files of ${DATA}, repeated); ${reps} alternating runs, medians`);
console.log('| program | seconds | MB/s | docs/s | peak RSS MB |');
console.log('|---|---|---|---|---|');
for (const [name, r] of [['bare Node loop (split, JSON.parse, JSON.stringify, write)', bare], ['corpus-clean cat', cat]] as const) {
  console.log(`| ${name} | ${r.secs.toFixed(2)} | ${r.mbps.toFixed(1)} | ${Math.round(lines / r.secs)} | ${r.rss.toFixed(0)} |`);
}
console.log(`ratio cat / bare loop: ${(cat.mbps / bare.mbps).toFixed(2)}x (target >= 0.8x); cat peak RSS ${cat.rss.toFixed(0)} MB (target < 200 MB)`);
