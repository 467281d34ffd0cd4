/**
 * Language identification: accuracy per language and speed.
 *
 * Input: ../shared/data/langid/langid_leipzig_lingua.jsonl (14,939 Leipzig Wortschatz sentences,
 * 75 languages, 50-508 characters, mean 117; gold label `iso639_1`), or the path given as the
 * first argument.
 *
 * Measures, in one run:
 * 1. Accuracy of the fastText lid.176 backend (the default) and of franc, per language, on the
 *    sentences as they are. Three scores: `strict` (reported code = gold code), `fair` (also
 *    accepts a macrolanguage label that contains the gold language: `no` for nb/nn, `sh` for
 *    bs/hr/sr, `ms` for id; never the reverse), and `fair` restricted to the languages the
 *    backend can name at all.
 * 2. Accuracy on document-length texts: sentences of one language joined into 1,000-character
 *    documents (how web documents reach the stage), and the effect of `maxChars` on 2,000-char
 *    documents, to choose its default.
 * 3. Speed on 1,000-character documents through the real pipeline: a pass-through stage over the
 *    same in-memory records (the baseline), langid with fastText at the default `maxChars` and
 *    with the whole text, and franc. Prints docs/s and MB/s end to end and inside the stage,
 *    and peak RSS. One thread: per-core figures.
 *
 * Run: npx tsx bench/langid.ts [path] [--data DIR]
 */
import { readFileSync } from 'node:fs';
import { data } from './data.js';
import type { JsonObject } from '../src/core/doc.js';
import { pipeline } from '../src/core/pipeline.js';
import type { Stage } from '../src/core/stage.js';
import { collect, fromRecords } from '../src/io/memory.js';
import type { LangIdBackend, LangResult } from '../src/stages/langid/index.js';
import { fastTextBackend, francBackend, langId, langIdOptions, modelText } from '../src/stages/langid/index.js';

const path = process.argv[2] ?? data('langid/langid_leipzig_lingua.jsonl');
interface Rec {
  text: string;
  iso639_1: string;
}
const recs: Rec[] = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Rec);
const defaultMaxChars = langIdOptions.maxChars.default as number;

/** Macrolanguage labels that contain the gold language (one direction only). */
const CONTAINS: Record<string, readonly string[]> = { no: ['nb', 'nn'], sh: ['bs', 'hr', 'sr'], ms: ['id'] };
const fairOk = (gold: string, got: string): boolean => got === gold || (CONTAINS[got]?.includes(gold) ?? false);

interface PerLang {
  n: number;
  strict: number;
  fair: number;
  wrong: Map<string, number>;
}

function evaluate(backend: LangIdBackend, items: readonly Rec[], maxChars: number | null): Map<string, PerLang> {
  const per = new Map<string, PerLang>();
  const r: LangResult = { lang: '', score: 0 };
  for (const it of items) {
    backend.identify(modelText(it.text, maxChars), r);
    let p = per.get(it.iso639_1);
    if (p === undefined) per.set(it.iso639_1, (p = { n: 0, strict: 0, fair: 0, wrong: new Map() }));
    p.n++;
    if (r.lang === it.iso639_1) p.strict++;
    if (fairOk(it.iso639_1, r.lang)) p.fair++;
    else p.wrong.set(r.lang, (p.wrong.get(r.lang) ?? 0) + 1);
  }
  return per;
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : ((100 * a) / b).toFixed(1));

function totals(per: Map<string, PerLang>, covered?: ReadonlySet<string>): { n: number; strict: number; fair: number } {
  const t = { n: 0, strict: 0, fair: 0 };
  for (const [lang, p] of per) {
    if (covered !== undefined && !covers(covered, lang)) continue;
    t.n += p.n;
    t.strict += p.strict;
    t.fair += p.fair;
  }
  return t;
}

/** The backend can name the language, itself or through a containing macrolanguage label. */
function covers(codes: ReadonlySet<string>, lang: string): boolean {
  if (codes.has(lang)) return true;
  return Object.entries(CONTAINS).some(([macro, members]) => codes.has(macro) && members.includes(lang));
}

/** Sentences of one language joined with spaces into documents of exactly `size` characters. */
function documents(size: number): Rec[] {
  const byLang = new Map<string, string[]>();
  for (const r of recs) (byLang.get(r.iso639_1) ?? byLang.set(r.iso639_1, []).get(r.iso639_1)!).push(r.text);
  const out: Rec[] = [];
  for (const [lang, texts] of byLang) {
    let cur = '';
    for (const t of texts) {
      cur = cur === '' ? t : cur + ' ' + t;
      if (cur.length >= size) {
        out.push({ text: cur.slice(0, size), iso639_1: lang });
        cur = '';
      }
    }
  }
  return out;
}

const ft = await fastTextBackend();
const fr = francBackend();
const ftCodes = ft.codes ?? new Set<string>();

