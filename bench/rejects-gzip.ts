/**
 * bench/rejects-gzip.ts: what gzip and zstd levels cost on a real rejects file (issue #16). A run
 * that drops most of a crawl writes more rejects than shards: on the sample recipe over the en+zh
 * mix, gzip of `_rejects.jsonl` was the largest single cost after the quality signals.
 *
 * Input: the rejects of `corpus-clean quality` (preset auto, the CLI's slim rejects) over the
 * en+zh web mix (../shared/data/web/en + web/zh, 34 MB), written uncompressed; then each level
 * compresses the same bytes in this process, in 4 MiB blocks as the rejects writer hands them
 * over (gzip: zlib, as the writers use it; zstd: src/io/zstdEncode.ts, the writers' encoder),
 * CPU seconds (user + system of the process, best of 3) and the size.
 *
 * Run: npm run build && npx tsx bench/rejects-gzip.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zstdCodecName, zstdEncoder } from '../src/io/zstdEncode.js';
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
  console.log(`zstd codec: ${await zstdCodecName()} (the writers' choice here: src/io/zstdEncode.ts)\n`);
  console.log('| compression | CPU s | MB/s per core | compressed MB | x gzip-1 CPU | x gzip-1 size |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const BLOCK = 4 << 20;
  const encode = await zstdEncoder();
  const blocks = (f: (b: Buffer) => number) => () => {
    let size = 0;
    for (let at = 0; at < bytes.length; at += BLOCK) size += f(bytes.subarray(at, at + BLOCK));
    return size;
  };
  const ways: [string, () => number][] = [
    ...[1, 3, 6, 9].map((level): [string, () => number] => [`gzip ${level}${level === 6 ? ' (zlib default, gzip shards)' : level === 1 ? ' (gzip rejects)' : ''}`, blocks((b) => gzipSync(b, { level }).length)]),
    ...[-1, 1, 3].map((level): [string, () => number] => [`zstd ${level}${level === 3 ? ' (zstd shards)' : level === 1 ? ' (zstd rejects: the default for gzip shards)' : ''}`, blocks((b) => encode(b, level).length)]),
  ];
  const rows: { name: string; cpu: number; size: number }[] = [];
  for (const [name, f] of ways) {
    let cpu = Infinity;
    let size = 0;
    for (let r = 0; r < 3; r++) {
      const t = process.cpuUsage();
      size = f();
      const u = process.cpuUsage(t);
      cpu = Math.min(cpu, (u.user + u.system) / 1e6);
    }
    rows.push({ name, cpu, size });
  }
  const one = rows[0];
  for (const r of rows) console.log(`| ${r.name} | ${r.cpu.toFixed(2)} | ${(bytes.length / 1e6 / r.cpu).toFixed(0)} | ${(r.size / 1e6).toFixed(1)} | ${(r.cpu / one.cpu).toFixed(2)} | ${(r.size / one.size).toFixed(2)} |`);
  console.log(`\nload after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
