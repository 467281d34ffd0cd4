/**
 * Chooses the default `charNgram` of `dedup --minhash` for Chinese by measurement.
 *
 * Input: ../shared/data/web/zh — zhwiki_cmrc2018_contexts (1,104 Wikipedia paragraphs, several
 * per article), cluecorpussmall_sampled_uer (2,500 news/web/comment texts) and the first 5,000
 * douban_book_review_uer reviews (short texts, about 40 characters).
 * For every n in 2..10 it runs the real in-memory MinHash (defaults otherwise: 14 x 8, 0.72)
 * over the originals plus edited copies of the long originals (characters substituted, deleted
 * or inserted at rates 1-10 %) and reports:
 *   - detection: the share of copies removed in favour of their own original, by edit rate;
 *   - flagged originals: original texts removed as near duplicates of another original, and how
 *     many of those are spurious: their letters differ from their survivor's and they share
 *     less than 30 % of their 10-character grams (or of their min(10, length)-grams) with it,
 *     i.e. they match on common short phrases rather than on copied text. SHOW=1 prints them.
 * Run: npx tsx bench/dedup-charngram.ts [--data DIR]   (DIR: a copy of shared/data, default ../shared/data)
 */
import { readFileSync } from 'node:fs';
import { data } from './data.js';
import { MinHashIndex } from '../src/stages/dedup/filter.js';
import { minHashConfig } from '../src/stages/dedup/options.js';
import { resolveOptions } from '../src/core/options.js';
import { dedupOptions } from '../src/stages/dedup/options.js';

const ZH = data('web/zh') + '/';
const read = (f: string, n = Infinity): string[] =>
  readFileSync(ZH + f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((l) => String((JSON.parse(l) as { text: string }).text));

const originals = [...read('zhwiki_cmrc2018_contexts.jsonl'), ...read('cluecorpussmall_sampled_uer.jsonl'), ...read('douban_book_review_uer.jsonl', 5000)];
let seed = 12345;
const rnd = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const RATES = [0.01, 0.02, 0.03, 0.05, 0.1];
const long = originals.map((t, i) => [t, i] as const).filter(([t]) => t.length >= 300);
const pool = originals.join('').replace(/[^\u4e00-\u9fff]/g, '');
const edit = (t: string, rate: number): string => {
  let out = '';
  for (const ch of t) {
    const r = rnd();
    if (r < rate / 3) continue; // delete
    if (r < (2 * rate) / 3) out += pool[Math.floor(rnd() * pool.length)]; // substitute
    else if (r < rate) out += ch + pool[Math.floor(rnd() * pool.length)]; // insert
    else out += ch;
  }
  return out;
};
const copies: { text: string; of: number; rate: number }[] = [];
for (const [t, i] of long) for (const rate of RATES) copies.push({ text: edit(t, rate), of: i, rate });

const grams = (t: string, n: number): Set<string> => {
  const s = t.replace(/[^\u4e00-\u9fff\u3040-\u30ffA-Za-z0-9]/g, '');
  const g = new Set<string>();
  for (let i = 0; i + n <= s.length; i++) g.add(s.slice(i, i + n));
  return g;
};
const jac = (a: Set<string>, b: Set<string>): number => {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter || 1);
};

console.log(`originals ${originals.length} (${long.length} of >= 300 chars), copies ${copies.length}`);
console.log('| charNgram | ' + RATES.map((r) => `detected @${r * 100}%`).join(' | ') + ' | originals flagged | of which spurious | ms |');
console.log('|---|' + RATES.map(() => '---').join('|') + '|---|---|---|');
for (const n of [2, 3, 4, 5, 6, 7, 8, 10]) {
  const t0 = performance.now();
  const idx = new MinHashIndex(minHashConfig(resolveOptions('dedup', dedupOptions, { charNgram: n })));
  const ids: number[] = [];
  for (const t of originals) ids.push(idx.sign(t));
  const copyIds = copies.map((c) => idx.sign(c.text));
  const survivorOf = new Map<number, number>();
  for (const i of [...ids, ...copyIds]) if (i >= 0) survivorOf.set(i, idx.visit(i).survivor);
  const byIndex = new Map<number, number>();
  ids.forEach((id, o) => byIndex.set(id, o));
  const detected = RATES.map((rate) => {
    const cs = copies.map((c, j) => ({ c, id: copyIds[j] })).filter(({ c }) => c.rate === rate);
    const ok = cs.filter(({ c, id }) => id >= 0 && survivorOf.get(id) === ids[c.of]).length;
    return (ok / cs.length).toFixed(3);
  });
  let flagged = 0;
  let spurious = 0;
  ids.forEach((id, o) => {
    const s = id >= 0 ? survivorOf.get(id)! : -1;
    if (s < 0) return;
    flagged++;
    const a = originals[o];
    const b = originals[byIndex.get(s)!];
    const na = a.replace(/[^\u4e00-\u9fff\u3040-\u30ffA-Za-z0-9]/g, '');
    const nb = b.replace(/[^\u4e00-\u9fff\u3040-\u30ffA-Za-z0-9]/g, '');
    if (na !== nb && jac(grams(a, Math.min(10, na.length, nb.length)), grams(b, Math.min(10, na.length, nb.length))) < 0.3) {
      spurious++;
      if (process.env.SHOW) console.log(`   n=${n}: ${JSON.stringify(a.slice(0, 60))} ~ ${JSON.stringify(b.slice(0, 60))}`);
    }
  });
  console.log(`| ${n} | ${detected.join(' | ')} | ${flagged} | ${spurious} | ${(performance.now() - t0).toFixed(0)} |`);
}