// 1. Sentences.
const ftPer = evaluate(ft, recs, defaultMaxChars);
const frPer = evaluate(fr, recs, defaultMaxChars);
const langs = [...ftPer.keys()].sort();
console.log(`# langid accuracy: ${recs.length} sentences, ${langs.length} languages (${path})\n`);
console.log('| lang | n | lid.176 in model | fastText strict % | fastText fair % | franc strict % | franc fair % | fastText top confusions |');
console.log('|---|---:|---|---:|---:|---:|---:|---|');
for (const l of langs) {
  const a = ftPer.get(l)!;
  const b = frPer.get(l)!;
  const conf = [...a.wrong].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${k} ${v}`).join(', ');
  const inModel = ftCodes.has(l) ? 'yes' : covers(ftCodes, l) ? 'as macro' : 'no';
  console.log(`| ${l} | ${a.n} | ${inModel} | ${pct(a.strict, a.n)} | ${pct(a.fair, a.n)} | ${pct(b.strict, b.n)} | ${pct(b.fair, b.n)} | ${conf} |`);
}
const ftAll = totals(ftPer);
const ftCov = totals(ftPer, ftCodes);
const frAll = totals(frPer);
console.log(`\nfastText lid.176, all ${langs.length} languages: strict ${pct(ftAll.strict, ftAll.n)} %, fair ${pct(ftAll.fair, ftAll.n)} % (n=${ftAll.n})`);
const coveredLangs = langs.filter((l) => covers(ftCodes, l));
console.log(
  `fastText lid.176, the ${coveredLangs.length} languages it can name: strict ${pct(ftCov.strict, ftCov.n)} %, fair ${pct(ftCov.fair, ftCov.n)} % (n=${ftCov.n}); not in the model: ${langs.filter((l) => !covers(ftCodes, l)).join(' ')}`,
);
console.log(`franc, all ${langs.length} languages: strict ${pct(frAll.strict, frAll.n)} %, fair ${pct(frAll.fair, frAll.n)} %`);
for (const l of ['zh', 'en']) console.log(`fastText ${l}: ${pct(ftPer.get(l)!.strict, ftPer.get(l)!.n)} % (n=${ftPer.get(l)!.n}); franc ${l}: ${pct(frPer.get(l)!.strict, frPer.get(l)!.n)} %`);

// 2. Documents.
const docs1k = documents(1000);
const d1 = evaluate(ft, docs1k, defaultMaxChars);
const d1All = totals(d1);
const d1Cov = totals(d1, ftCodes);
console.log(`\n# 1,000-character documents (${docs1k.length}, sentences of one language joined)`);
console.log(`fastText: all languages strict ${pct(d1All.strict, d1All.n)} % fair ${pct(d1All.fair, d1All.n)} %; languages in the model strict ${pct(d1Cov.strict, d1Cov.n)} % fair ${pct(d1Cov.fair, d1Cov.n)} %`);
const weak = [...d1].filter(([l, p]) => covers(ftCodes, l) && p.fair < p.n).sort((a, b) => a[1].fair / a[1].n - b[1].fair / b[1].n);
console.log('in-model languages below 100 % (fair): ' + weak.map(([l, p]) => `${l} ${pct(p.fair, p.n)} % (n=${p.n})`).join(', '));

const docs2k = documents(2000);
console.log(`\n# maxChars on 2,000-character documents (${docs2k.length}), fastText, languages in the model`);
console.log('| maxChars | fair % | strict % | docs/s (identify only) |');
console.log('|---:|---:|---:|---:|');
for (const mc of [100, 200, 300, 500, 1000, null]) {
  const t0 = performance.now();
  const per = evaluate(ft, docs2k, mc);
  const ms = performance.now() - t0;
  const c = totals(per, ftCodes);
  console.log(`| ${mc ?? 'all'} | ${pct(c.fair, c.n)} | ${pct(c.strict, c.n)} | ${Math.round((docs2k.length / ms) * 1000)} |`);
}

// 3. Speed through the pipeline on 1,000-character documents.
const passThrough: Stage = {
  name: 'pass',
  needsText: true,
  options: {},
  async *run(batches) {
    yield* batches;
  },
};
const records: JsonObject[] = [];
while (records.length < 8000) for (const d of docs1k) records.push({ text: d.text });
const bytes = records.reduce((s, r) => s + Buffer.byteLength(r.text as string), 0);

async function timeRun(label: string, stage: Stage, rs: JsonObject[], b: number): Promise<void> {
  const sink = collect();
  const t0 = performance.now();
  const st = await pipeline({ source: fromRecords(rs), stages: [stage], sink });
  const ms = performance.now() - t0;
  const stageMs = st.stages[0].ms;
  console.log(
    `| ${label} | ${rs.length} | ${Math.round((rs.length / ms) * 1000)} | ${((b / ms) * 1000 / 1e6).toFixed(2)} | ${Math.round((rs.length / stageMs) * 1000)} | ${((b / stageMs) * 1000 / 1e6).toFixed(2)} | ${(process.memoryUsage().rss / 1e6).toFixed(0)} |`,
  );
}
console.log(`\n# speed, 1,000-character documents, one thread (records cloned from memory by the source)`);
console.log('| run | docs | docs/s end to end | MB/s end to end | docs/s in stage | MB/s in stage | RSS MB after |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
await timeRun('pass-through (baseline)', passThrough, records, bytes);
await timeRun(`langid fasttext, maxChars ${defaultMaxChars} (default)`, await langId.create({ ...defaults(), minScore: null }), records, bytes);
await timeRun('langid fasttext, maxChars null (whole text)', await langId.create({ ...defaults(), minScore: null, maxChars: null }), records, bytes);
await timeRun('pass-through (baseline, again)', passThrough, records, bytes);
const few = records.slice(0, 800);
await timeRun('langid franc', await langId.create({ ...defaults(), backend: 'franc', minScore: null }), few, few.reduce((s, r) => s + Buffer.byteLength(r.text as string), 0));
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; node ${process.version}`);

function defaults(): Record<string, unknown> {
  return Object.fromEntries(Object.entries(langIdOptions).map(([k, s]) => [k, s.default]));
}
