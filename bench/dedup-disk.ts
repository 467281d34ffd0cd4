/**
 * On-disk MinHash at scale: peak RSS and time per step for N generated records of about 2 KB.
 *
 * Input: generated, never committed. Records are 2 KB of words drawn at random from the
 * vocabulary of ../shared/data/web/en/c4_demo_llamafactory.jsonl; 5 % of them are copies of a
 * record generated up to 2,000 records earlier (so often in an earlier shard) with 1 % of the
 * words replaced. They are streamed to shards of 100,000 records in a temporary directory, which
 * is deleted at the end (--keep to keep it).
 * Steps (one process, one after the other; executors run step 1 per shard and step 2 per band
 * on many workers): computeSignatures per shard -> buildBuckets per band -> clusterBuckets -> filterShard.
 * Reports: MB/s and docs/s per step, planted copies vs removed records, and the peak RSS of the
 * process (process.resourceUsage().maxRSS) after each step. A plain read of the same shards
 * (lines split, JSON.parse) is timed first as the baseline.
 * Run: npx tsx bench/dedup-disk.ts [--data DIR] [--docs 200000] [--verify exact|signature|none] [--keep]
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data } from './data.js';
import { resolveOptions } from '../src/core/options.js';
import { dedupOptions, minHashConfig } from '../src/stages/dedup/options.js';
import { buildBuckets, clusterBuckets, computeSignatures, filterShard } from '../src/stages/dedup/disk/index.js';
import { readJsonl } from '../src/io/readers/jsonl.js';
import { readSettings } from '../src/io/readers/options.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const DOCS = Number(arg('--docs') ?? 200_000);
const KEEP = process.argv.includes('--keep');
const PER_SHARD = 100_000;
const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

const vocab = [
  ...new Set(
    readFileSync(data('web/en/c4_demo_llamafactory.jsonl'), 'utf8')
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((w) => w.length >= 2),
  ),
];
let seed = 2026;
const rnd = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const word = (): string => vocab[Math.floor(rnd() * vocab.length)];
const fresh = (): string[] => {
  const w: string[] = [];
  let len = 0;
  while (len < 2000) {
    const x = word();
    w.push(x);
    len += x.length + 1;
  }
  return w;
};

const dir = mkdtempSync(join(tmpdir(), 'dedup-disk-bench-'));
const work = join(dir, 'work');
console.log(`# on-disk MinHash, ${DOCS} generated records of about 2 KB (vocabulary ${vocab.length} words), shards of ${PER_SHARD}`);
console.log(`temp dir ${dir}`);

// Generate.
const ring: string[][] = [];
let planted = 0;
const shards: string[] = [];
let t = performance.now();
for (let s = 0; s * PER_SHARD < DOCS; s++) {
  const p = join(dir, `part-${String(s).padStart(5, '0')}.jsonl`);
  shards.push(p);
  const out = createWriteStream(p);
  for (let i = s * PER_SHARD; i < Math.min(DOCS, (s + 1) * PER_SHARD); i++) {
    let w: string[];
    if (ring.length > 100 && rnd() < 0.05) {
      w = ring[Math.floor(rnd() * ring.length)].map((x) => (rnd() < 0.01 ? word() : x));
      planted++;
    } else w = fresh();
    if (ring.length < 2000) ring.push(w);
    else ring[i % 2000] = w;
    if (!out.write(JSON.stringify({ id: i, text: w.join(' ') }) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
const bytes = shards.reduce((a, p) => a + statSync(p).size, 0);
const mb = bytes / 1e6;
console.log(`generated ${mb.toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s; planted copies ${planted}; peak RSS so far ${rssMb()} MB\n`);
ring.length = 0;

const rows: string[] = [];
const step = (name: string, secs: number, extra = ''): void => {
  rows.push(`| ${name} | ${secs.toFixed(1)} | ${(mb / secs).toFixed(1)} | ${Math.round(DOCS / secs)} | ${rssMb()} | ${extra} |`);
  console.log(`done: ${rows[rows.length - 1]}`);
};

// Baseline: read and parse, through the reader every command uses.
t = performance.now();
let parsed = 0;
const quiet = { read() {}, reject() {}, file() {}, fileError() {} };
for (const p of shards) for await (const batch of readJsonl(p, quiet, readSettings())) parsed += batch.length;
step('baseline: read + parse (readJsonl)', (performance.now() - t) / 1000, `${parsed} records`);

const options = resolveOptions('dedup', dedupOptions, { keep: 'first', verify: arg('--verify') ?? 'exact' });
const config = minHashConfig(options);
t = performance.now();
for (let i = 0; i < shards.length; i++) await computeSignatures(shards[i], work, { shardIndex: i, config });
step('1. computeSignatures (all shards)', (performance.now() - t) / 1000);

t = performance.now();
let candidates = 0;
for (let band = 0; band < config.bands; band++) candidates += buildBuckets(work, band, { keep: 'first' }).candidates;
step('2. buildBuckets (all bands)', (performance.now() - t) / 1000, `${candidates} candidates`);

t = performance.now();
const c = clusterBuckets(work, config.bands, { keep: 'first', threshold: config.threshold, verify: config.verify });
step(`3. clusterBuckets (verify ${config.verify})`, (performance.now() - t) / 1000, `${c.unverified} checks failed; ${c.removed} removed (planted ${planted})`);

// Step 4: write each shard without its removed records (output deleted after each shard).
t = performance.now();
let kept = 0;
let dropped = 0;
for (let i = 0; i < shards.length; i++) {
  const out = join(dir, `out-${i}.jsonl`);
  const r = await filterShard(shards[i], work, i, out, join(dir, `rejects-${i}.jsonl`));
  kept += r.kept;
  dropped += r.removed;
  rmSync(out);
  rmSync(join(dir, `rejects-${i}.jsonl`));
}
step('4. filterShard (all shards, with rejects)', (performance.now() - t) / 1000, `${kept} kept, ${dropped} removed`);

console.log('| step | s | MB/s | docs/s | peak RSS so far (MB) | notes |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
const du = (p: string): number => {
  let total = 0;
  const walk = (q: string): void => {
    const st = statSync(q);
    if (st.isDirectory()) for (const f of (require('node:fs') as typeof import('node:fs')).readdirSync(q)) walk(join(q, f));
    else total += st.size;
  };
  walk(p);
  return total;
};
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
console.log(`\nwork directory: ${(du(work) / 1e6).toFixed(0)} MB (${((du(work) / DOCS) | 0)} bytes per record)`);
if (!KEEP) rmSync(dir, { recursive: true, force: true });
