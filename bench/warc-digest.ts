/**
 * bench/warc-digest.ts: what checking WARC-Block-Digest costs (hostile review 7 F12). An
 * uncompressed WARC has its blocks hashed (SHA-1, as their digests say) as the reader passes
 * them; a `.warc.gz` is not, its members carrying gzip's CRC-32 over the same bytes.
 *
 * Input: the WARC samples of the data folder (web/en/raw/*.warc.gz, 82 records), 10 copies
 * concatenated, as `.warc.gz` and decompressed as `.warc`. Measured (CPU seconds, user + system,
 * best of 5, alternating): `extract` over each with this build and, with `--before OLD_CLI`, with
 * a build without the check (same run); and SHA-1 over the whole decompressed bytes in this
 * process (the hashing the check adds; a `.warc.gz` would add the same).
 *
 * Run: npm run build && npx tsx bench/warc-digest.ts [--data DIR] [--before OLD_CLI]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATA } from './data.js';
import { best, CLI, load, measure, type Cost } from './cpu.js';

const at = process.argv.indexOf('--before');
const before = at > 0 ? resolve(process.argv[at + 1]) : undefined;
const raw = join(DATA, 'web/en/raw');
const gzs = readdirSync(raw)
  .filter((f) => f.endsWith('.warc.gz'))
  .sort()
  .map((f) => readFileSync(join(raw, f)));
const dir = mkdtempSync(join(tmpdir(), 'cc-warcdigest-'));
try {
  const gz = Buffer.concat(Array.from({ length: 10 }, () => gzs).flat());
  const plain = gunzipSync(gz); // every member, in order
  writeFileSync(join(dir, 'x.warc.gz'), gz);
  writeFileSync(join(dir, 'x.warc'), plain);
  console.log(`load before: ${load()}`);
  console.log(`input: ${(gz.length / 1e6).toFixed(1)} MB .warc.gz, ${(plain.length / 1e6).toFixed(1)} MB .warc\n`);
  const run = (cli: string, f: string): Cost => {
    return measure([cli, 'extract', join(dir, f), '-o', join(dir, 'out.jsonl'), '--overwrite', '-q'], false);
  };
  const builds: [string, string][] = [['this build', CLI], ...(before ? ([['before', before]] as [string, string][]) : [])];
  const costs = new Map<string, Cost[]>();
  for (let i = 0; i < 5; i++) {
    for (const [name, cli] of builds) {
      for (const f of ['x.warc', 'x.warc.gz']) {
        const k = `${name} ${f}`;
        costs.set(k, [...(costs.get(k) ?? []), run(cli, f)]);
      }
    }
  }
  console.log('| build | input | CPU s (best of 5) | peak RSS MB |');
  console.log('|---|---|---:|---:|');
  for (const [k, c] of costs) {
    const b = best(c);
    console.log(`| ${k.replace(/ (x\.warc(\.gz)?)$/, ' | $1')} | ${b.cpu.toFixed(2)} | ${b.rssMb.toFixed(0)} |`);
  }
  const t = process.cpuUsage();
  for (let i = 0; i < 20; i++) createHash('sha1').update(plain).digest();
  const u = process.cpuUsage(t);
  const sha = (u.user + u.system) / 1e6 / 20;
  console.log(`\nSHA-1 over the ${(plain.length / 1e6).toFixed(1)} MB decompressed: ${(sha * 1000).toFixed(1)} ms CPU (${(plain.length / 1e6 / sha).toFixed(0)} MB/s)`);
  console.log(`load after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
