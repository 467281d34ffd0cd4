/**
 * Language identification: accuracy per language and backend, the web folders per file, short
 * Chinese, and speed.
 *
 * Inputs (under the data folder: --data DIR, else CORPUS_CLEAN_DATA, else ../shared/data):
 * - langid/langid_leipzig_lingua.jsonl: 14,939 Leipzig Wortschatz sentences, 75 languages,
 *   50-508 characters (mean 117), gold label `iso639_1`. The cascade's thresholds were chosen on
 *   the even-numbered records (0, 2, 4 ...: the tuning half) and are reported on the odd ones
 *   (the report half); both halves and the whole set are printed.
 * - web/en/*.jsonl and web/zh/*.jsonl: real documents whose folder says the expected language;
 *   per file, the share tagged otherwise (records the stage calls too short are counted apart).
 *
 * Measures, in one run, through the real stage (script rules + backend), `minScore` null:
 * 1. Leipzig strict accuracy per language for the backends cascade (default), cld2, fasttext
 *    and franc; the confusable groups scored as groups too.
 * 2. Web folders per file, cascade and fasttext.
 * 3. Han-only Chinese texts of 10+ characters in the web folders: how many are tagged ja/ko.
 * 4. Speed, one thread, per CPU second (the machine is shared): 1,000-character Leipzig documents (docs/s, MB/s) and the en+zh web mix
 *    (MB/s), each beside a pass-through stage over the same records in the same run; the share
 *    of records that needed a model call; peak RSS. Prints the load average beside the figures.
 *
 * Run: npx tsx bench/langid.ts [--quick] [--data DIR]   (--quick skips franc and the second speed round)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DATA } from './data.js';
import type { JsonObject } from '../src/core/doc.js';
import { resolveOptions } from '../src/core/options.js';
import { pipeline } from '../src/core/pipeline.js';
import type { Stage } from '../src/core/stage.js';
import type { RunStats } from '../src/core/stats.js';
import { collect, fromRecords } from '../src/io/memory.js';
import { langId, langIdOptions } from '../src/stages/langid/index.js';

const quick = process.argv.includes('--quick');
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`# langid bench: node ${process.version}, ${new Date().toISOString()}, load ${load()}\n`);

interface Rec {
  text: string;
  iso639_1: string;
}
const recs: Rec[] = readLines(join(DATA, 'langid/langid_leipzig_lingua.jsonl')) as unknown as Rec[];

function readLines(path: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    if (l.length === 0) continue;
    try {
      out.push(JSON.parse(l) as JsonObject);
    } catch {
      // a damaged line is not a language sample
    }
  }
  return out;
}

const textOf = (r: JsonObject): string =>
  typeof r.text === 'string' ? r.text : typeof r.content === 'string' ? r.content : typeof r.raw_content === 'string' ? r.raw_content : '';

async function stageFor(backend: string, extra: Record<string, unknown> = {}): Promise<Stage> {
  return langId.create(resolveOptions('langid', langIdOptions, { backend, minScore: null, ...extra }));
}

/** Tag texts with a stage; returns the docs' attrs in input order and the run stats. */
async function tag(stage: Stage, texts: readonly string[]): Promise<{ attrs: Record<string, unknown>[]; stats: RunStats; ms: number; cpuMs: number }> {
  const sink = collect();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const stats = await pipeline({ source: fromRecords(texts.map((text, i) => ({ text, i }))), stages: [stage], sink });
  const ms = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const cpuMs = (c1.user + c1.system) / 1000;
  // Records with no text never reach the stage: their slot stays empty ({}).
  const attrs: Record<string, unknown>[] = texts.map(() => ({}));
  for (const d of sink.docs) attrs[d.data.i as number] = d.attrs;
  return { attrs, stats, ms, cpuMs };
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : ((100 * a) / b).toFixed(1));

// 1. Leipzig, per language and backend.
const backends = quick ? ['cascade', 'cld2', 'fasttext'] : ['cascade', 'cld2', 'fasttext', 'franc'];
const labels = new Map<string, string[]>();
for (const b of backends) labels.set(b, (await tag(await stageFor(b), recs.map((r) => r.text))).attrs.map((a) => a.lang as string));

