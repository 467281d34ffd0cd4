/**
 * bench/extract-choice.ts: which HTML main-text extractor keeps the article best.
 *
 * Input: the 37 HTML responses of ../shared/data/web/en/raw/*.warc.gz (real pages: blogs,
 * profile pages, organisation home pages). For each page, a reference is computed with linkedom,
 * independently of the extractors: the article text is every `<p>` of 8+ words outside
 * nav/header/footer/aside (and ARIA navigation/banner/contentinfo roles); the boilerplate is
 * the short texts (links, items, headings of at most 12 words) inside those elements. Measures
 * per extractor the mean share of article characters kept, the mean share of boilerplate texts
 * kept, and MB/s of HTML (all in one run; compare the ratios). The boilerplate measure favours
 * methods that drop those elements by name.
 *
 * defuddle is not a dependency: `npm i --no-save defuddle` first to include it.
 * Run: npm run build && npx tsx bench/extract-choice.ts [--data DIR]
 */
import { readFileSync } from 'node:fs';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { htmlToText } from '../src/stages/extract/html.js';
import { lineShare as share, textLines as lines, warcHtmlPages } from './extract-pages.js';
import { data } from './data.js';

const RAW = data('web/en/raw');
const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const BOILER = 'nav, footer, header, aside, [role=navigation], [role=contentinfo], [role=banner]';

function reference(html: string): { art: string[]; boil: string[] } {
  const { document } = parseHTML(html);
  for (const e of document.querySelectorAll('script,style,noscript,template')) e.remove();
  const art: string[] = [];
  const boil: string[] = [];
  for (const p of document.querySelectorAll('p')) {
    if (p.closest(BOILER)) continue;
    const t = norm(p.textContent ?? '');
    if (t.split(' ').length >= 8) art.push(t);
  }
  for (const b of document.querySelectorAll(BOILER)) {
    if (b.closest('article, main') && !b.matches('nav')) continue;
    for (const a of b.querySelectorAll('a, li, p, h1, h2, h3, h4, span')) {
      const t = norm(a.textContent ?? '');
      if (t.length >= 3 && t.split(' ').length <= 12 && !art.some((x) => x.includes(t))) boil.push(t);
    }
  }
  return { art, boil: [...new Set(boil)] };
}

const fullText = (html: string): string => {
  const { document } = parseHTML(html);
  for (const e of document.querySelectorAll('script,style,noscript,template')) e.remove();
  return norm(document.body?.textContent ?? '');
};

type Extractor = (html: string) => Promise<string | null>;
const extractors: Record<string, Extractor> = {
  'full page text': async (h) => fullText(h),
  'Readability alone': async (h) => {
    const a = new Readability(parseHTML(h).document as never).parse();
    return a ? norm(a.textContent ?? '') : null;
  },
  'Readability + page-text fallback (previous default)': async (h) => norm(htmlToText(h, { method: 'readability' }).text),
  'main scorer + page-text fallback (default)': async (h) => norm(htmlToText(h).text),
  'page less nav/header/footer/aside': async (h) => norm(htmlToText(h, { method: 'page' }).text),
};
try {
  const { Defuddle } = (await import('defuddle/node' as string)) as { Defuddle: (d: unknown, url: string) => Promise<{ content: string }> };
  extractors.defuddle = async (h) => {
    const r = await Defuddle(parseHTML(h).document, 'https://example.org/');
    return norm(parseHTML(`<html><body>${r.content}</body></html>`).document.body?.textContent ?? '');
  };
} catch {
  console.log('(defuddle not installed: npm i --no-save defuddle to include it)');
}

const all = await warcHtmlPages(RAW);
const bytes = all.reduce((s, p) => s + Buffer.byteLength(p), 0);
console.log(`${all.length} pages, ${(bytes / 2 ** 20).toFixed(2)} MB of HTML; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log('| extractor | article text kept | boilerplate kept | MB/s (wall) | MB per CPU second | speed vs Readability alone (CPU) |');
console.log('|---|---|---|---|---|---|');
const refs = all.map(reference);
let base = 0;
for (const [name, fn] of Object.entries(extractors)) {
  let rec = 0;
  let leak = 0;
  let ms = 0;
  let cpu = 0;
  const origLog = console.log;
  for (let i = 0; i < all.length; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    console.log = () => {}; // defuddle logs pages' JSON-LD errors
    let out = await fn(all[i]).catch(() => null);
    console.log = origLog;
    ms += performance.now() - t0;
    const dc = process.cpuUsage(c0);
    cpu += (dc.user + dc.system) / 1000;
    if (out === null || out.length < 50) out = fullText(all[i]);
    const { art, boil } = refs[i];
    const total = art.reduce((s, p) => s + p.length, 0);
    rec += total === 0 ? 1 : art.reduce((s, p) => s + (out!.includes(p) ? p.length : 0), 0) / total;
    leak += boil.length === 0 ? 0 : boil.filter((b) => out!.includes(b)).length / boil.length;
  }
  const mbs = bytes / 2 ** 20 / (ms / 1000);
  const mbc = bytes / 2 ** 20 / (cpu / 1000);
  if (name === 'Readability alone') base = mbc;
  console.log(`| ${name} | ${(rec / all.length).toFixed(3)} | ${(leak / all.length).toFixed(3)} | ${mbs.toFixed(2)} | ${mbc.toFixed(2)} | ${base ? (mbc / base).toFixed(2) + 'x' : '-'} |`);
}

// The new default against the previous one, page by page: the share of the previous default's
// text (its lines, whitespace-normalised, weighted by length) that the new default also gives,
// and the share of the new default's text that the previous one gave too; and which pages
// fell back to the page text.
let kept = 0;
let extra = 0;
let same = 0;
let both = 0;
const changed: string[] = [];
for (let i = 0; i < all.length; i++) {
  const prev = htmlToText(all[i], { method: 'readability' });
  const cur = htmlToText(all[i]);
  const p = lines(prev.text);
  const c = lines(cur.text);
  const k = share(p, c);
  const x = share(c, p);
  kept += k;
  extra += x;
  if (prev.text === cur.text) same++;
  if (prev.method === cur.method) both++;
  if (k < 0.8 || x < 0.8) changed.push(`page ${i + 1}: ${prev.method}->${cur.method}, previous kept ${k.toFixed(2)}, new in previous ${x.toFixed(2)}, ${prev.text.length}->${cur.text.length} chars`);
}
console.log(`\nnew default (main) against the previous default (readability), ${all.length} pages:`);
console.log(`- previous default's text also in the new one: ${(kept / all.length).toFixed(3)} (mean share of characters, line by line)`);
console.log(`- new default's text also in the previous one: ${(extra / all.length).toFixed(3)}`);
console.log(`- identical text: ${same} pages; same choice (article or page text): ${both} pages`);
for (const c of changed) console.log(`  - ${c}`);
