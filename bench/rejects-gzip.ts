/**
 * bench/rejects-gzip.ts: what gzip levels cost on a real rejects file (issue #16). A run that
 * drops most of a crawl writes more rejects than shards: on the sample recipe over the en+zh
 * mix, gzip of `_rejects.jsonl` was the largest single cost after the quality signals.
 *
 * Input: the rejects of `corpus-clean quality` (preset auto, the CLI's slim rejects) over the
 * en+zh web mix (../shared/data/web/en + web/zh, 34 MB), written uncompressed; then each level
 * compresses the same bytes in this process (zlib, as the writers use it), CPU seconds
 * (user + system, best of 3) and the size.
 *
 * Run: npm run build && npx tsx bench/rejects-gzip.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DATA } from './data.js';
import { concat, jsonlFiles, load, measure } from './cpu.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-rejgz-'));
try {
  const mix = join(dir, 'mix.jsonl');
  await concat([...jsonlFiles(join(DATA, 'web/en')), ...jsonlFiles(join(DATA, 'web/zh'))], mix);
  const rejects = join(dir, 'rejects.jsonl');
  const c = measure(['quality', mix, '--text-field', 'text,content,raw_content', '-q', '-o', join(dir, 'q.jsonl'), '--rejects', rejects]);
  if (c.code !== 0) throw new Error(`quality exited ${c.code}`);
  const bytes = readFileSync(rejects);
  console.log(`load before: ${load()}`);
  console.log(`rejects of quality over the en+zh mix: ${(bytes.length / 1e6).toFixed(1)} MB uncompressed\n`);
  console.log('| gzip level | CPU s | MB/s per core | compressed MB | x level-6 CPU | x level-6 size |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  const rows: { level: number; cpu: number; size: number }[] = [];
  for (const level of [1, 3, 6, 9]) {
    let cpu = Infinity;
    let size = 0;
    for (let r = 0; r < 3; r++) {
      const t = process.cpuUsage();
      size = gzipSync(bytes, { level }).length;
      const u = process.cpuUsage(t);
      cpu = Math.min(cpu, (u.user + u.system) / 1e6);
    }
    rows.push({ level, cpu, size });
  }
  const six = rows.find((r) => r.level === 6)!;
  for (const r of rows) console.log(`| ${r.level}${r.level === 6 ? ' (zlib default, the shards)' : r.level === 1 ? ' (rejects)' : ''} | ${r.cpu.toFixed(2)} | ${(bytes.length / 1e6 / r.cpu).toFixed(0)} | ${(r.size / 1e6).toFixed(1)} | ${(r.cpu / six.cpu).toFixed(2)} | ${(r.size / six.size).toFixed(2)} |`);
  console.log(`\nload after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
