/**
 * What the issue-12 stages do to Chinese web text, as markdown tables for
 * bench/results/zh-clean.md:
 *
 * 1. ChineseWebText's labelled samples (fasttext clean.jsonl / dirty.jsonl) and its cc2021-43
 *    file: records kept by `quality` alone, and by normalize → flagged-words → pii → quality →
 *    paragraphs, with the reason of every drop of the new stages.
 * 2. Fluent Chinese (zhwiki, the Debian handbook and reference, Douban book reviews): the share of
 *    documents the new stages (flagged-words, pii, paragraphs) drop, and each dropped document with
 *    its reason and signals.
 *
 *   npx tsx bench/zh-clean.ts [--data DIR]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA } from './data.js';
import type { Doc, JsonObject } from '../src/core/doc.js';
import { makeDoc } from '../src/core/doc.js';
import type { StageContext } from '../src/core/stage.js';
import { emptyStageStats } from '../src/core/stats.js';
import { defaultRegistry } from '../src/stages/index.js';

const reg = defaultRegistry();

function read(file: string): JsonObject[] {
  return readFileSync(join(DATA, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonObject);
}

interface Outcome {
  kept: Doc[];
  dropped: { doc: Doc; stage: string; reason: string }[];
}

/** Run a chain of stages (name, options) over records; text in `textField`. */
async function chain(records: JsonObject[], stages: [string, Record<string, unknown>][], textField?: string): Promise<Outcome> {
  let docs = records.map((r, i) => makeDoc(structuredClone(r), `r:${i + 1}`));
  const dropped: Outcome['dropped'] = [];
  for (const [name, opts] of stages) {
    const stage = await reg.create(name, opts);
    const ctx: StageContext = {
      stats: emptyStageStats(name),
      textField,
      reject(doc, reason) {
        dropped.push({ doc, stage: name, reason });
      },
    };
    const next: Doc[] = [];
    async function* b(): AsyncIterable<Doc[]> {
      yield docs;
    }
    for await (const batch of stage.run(b(), ctx)) next.push(...batch);
    docs = next;
  }
  return { kept: docs, dropped };
}

const NEW: [string, Record<string, unknown>][] = [
  ['flagged-words', { fields: ['title'] }],
  ['pii', {}],
];
const FULL: [string, Record<string, unknown>][] = [['normalize', {}], ...NEW, ['quality', {}], ['paragraphs', { minOccurrences: 3 }]];

const short = (s: unknown, n = 40): string => String(s ?? '').replace(/\s+/g, ' ').slice(0, n).replace(/\|/g, '/');

console.log('## ChineseWebText samples\n');
console.log('| file | records | kept by quality alone | kept by normalize → flagged-words → pii → quality → paragraphs | dropped by the new stages |');
console.log('|---|---:|---:|---:|---|');
const samples: [string, string | undefined][] = [
  ['web/zh/chinesewebtext_fasttext_clean.jsonl', undefined],
  ['web/zh/chinesewebtext_fasttext_dirty.jsonl', undefined],
  ['web/zh/chinesewebtext_cc2021-43_cleared1.jsonl', 'raw_content'],
];
const cc: { file: string; out: Outcome; records: JsonObject[] }[] = [];
for (const [file, field] of samples) {
  const records = read(file);
  const q = await chain(records, [['quality', {}]], field);
  const full = await chain(records, FULL, field);
  const byNew: Record<string, number> = {};
  for (const d of full.dropped) if (d.stage !== 'quality' && d.stage !== 'normalize') byNew[d.reason] = (byNew[d.reason] ?? 0) + 1;
  console.log(`| ${file.split('/').pop()} | ${records.length} | ${q.kept.length} | ${full.kept.length} | ${Object.entries(byNew).map(([k, v]) => `${k} ${v}`).join(', ') || '-'} |`);
  cc.push({ file, out: full, records });
}

console.log('\n### cc2021-43: every record the new stages dropped\n');
console.log('| line | stage | reason | signals | title |');
console.log('|---:|---|---|---|---|');
const c = cc[2];
for (const d of c.out.dropped.filter((x) => x.stage !== 'quality')) {
  const a = d.doc.attrs.flagged_words as { count: number; ratio: number; terms: string[] } | undefined;
  const sig = a ? `count ${a.count}, ratio ${a.ratio.toFixed(4)}, ${a.terms.join(' ')}` : JSON.stringify(d.doc.attrs.pii ?? d.doc.attrs.paragraphs ?? {});
  console.log(`| ${d.doc.source.split(':')[1]} | ${d.stage} | ${d.reason} | ${sig} | ${short(d.doc.data.title)} |`);
}

