/**
 * Speed of the issue-12 stages (flagged-words, pii, url-filter, paragraphs, normalize with
 * Traditional→Simplified) on real web text, beside a pass-through stage and a `cat`-like stage
 * (JSON stringify + parse of every record) in the same run; the ratio column is time vs cat.
 *
 * Input: every JSONL file under ../shared/data/web/zh and web/en, read into memory first (I/O
 * is not timed); the text of each record (`raw_content` for ChineseWebText's cc2021-43 file) is
 * put into `{text, url}` records. Each stage runs over all records in batches of 1000; time is
 * process CPU time (user + system), so the MB/s figures are per core and other load on the
 * machine inflates them less than wall time would. Best of `--rounds` (3) rounds; MB/s counts
 * the UTF-8 bytes of the texts.
 *
 *   npx tsx bench/zh-stages.ts [--rounds 3] [--only paragraphs,pii] [--data DIR]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA } from './data.js';
import type { Doc } from '../src/core/doc.js';
import { makeDoc } from '../src/core/doc.js';
import type { Stage, StageContext } from '../src/core/stage.js';
import { emptyStageStats } from '../src/core/stats.js';
import { defaultRegistry } from '../src/stages/index.js';

const argv = process.argv.slice(2);
const rounds = Number(argv[argv.indexOf('--rounds') + 1] ?? 3) || 3;
/** `--only a,b`: run only the stages whose row name contains one of these (the pass-through and cat always run). */
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;

interface Rec {
  text: string;
  url: string;
}

function load(): { recs: Rec[]; bytes: number } {
  const recs: Rec[] = [];
  let bytes = 0;
  for (const dir of ['web/zh', 'web/en']) {
    for (const f of readdirSync(join(DATA, dir)).filter((x) => x.endsWith('.jsonl')).sort()) {
      for (const line of readFileSync(join(DATA, dir, f), 'utf8').split('\n')) {
        if (!line) continue;
        const d = JSON.parse(line) as Record<string, unknown>;
        const t = d.raw_content ?? d.text ?? d.content;
        if (typeof t !== 'string' || t.length === 0) continue;
        recs.push({ text: t, url: typeof d.url === 'string' ? d.url : `https://example.org/${f}/${recs.length}` });
        bytes += Buffer.byteLength(t);
      }
    }
  }
  return { recs, bytes };
}

const passThrough: Stage = {
  name: 'pass-through',
  needsText: true,
  options: {},
  async *run(batches) {
    for await (const b of batches) yield b;
  },
};

/** What `cat` does per record besides I/O: JSON.stringify and JSON.parse of the record (the baseline of the ratio column). */
const catStage: Stage = {
  name: 'cat',
  needsText: true,
  options: {},
  async *run(batches) {
    for await (const b of batches) {
      for (const d of b) d.data = JSON.parse(JSON.stringify(d.data)) as Record<string, unknown>;
      yield b;
    }
  },
};

async function time(stage: Stage, recs: Rec[]): Promise<number> {
  const docs: Doc[] = recs.map((r, i) => makeDoc({ text: r.text, url: r.url }, `b:${i}`));
  const ctx: StageContext = { stats: emptyStageStats(stage.name), textField: undefined, reject() {} };
  async function* batches(): AsyncIterable<Doc[]> {
    for (let i = 0; i < docs.length; i += 1000) yield docs.slice(i, i + 1000);
  }
  const c0 = process.cpuUsage();
  let n = 0;
  for await (const b of stage.run(batches(), ctx)) n += b.length;
  const c = process.cpuUsage(c0);
  if (n < 0) throw new Error('unreachable');
  return (c.user + c.system) / 1e6;
}

const { recs, bytes } = load();
const reg = defaultRegistry();
const stages: [string, () => Promise<Stage>][] = [
  ['pass-through (yields the batches)', async () => passThrough],
  ['cat (JSON stringify + parse per record)', async () => catStage],
  ['flagged-words', () => reg.create('flagged-words', {})],
  ['pii (replace all kinds)', () => reg.create('pii', {})],
  ['url-filter (example list)', () => reg.create('url-filter', { block: [join(import.meta.dirname, '../rules/url-lists/example-gambling.txt')] })],
  ['paragraphs (one process, held in memory)', () => reg.create('paragraphs', {})],
  ['paragraphs (one process, all spilled to disk)', () => reg.create('paragraphs', { holdBytes: 0 })],
  ['paragraphs (lines)', () => reg.create('paragraphs', { unit: 'line' })],
  ['normalize (defaults)', () => reg.create('normalize', {})],
  ['normalize (chinese: t2s)', () => reg.create('normalize', { chinese: 't2s' })],
];

console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log(`${recs.length} records, ${(bytes / 1e6).toFixed(1)} MB of text (web/zh + web/en), best of ${rounds} rounds, process CPU time`);
console.log('| stage | CPU s | MB/s per core | time vs cat |');
console.log('|---|---:|---:|---:|');
let base = 0;
for (const [name, make] of stages) {
  if (only !== undefined && !name.startsWith('pass') && !name.startsWith('cat') && !only.some((o) => name.includes(o))) continue;
  let best = Infinity;
  try {
    for (let r = 0; r < rounds; r++) best = Math.min(best, await time(await make(), recs));
  } catch (e) {
    console.log(`| ${name} | - | - | (${(e as Error).message.split('\n')[0]}) |`);
    continue;
  }
  if (name.startsWith('cat')) base = best;
  console.log(`| ${name} | ${best.toFixed(3)} | ${(bytes / 1e6 / best).toFixed(1)} | ${base > 0 ? (best / base).toFixed(2) + 'x' : '-'} |`);
}
console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
