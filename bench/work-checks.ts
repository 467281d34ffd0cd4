/**
 * bench/work-checks.ts: what checking the `_work` files of a run costs, as a ratio against
 * another build measured in the same run (rounds alternate, so both see the same machine).
 *
 * Input: bench/exec.ts's (the JSONL files of ../shared/data/web/en and web/zh, about 34 MB of
 * real text, repeated into `--mb` MB, default 512; the copies after the first are exact
 * duplicates, which exact dedup removes, so MinHash sees one copy). Recipe:
 * rules/recipes/sample.yaml (normalize, langid, quality, exact dedup, MinHash with exact
 * verification), `--workers 1` (one thread: its CPU time is the run's work).
 *
 * For each build, per round: wall time, CPU (user+sys, GNU time), and from `_stats.json`'s
 * timeline the CPU of the global steps (exact dedup's partitions, MinHash's bands and cluster),
 * where the checks are made. Prints the medians and this build / base ratios, and whether both
 * builds wrote the same output (every shard and the rejects, by SHA-256).
 *
 * Run: npm run build && npx tsx bench/work-checks.ts --base DIR [--data DIR] [--mb 512] [--rounds 2]
 * where DIR is another checkout with a built `dist/` (e.g. `git worktree add /tmp/base main &&
 * (cd /tmp/base && npm ci && npm run build)`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jsonlSeed } from './data.js';
import type { Timeline } from '../src/exec/timing.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    mb: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '2' },
  },
});
if (values.base === undefined) {
  console.error('bench/work-checks.ts: --base DIR (another checkout with a built dist/) is required');
  process.exit(2);
}
const builds = [
  { label: 'base', cli: join(resolve(values.base), 'dist/cli/main.js') },
  { label: 'this', cli: join(ROOT, 'dist/bundle/main.js') },
];

const seed = jsonlSeed(['web/en', 'web/zh']);
const work = mkdtempSync(join(tmpdir(), 'corpus-clean-bench-checks-'));
const input = join(work, 'input.jsonl');
{
  const w = createWriteStream(input);
  const copies = Math.max(1, Math.ceil((Number(values.mb) * 1e6) / seed.length));
  for (let i = 0; i < copies; i++) if (!w.write(seed)) await new Promise<void>((r) => w.once('drain', () => r()));
  await new Promise((r) => w.end(r));
}

interface Round {
  secs: number;
  cpu: number;
  /** CPU of the global steps' phases (exact partitions, MinHash bands and cluster), s. */
  steps: number;
  digest: string;
  load: string;
}

async function once(cli: string): Promise<Round> {
  const out = join(work, 'out');
  rmSync(out, { recursive: true, force: true });
  const load = loadavg()[0].toFixed(2);
  const t0 = performance.now();
  const err = await new Promise<string>((res, rej) => {
    const p = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, cli, 'run', 'rules/recipes/sample.yaml', '-i', input, '-o', out, '-q', '--workers', '1', '--worker-kind', 'thread'], { cwd: ROOT });
    let e = '';
    p.stderr.on('data', (d: Buffer) => (e += d));
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res(e) : rej(new Error(`${cli}: exit ${code}\n${e}`))));
  });
  const secs = (performance.now() - t0) / 1000;
  const m = /TIME (\S+) (\S+) (\S+)/.exec(err)!;
  const timeline = (JSON.parse(readFileSync(join(out, '_stats.json'), 'utf8')) as { executor?: { timeline?: Timeline } }).executor?.timeline;
  const steps = (timeline?.phases ?? []).filter((p) => /dedup-(partitions|bands|cluster)/.test(p.id)).reduce((a, p) => a + p.cpu_ms, 0) / 1000;
  const h = createHash('sha256');
  for (const f of readdirSync(out).filter((n) => n.startsWith('part-') || n.startsWith('_rejects')).sort()) h.update(f).update(readFileSync(join(out, f)));
  rmSync(out, { recursive: true, force: true });
  return { secs, cpu: Number(m[2]) + Number(m[3]), steps, digest: h.digest('hex').slice(0, 16), load: `${load} -> ${loadavg()[0].toFixed(2)}` };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`# bench/work-checks.ts, ${new Date().toISOString()}, node ${process.version}; ${(seed.length / 1e6).toFixed(1)} MB of web/en + web/zh repeated to ${Number(values.mb)} MB; base ${builds[0].cli}\n`);
console.log('| round | build | wall s | CPU s (user+sys) | CPU s of the global steps | output digest | loadavg 1 min before -> after |');
console.log('|---|---|---|---|---|---|---|');
const results: Record<string, Round[]> = { base: [], this: [] };
for (let r = 0; r < Number(values.rounds); r++) {
  // Alternate which build goes first, so neither always follows the other.
  const order = r % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) {
    const x = await once(b.cli);
    results[b.label].push(x);
    console.log(`| ${r + 1} | ${b.label} | ${x.secs.toFixed(1)} | ${x.cpu.toFixed(1)} | ${x.steps.toFixed(2)} | ${x.digest} | ${x.load} |`);
  }
}
const med = (label: string, k: 'secs' | 'cpu' | 'steps'): number => median(results[label].map((x) => x[k]));
console.log('');
for (const k of ['secs', 'cpu', 'steps'] as const) {
  const name = { secs: 'wall', cpu: 'CPU', steps: 'CPU of the global steps' }[k];
  console.log(`median ${name}: base ${med('base', k).toFixed(2)} s, this ${med('this', k).toFixed(2)} s: ${(med('this', k) / med('base', k)).toFixed(3)}x`);
}
const digests = new Set([...results.base, ...results.this].map((x) => x.digest));
console.log(`outputs: ${digests.size === 1 ? 'identical in every run' : `DIFFER (${[...digests].join(', ')})`}`);
rmSync(work, { recursive: true, force: true });