console.log('\n## Fluent Chinese: documents lost to the new stages\n');
console.log('| file | records | dropped | share | by reason |');
console.log('|---|---:|---:|---:|---|');
const fluent = ['web/zh/zhwiki_cmrc2018_contexts.jsonl', 'web/zh/debian_handbook_zh-CN.jsonl', 'web/zh/debian_reference_zh-cn.jsonl', 'web/zh/douban_book_review_uer.jsonl'];
const lost: { file: string; d: Outcome['dropped'][number] }[] = [];
let totalIn = 0;
let totalLost = 0;
for (const file of fluent) {
  const records = read(file);
  const out = await chain(records, [...NEW, ['paragraphs', {}]]);
  const by: Record<string, number> = {};
  for (const d of out.dropped) {
    by[d.reason] = (by[d.reason] ?? 0) + 1;
    lost.push({ file, d });
  }
  totalIn += records.length;
  totalLost += out.dropped.length;
  console.log(`| ${file.split('/').pop()} | ${records.length} | ${out.dropped.length} | ${((100 * out.dropped.length) / records.length).toFixed(2)} % | ${Object.entries(by).map(([k, v]) => `${k} ${v}`).join(', ') || '-'} |`);
}
console.log(`| all | ${totalIn} | ${totalLost} | ${((100 * totalLost) / totalIn).toFixed(2)} % | |`);

console.log('\n### Every fluent document dropped, and why\n');
console.log('| file | record | reason | terms / signals | text |');
console.log('|---|---|---|---|---|');
for (const { file, d } of lost) {
  const a = d.doc.attrs.flagged_words as { count: number; ratio: number; terms: string[] } | undefined;
  const sig = a && d.stage === 'flagged-words' ? `${a.terms.join(' ')} (count ${a.count}, ratio ${a.ratio.toFixed(3)})` : JSON.stringify(d.doc.attrs.pii ?? d.doc.attrs.paragraphs ?? {});
  console.log(`| ${file.split('/').pop()} | ${d.doc.source} | ${d.reason} | ${sig} | ${short(d.doc.data.text, 50)} |`);
}

// 3. News: the text flagged-words must not take for spam (news names crimes and vices).
console.log('\n## News: documents lost to flagged-words, with topic terms counted only beside another hit (default) and counted alone (`topic_terms: false`)\n');
console.log('| file | records | dropped (default) | dropped (topic_terms: false) |');
console.log('|---|---:|---:|---:|');
const news = ['web/zh/cluecorpussmall_sampled_uer.jsonl', 'web/en/article_extraction_benchmark_pages.jsonl', 'web/en/paloma_c4_100_domains_theguardian.jsonl'];
const newsLost: { file: string; d: Outcome['dropped'][number]; how: string }[] = [];
for (const file of news) {
  const records = read(file);
  const now = await chain(records, [['flagged-words', { fields: ['title'] }]]);
  const old = await chain(records, [['flagged-words', { fields: ['title'], topicTerms: false }]]);
  const nowSet = new Set(now.dropped.map((d) => d.doc.source));
  for (const d of old.dropped) newsLost.push({ file, d, how: nowSet.has(d.doc.source) ? 'dropped' : 'kept now' });
  console.log(`| ${file.split('/').pop()} | ${records.length} | ${now.dropped.length} | ${old.dropped.length} |`);
}
console.log('\n### Every news-file document either setting drops\n');
console.log('| file | record | default | terms (count, weak) | text |');
console.log('|---|---|---|---|---|');
for (const { file, d, how } of newsLost) {
  const a = d.doc.attrs.flagged_words as { count: number; terms: string[] };
  // the weak count is the default setting's: run once more on this record for it
  const again = await chain([structuredClone(d.doc.data)], [['flagged-words', { fields: ['title'] }]]);
  const w = (again.kept[0] ?? again.dropped[0].doc).attrs.flagged_words as { weak?: number };
  console.log(`| ${file.split('/').pop()} | ${d.doc.source} | ${how} | ${a.terms.join(' ')} (${a.count}, ${w.weak ?? 0}) | ${short(d.doc.data.text, 50)} |`);
}