/** Languages no reader separates without context in this set (see bench/results/langid.md). */
const GROUPS: readonly (readonly string[])[] = [['bs', 'hr', 'sr'], ['id', 'ms']];
const groupOf = (l: string): readonly string[] | undefined => GROUPS.find((g) => g.includes(l));
const langs = [...new Set(recs.map((r) => r.iso639_1))].sort();

function score(b: string, filter: (i: number) => boolean): { n: number; ok: number; grouped: number } {
  const got = labels.get(b)!;
  const t = { n: 0, ok: 0, grouped: 0 };
  recs.forEach((r, i) => {
    if (!filter(i)) return;
    t.n++;
    if (got[i] === r.iso639_1) t.ok++;
    if (got[i] === r.iso639_1 || (groupOf(r.iso639_1)?.includes(got[i]) ?? false)) t.grouped++;
  });
  return t;
}

console.log(`## Leipzig, ${recs.length} sentences, ${langs.length} languages: strict accuracy %\n`);
console.log('| backend | all | tuning half (even) | report half (odd) | all, bs/hr/sr and id/ms as groups |');
console.log('|---|---:|---:|---:|---:|');
for (const b of backends) {
  const all = score(b, () => true);
  const even = score(b, (i) => i % 2 === 0);
  const odd = score(b, (i) => i % 2 === 1);
  console.log(`| ${b} | ${pct(all.ok, all.n)} | ${pct(even.ok, even.n)} | ${pct(odd.ok, odd.n)} | ${pct(all.grouped, all.n)} |`);
}

console.log(`\n| lang | n | ${backends.join(' % | ')} % | cascade: top confusions |`);
console.log(`|---|---:|${backends.map(() => '---:|').join('')}---|`);
for (const l of langs) {
  const idx = recs.flatMap((r, i) => (r.iso639_1 === l ? [i] : []));
  const cells = backends.map((b) => pct(idx.filter((i) => labels.get(b)![i] === l).length, idx.length));
  const wrong = new Map<string, number>();
  for (const i of idx) {
    const g = labels.get('cascade')![i];
    if (g !== l) wrong.set(g, (wrong.get(g) ?? 0) + 1);
  }
  const conf = [...wrong].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`| ${l} | ${idx.length} | ${cells.join(' | ')} | ${conf} |`);
}
const below = langs.filter((l) => {
  const idx = recs.flatMap((r, i) => (r.iso639_1 === l ? [i] : []));
  return idx.filter((i) => labels.get('cascade')![i] === l).length / idx.length < 0.85;
});
console.log(`\ncascade: languages under 85 % strict: ${below.join(', ') || 'none'}`);

// 2. Web folders, per file.
const webBackends = ['cascade', 'fasttext'];
const web: { lang: string; file: string; texts: string[] }[] = [];
for (const lang of ['en', 'zh']) {
  const dir = join(DATA, 'web', lang);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl')).sort()) web.push({ lang, file: f, texts: readLines(join(dir, f)).map(textOf) });
}
console.log('\n## Web folders: share of records tagged another language, per file (too short to judge counted apart; records with no text left out)\n');
console.log(`| folder | file | records | ${webBackends.map((b) => `${b}: other % | ${b}: too short | ${b}: other labels`).join(' | ')} |`);
console.log(`|---|---|---:|${webBackends.map(() => '---:|---:|---|').join('')}`);
const webAttrs = new Map<string, Record<string, unknown>[][]>();
for (const b of webBackends) {
  const st = await stageFor(b);
  const per: Record<string, unknown>[][] = [];
  for (const w of web) per.push((await tag(st, w.texts)).attrs);
  webAttrs.set(b, per);
}
web.forEach((w, k) => {
  const cells = webBackends.map((b) => {
    const attrs = webAttrs.get(b)![k];
    let other = 0;
    let short = 0;
    const wrong = new Map<string, number>();
    let none = 0;
    for (const a of attrs) {
      if (a.lang === undefined) none++;
      else if (a.lang_score === 0) short++;
      else if (a.lang !== w.lang) {
        other++;
        wrong.set(a.lang as string, (wrong.get(a.lang as string) ?? 0) + 1);
      }
    }
    const top = [...wrong].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([c, n]) => `${c} ${n}`).join(', ');
    return `${pct(other, attrs.length - short - none)} | ${short} | ${top}`;
  });
  console.log(`| ${w.lang} | ${w.file} | ${w.texts.length} | ${cells.join(' | ')} |`);
});

