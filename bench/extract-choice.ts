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
 * Run: npm run build && npx tsx bench/extract-choice.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { WARCParser } from 'warcio';
import { decodeHtml } from '../src/stages/extract/charset.js';
import { htmlToText } from '../src/stages/extract/html.js';

const RAW = resolve(import.meta.dirname, '../../shared/data/web/en/raw');
const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const BOILER = 'nav, footer, header, aside, [role=navigation], [role=contentinfo], [role=banner]';

async function pages(): Promise<string[]> {
  const out: string[] = [];
  for (const f of readdirSync(RAW).filter((x) => x.endsWith('.warc.gz')).sort()) {
    for await (const r of new WARCParser(createReadStream(resolve(RAW, f)))) {
      if (r.warcType !== 'response') {
        await r.skipFully();
        continue;
      }
      out.push(decodeHtml(await r.readFully(true), r.httpHeaders?.headers.get('content-type')).html);
    }
  }
  return out;
}

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
  'Readability + page-text fallback (used)': async (h) => norm(htmlToText(h).text),
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

const all = await pages();
const bytes = all.reduce((s, p) => s + Buffer.byteLength(p), 0);
console.log(`${all.length} pages, ${(bytes / 2 ** 20).toFixed(2)} MB of HTML; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log('| extractor | article text kept | boilerplate kept | MB/s | speed vs Readability alone |');
console.log('|---|---|---|---|---|');
const refs = all.map(reference);
let base = 0;
for (const [name, fn] of Object.entries(extractors)) {
  let rec = 0;
  let leak = 0;
  let ms = 0;
  const origLog = console.log;
  for (let i = 0; i < all.length; i++) {
    const t0 = performance.now();
    console.log = () => {}; // defuddle logs pages' JSON-LD errors
    let out = await fn(all[i]).catch(() => null);
    console.log = origLog;
    ms += performance.now() - t0;
    if (out === null || out.length < 50) out = fullText(all[i]);
    const { art, boil } = refs[i];
    const total = art.reduce((s, p) => s + p.length, 0);
    rec += total === 0 ? 1 : art.reduce((s, p) => s + (out!.includes(p) ? p.length : 0), 0) / total;
    leak += boil.length === 0 ? 0 : boil.filter((b) => out!.includes(b)).length / boil.length;
  }
  const mbs = bytes / 2 ** 20 / (ms / 1000);
  if (name === 'Readability alone') base = mbs;
  console.log(`| ${name} | ${(rec / all.length).toFixed(3)} | ${(leak / all.length).toFixed(3)} | ${mbs.toFixed(2)} | ${base ? (mbs / base).toFixed(2) + 'x' : '-'} |`);
}
