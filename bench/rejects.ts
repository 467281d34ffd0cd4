/**
 * The size of a run's rejects against its input (issue #11: "rejects you can afford"). Runs one
 * recipe four ways with the built CLI and prints the bytes of the rejects file beside the input's:
 *
 *   before         --rejects-attrs all --rejects-compress none  (every signal, plain JSONL: the old default)
 *   slim           --rejects-compress none                       (only the failing rules' signals)
 *   gzip           --rejects-compress gzip                       (slim, gzip level 1)
 *   default        (slim, compressed: zstd level 1 for gzip shards)
 *   sample 1       --rejects-sample 1                            (slim, compressed, one reject per reason)
 *
 * Usage: npm run build && npx tsx bench/rejects.ts [--recipe R] [--input PATH ...] [--workers N]
 * Default: the sample recipe over fixtures/sample. Sizes do not depend on the machine's load;
 * the times printed do (the load average is printed beside them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/bundle/main.js');
const args = process.argv.slice(2);
const opt = (name: string): string[] => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []));
const recipe = opt('--recipe')[0] ?? 'rules/recipes/sample.yaml';
const inputs = opt('--input');
const workers = opt('--workers')[0];

const ways: [string, string[]][] = [
  ['before (attrs all, none)', ['--rejects-attrs', 'all', '--rejects-compress', 'none']],
  ['slim (none)', ['--rejects-compress', 'none']],
  ['gzip (slim, --rejects-compress gzip)', ['--rejects-compress', 'gzip']],
  ['default (slim, compressed)', []],
  ['sample_per_reason 1', ['--rejects-sample', '1']],
];

const tmp = mkdtempSync(join(tmpdir(), 'corpus-clean-bench-rejects-'));
try {
  console.log(`recipe: ${recipe}${inputs.length > 0 ? `, input: ${inputs.join(' ')}` : ''}; load before: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  let input = '';
  console.log('| rejects | file | bytes | of the input bytes | rejects kept / rejected | seconds |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [label, extra] of ways) {
    const out = join(tmp, String(ways.findIndex((w) => w[0] === label)));
    const argv = [CLI, 'run', recipe, '-o', out, '-q', '--max-reject-rate', '1', ...inputs.flatMap((i) => ['-i', i]), ...(workers ? ['--workers', workers] : []), ...extra];
    const t = performance.now();
    const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    const secs = (performance.now() - t) / 1000;
    if (r.status !== 0 && r.status !== 1) throw new Error(`run failed (${r.status}): ${r.stderr}`);
    const stats = JSON.parse(readFileSync(join(out, '_stats.json'), 'utf8')) as { rejects: string; bytesRead: number; read: number; rejected: number; rejects_left_out?: Record<string, number> };
    const bytes = statSync(stats.rejects).size;
    const left = Object.values(stats.rejects_left_out ?? {}).reduce((a, b) => a + b, 0);
    console.log(`| ${label} | ${stats.rejects.slice(out.length + 1)} | ${bytes.toLocaleString('en-US')} | ${((100 * bytes) / stats.bytesRead).toFixed(1)} % | ${(stats.rejected - left).toLocaleString('en-US')} / ${stats.rejected.toLocaleString('en-US')} | ${secs.toFixed(1)} |`);
    rmSync(out, { recursive: true, force: true });
    input = `input: ${stats.bytesRead.toLocaleString('en-US')} bytes, ${stats.read.toLocaleString('en-US')} records`;
  }
  console.log(input);
  console.log(`load after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
