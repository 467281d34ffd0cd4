/**
 * bench/run-parquet.ts: what Parquet shards cost `corpus-clean run` against JSONL shards (new-user
 * review 5 #12). The same recipe (rules/recipes/sample.yaml: normalize, langid, quality, exact and
 * MinHash dedup) over the same input, `--workers 1`, alternating for `--rounds` rounds (default 3),
 * each a fresh process under GNU time: JSONL shards (the recipe's gzip), Parquet shards (Snappy,
 * the default) and Parquet with zstd. Prints per output: the best CPU seconds (user + system, the
 * worker processes included), wall seconds, peak RSS, the shards' total bytes, and the ratios
 * against the JSONL run measured in the same rounds, with the load average before and after.
 *
 * Input: `--input PATH` (default: the data folder's web/en, 10 MB of JSONL in 9 files).
 * `--normalize-only`: a recipe of `normalize` alone instead (nearly every record written, so the
 * writers' share of the cost shows).
 *
 * Run: npm run build && npx tsx bench/run-parquet.ts [--data DIR] [--input PATH] [--rounds 3] [--normalize-only]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { load, measure, ROOT, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { input: { type: 'string' }, rounds: { type: 'string', default: '3' }, 'normalize-only': { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(rounds) || rounds < 1) {
  console.error('--rounds takes a positive whole number');
  process.exit(2);
}
const input = values.input ?? join(DATA, 'web/en');

const kinds: { name: string; args: string[] }[] = [
  { name: 'JSONL (gzip)', args: [] },
  { name: 'Parquet (snappy)', args: ['--output-format', 'parquet'] },
  { name: 'Parquet (zstd)', args: ['--output-format', 'parquet', '--compress', 'zstd'] },
];

const work = mkdtempSync(join(tmpdir(), 'cc-runpq-'));
const recipe = values['normalize-only'] ? join(work, 'normalize.yaml') : join(ROOT, 'rules/recipes/sample.yaml');
if (values['normalize-only']) writeFileSync(recipe, 'name: normalize\nstages:\n  - normalize: {}\noutput: {compression: gzip}\n');
try {
  const loadBefore = load();
  const costs: Cost[][] = kinds.map(() => []);
  const bytes: number[] = kinds.map(() => 0);
  const written: number[] = kinds.map(() => 0);
  const files: number[] = kinds.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    kinds.forEach((k, i) => {
      const out = join(work, `o${i}`);
      rmSync(out, { recursive: true, force: true });
      // max_reject_rate 1: the web pages hold much the sample recipe rejects; only the cost is measured.
      const c = measure(['run', recipe, '-i', input, '-o', out, '-q', '--workers', '1', '--max-reject-rate', '1', ...k.args]);
      if (c.code !== 0) throw new Error(`${k.name}: exit ${c.code}`);
      costs[i].push(c);
      const shards = readdirSync(out).filter((f) => f.startsWith('part-'));
      bytes[i] = shards.reduce((a, f) => a + statSync(join(out, f)).size, 0);
      files[i] = shards.length;
      written[i] = (JSON.parse(readFileSync(join(out, '_stats.json'), 'utf8')) as { written: number }).written;
    });
  }
  const best = costs.map((cs) => cs.reduce((a, b) => (b.cpu < a.cpu ? b : a)));
  console.log(`corpus-clean run, ${values['normalize-only'] ? 'normalize alone' : 'rules/recipes/sample.yaml'} over ${input}, --workers 1, best of ${rounds} (alternating); load ${loadBefore} before, ${load()} after`);
  console.log('| shards | CPU s | vs JSONL | wall s | peak RSS MB | shard bytes | vs JSONL | files | records |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  kinds.forEach((k, i) => {
    const b = best[i];
    console.log(`| ${k.name} | ${b.cpu.toFixed(2)} | ${(b.cpu / best[0].cpu).toFixed(2)}x | ${b.wall.toFixed(2)} | ${b.rssMb.toFixed(0)} | ${bytes[i].toLocaleString('en-US')} | ${(bytes[i] / bytes[0]).toFixed(2)}x | ${files[i]} | ${written[i].toLocaleString('en-US')} |`);
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