// 3. Han-only Chinese: never ja/ko at 10+ characters.
const HAN_ONLY = /^[\p{Script=Han}\p{P}\p{S}\p{N}\s]+$/u;
const HAN = /\p{Script=Han}/gu;
for (const b of webBackends) {
  let n = 0;
  const jk = new Map<string, number>();
  web.forEach((w, k) => {
    if (w.lang !== 'zh') return;
    w.texts.forEach((t, i) => {
      if (!HAN_ONLY.test(t) || (t.match(HAN)?.length ?? 0) < 10) return;
      n++;
      const l = webAttrs.get(b)![k][i].lang as string;
      if (l === 'ja' || l === 'ko') jk.set(l, (jk.get(l) ?? 0) + 1);
    });
  });
  console.log(`\nHan-only texts of 10+ Han characters in web/zh (${n}): ${b} tags ja ${jk.get('ja') ?? 0}, ko ${jk.get('ko') ?? 0}`);
}

// 4. Speed.
const passThrough: Stage = {
  name: 'pass',
  needsText: true,
  options: {},
  async *run(batches) {
    yield* batches;
  },
};
function documents(size: number): string[] {
  const byLang = new Map<string, string[]>();
  for (const r of recs) (byLang.get(r.iso639_1) ?? byLang.set(r.iso639_1, []).get(r.iso639_1)!).push(r.text);
  const out: string[] = [];
  for (const texts of byLang.values()) {
    let cur = '';
    for (const t of texts) {
      cur = cur === '' ? t : cur + ' ' + t;
      if (cur.length >= size) {
        out.push(cur.slice(0, size));
        cur = '';
      }
    }
  }
  return out;
}
async function timeRun(label: string, stage: Stage, texts: readonly string[], baseMs?: number): Promise<number> {
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
  // CPU time, not wall time: the machine is shared, and CPU seconds are what a core gives.
  const { stats, cpuMs: ms } = await tag(stage, texts);
  const c = stats.stages[0].counters;
  const calls = (c['by:model'] ?? 0) + 0;
  const seen = (c['by:model'] ?? 0) + (c['by:script'] ?? 0) + (c['by:short'] ?? 0);
  const ratio = baseMs === undefined ? '1.00' : (baseMs / ms).toFixed(3);
  const modelShare = seen === 0 ? '-' : pct(calls, seen);
  console.log(
    `| ${label} | ${texts.length} | ${Math.round((texts.length / ms) * 1000)} | ${((bytes / ms) * 1000 / 1e6).toFixed(2)} | ${ratio} | ${modelShare} | ${(process.memoryUsage().rss / 1e6).toFixed(0)} |`,
  );
  return ms;
}
const docs1k: string[] = [];
const base1k = documents(1000);
while (docs1k.length < 8000) docs1k.push(...base1k);
const mix = web.flatMap((w) => w.texts);
const mixMB = mix.reduce((s, t) => s + Buffer.byteLength(t), 0) / 1e6;
for (const round of quick ? [1] : [1, 2]) {
  console.log(`\n## Speed, round ${round}, one thread, load ${load()}\n`);
  console.log('| run | records | docs/s (CPU time) | MB/s (CPU time) | x pass-through | % needing a model call | RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const b1 = await timeRun('1,000-char docs: pass-through', passThrough, docs1k);
  for (const b of ['cascade', 'cld2', 'fasttext']) await timeRun(`1,000-char docs: langid ${b}`, await stageFor(b), docs1k, b1);
  const b2 = await timeRun(`en+zh web mix (${mixMB.toFixed(1)} MB): pass-through`, passThrough, mix);
  for (const b of ['cascade', 'cld2', 'fasttext']) await timeRun(`en+zh web mix: langid ${b}`, await stageFor(b), mix, b2);
}
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (all backends loaded, all inputs in memory); load ${load()}`);
