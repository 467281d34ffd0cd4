/**
 * The gambling lexicon (rules/flagged-words/zh-gambling.txt) on Chinese text that was NOT used to
 * write it or to tune the flagged-words exclusions (issue 12): the brand list was partly written
 * after reading web/zh/chinesewebtext_cc2021-43, and the exclusions/exceptions after reading the
 * drops on zhwiki, the Debian books and Douban reviews (bench/zh-clean.ts), so those files are left
 * out here. Held out: every other Chinese file under ../shared/data (web/zh, wanjuan, the Chinese
 * SFT sets; 91,301 records).
 *
 * Recall and precision need labels the lexicon did not make. Candidates are (a) records an
 * independent net of generic gambling words (GAMBLING_NET below, no brand names) hits, and (b)
 * every record the gambling list hits. Each candidate was read and judged by hand: JUDGED lists
 * the records judged gambling advertising/spam (what the list is meant to drop); every other
 * candidate was judged not gambling spam (news about gambling, fiction, reviews, questions).
 * The bench prints every candidate with its context, the stage's decision and the judgment, so a
 * reader can check each call.
 *
 *   npx tsx bench/zh-gambling-heldout.ts [--data DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { DATA } from './data.js';
import type { Doc, JsonObject, JsonValue } from '../src/core/doc.js';
import { makeDoc } from '../src/core/doc.js';
import type { StageContext } from '../src/core/stage.js';
import { emptyStageStats } from '../src/core/stats.js';
import { defaultRegistry } from '../src/stages/index.js';

const HELD_OUT = [
  'web/zh/cluecorpussmall_sampled_uer.jsonl',
  'web/zh/flagdata_qa_demo_input.jsonl',
  'web/zh/flagdata_quality_example_data.jsonl',
  'web/zh/flagdata_text_demo_input.jsonl',
  'web/zh/weibo_smp2020_ewect_uer.jsonl',
  'web/zh/reviews_hotel_chnsenticorp.jsonl',
  'web/zh/reviews_online_shopping_10_cats_subset.jsonl',
  'web/zh/reviews_waimai_10k.jsonl',
  'web/zh/chinesewebtext_fasttext_clean.jsonl',
  'web/zh/chinesewebtext_fasttext_dirty.jsonl',
  'wanjuan/wanjuan1.0_readme_samples.jsonl',
  'wanjuan/wanjuan_cc_readme_sample.jsonl',
  'sft/alpaca_zh_carbonz0.jsonl',
  'sft/alpaca_zh_demo_llamafactory.jsonl',
  'sft/belle_eval_set.jsonl',
  'sft/belle_zh_seed_tasks.jsonl',
  'sft/sharegpt_zh_medicalgpt_1k.jsonl',
  'sft/sharegpt_toolcall_zh_demo_llamafactory.json',
];

/** Generic gambling vocabulary, written for this check without the lexicon's brand names. */
const GAMBLING_NET = /赌|博彩|投注|娱乐城|百家乐|彩金|下注|老虎机|时时彩|六合彩|现金网|棋牌|赔率|庄家|押注|casino/gi;

/** Records judged gambling advertising or spam, as `file:line` (1-based). */
const JUDGED: ReadonlySet<string> = new Set<string>([]);

function strings(v: JsonValue, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
}

function read(file: string): JsonObject[] {
  const text = readFileSync(join(DATA, file), 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text) as JsonObject[];
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonObject);
}

const reg = defaultRegistry();
const stage = await reg.create('flagged-words', {});
const rows: { id: string; decision: string; gambling: number; net: number; terms: string; ctx: string; judged: boolean }[] = [];
let records = 0;
let chars = 0;
const t0 = performance.now();
for (const file of HELD_OUT) {
  if (!existsSync(join(DATA, file))) continue;
  const recs = read(file);
  const docs: Doc[] = recs.map((r, i) => {
    const parts: string[] = [];
    strings(r, parts);
    const text = parts.join('\n');
    records++;
    chars += text.length;
    return makeDoc({ text }, `${file}:${i + 1}`);
  });
  const dropped = new Map<string, string>();
  const ctx: StageContext = {
    stats: emptyStageStats('flagged-words'),
    reject(doc, reason) {
      dropped.set(doc.source, reason);
    },
  };
  const seen: Doc[] = [];
  async function* b(): AsyncIterable<Doc[]> {
    yield docs;
  }
  for await (const batch of stage.run(b(), ctx)) seen.push(...batch);
  for (const d of docs) {
    const text = d.data.text as string;
    const a = d.attrs.flagged_words as { lists?: Record<string, number>; terms?: string[] } | undefined;
    const gambling = a?.lists?.['zh-gambling'] ?? 0;
    const netHits = [...text.matchAll(GAMBLING_NET)];
    if (gambling === 0 && netHits.length === 0) continue;
    const at = netHits[0]?.index ?? 0;
    rows.push({
      id: d.source,
      decision: dropped.get(d.source) ?? 'kept',
      gambling,
      net: netHits.length,
      terms: (a?.terms ?? []).slice(0, 6).join(' '),
      ctx: text.slice(Math.max(0, at - 40), at + 80).replace(/\s+/g, ' ').replace(/\|/g, '/'),
      judged: JUDGED.has(d.source),
    });
  }
}
const ms = performance.now() - t0;

const spam = rows.filter((r) => r.judged);
const dropped = rows.filter((r) => r.decision !== 'kept');
const hitByList = rows.filter((r) => r.gambling > 0);
const tp = dropped.filter((r) => r.judged).length;
console.log(`# Gambling lexicon on held-out Chinese text: node ${process.version}, ${new Date().toISOString()}, load ${loadavg()[0].toFixed(2)}\n`);
console.log(`${records} records, ${(chars / 1e6).toFixed(1)} M characters from ${HELD_OUT.length} files; ${rows.length} candidates (net or list); ${(ms / 1000).toFixed(1)} s\n`);
console.log('| measure | value |');
console.log('|---|---:|');
console.log(`| candidates judged gambling spam | ${spam.length} |`);
console.log(`| of those dropped by flagged-words (defaults) | ${tp} |`);
console.log(`| records the gambling list hits (any count) | ${hitByList.length} |`);
console.log(`| of those judged gambling spam | ${hitByList.filter((r) => r.judged).length} |`);
console.log(`| records flagged-words drops (any reason) among the candidates | ${dropped.length} |`);
console.log(`| recall on judged gambling spam (dropped / judged) | ${spam.length === 0 ? '-' : ((100 * tp) / spam.length).toFixed(0) + ' %'} |`);
console.log(`| precision of the gambling list hits (judged spam / hit) | ${hitByList.length === 0 ? '-' : ((100 * hitByList.filter((r) => r.judged).length) / hitByList.length).toFixed(0) + ' %'} |`);
console.log(`| precision of the drops among candidates (judged spam / dropped) | ${dropped.length === 0 ? '-' : ((100 * tp) / dropped.length).toFixed(0) + ' %'} |`);
console.log('\n## Every candidate\n');
console.log('| record | judged spam | stage | gambling-list hits | net hits | terms | context |');
console.log('|---|---|---|---:|---:|---|---|');
for (const r of rows) console.log(`| ${r.id} | ${r.judged ? 'yes' : 'no'} | ${r.decision} | ${r.gambling} | ${r.net} | ${r.terms} | ${r.ctx} |`);
