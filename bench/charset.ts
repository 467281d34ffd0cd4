/**
 * bench/charset.ts: the cost of `decodeHtml` (src/stages/extract/charset.ts: declared charset,
 * valid UTF-8 over a declared legacy one, the scored guess over its readings) beside
 * one plain decode of the same bytes in the right charset by a `TextDecoder` made beforehand
 * (the least any reader must do) and beside `htmlToText` (the extraction that follows), in one run.
 *
 * Page sets (the 37 real pages decoded `--reps` times per round, the small zh sets 100x that,
 * median of 3 rounds, this process's CPU time; htmlToText a tenth as often, scaled):
 *   - warc: the 37 HTML responses of ../shared/data/web/en/raw/*.warc.gz with their HTTP
 *     Content-Type (1.65 MB; declared UTF-8 or ISO-8859-1, or nothing);
 *   - zh declared: fixtures/html/zh-article-{gbk,gb18030,big5}.html as they are (<meta> names it);
 *   - zh undeclared: the same three with their <meta> removed, plus fixtures/charset/tw-big5.html,
 *     cn-gbk.html and tw-gbk.html (the scored guess runs on every one);
 *   - zh mislabelled: fixtures/charset/cn-utf8-says-gbk.html and tw-utf8-says-big5.html
 *     (valid UTF-8 overrules the <meta>).
 *
 * Then how often the charset comes out right, on windows of 8, 20, 60 and 200 characters of
 * held-out text (none of it among the sources of the common-character lists,
 * scripts/han-frequency.mjs and scripts/ja-ko-frequency.mjs): the Leipzig zho sentences
 * (../shared/data/langid) and the Debian Reference zh-cn (web/zh) encoded in GBK, the Leipzig
 * sentences in Taiwan Traditional (opencc-js `twp`) encoded in Big5 and in GBK, the Leipzig jpn
 * sentences in Shift_JIS and EUC-JP, kor in EUC-KR, fra/deu/por in windows-1252 (not spa: the Leipzig Spanish sentences lost their accents) and rus in
 * windows-1251, each wrapped in `<html><body><p>` with no declaration (200 windows per cell,
 * seeded; a window without a non-ASCII byte is drawn again); whether a wrong guess is marked
 * `guess: 'low'` and a right one is not; and the same texts in UTF-8 under a `<meta>` that names
 * the legacy charset (valid UTF-8 should overrule it) or in that charset (it should stay); the
 * legacy bytes under a `<meta charset="utf-8">` (the reverse mislabel: read in their own
 * charset, else at least flagged low: review-hostile3 N9) and the UTF-8 text with one byte set to 0xff under that `<meta>` (it should stay UTF-8).
 * The encoders are the inverse of the decoders' tables (Node has no legacy encoder); characters
 * a charset lacks are left out of that window.
 *
 * `--before FILE` (repeatable) measures an earlier charset.ts beside the current one in the same
 * run (cost and accuracy), named by its folder, e.g. the one before the M4 change:
 *   mkdir -p /tmp/old && git show 9f10292:src/stages/extract/charset.ts > /tmp/old/charset.ts &&
 *   git show 9f10292:src/stages/extract/hanFrequency.ts > /tmp/old/hanFrequency.ts &&
 *   npx tsx bench/charset.ts --before /tmp/old/charset.ts
 *
 * Run: npx tsx bench/charset.ts [--reps 20] [--data DIR] [--before FILE ...]
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WARCParser } from 'warcio';
import { decodeHtml } from '../src/stages/extract/charset.js';
import { htmlToText } from '../src/stages/extract/html.js';
import { enc, rand, reseed, sets, window } from './charsetText.js';
import { DATA } from './data.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '20' }, data: { type: 'string' }, before: { type: 'string', multiple: true } } });
type Decode = typeof decodeHtml;
/** `--before FILE`: earlier charset.ts files (see the header) measured beside the current one, in the same run, named by their folder. */
const befores: [string, Decode][] = [];
for (const f of values.before ?? []) befores.push([`before: ${basename(dirname(resolve(f)))}`, ((await import(resolve(f))) as { decodeHtml: Decode }).decodeHtml]);
const reps = Number(values.reps);
const load = (): string => readFileSync('/proc/loadavg', 'utf8').trim();
const ROOT = new URL('..', import.meta.url).pathname;

interface Page {
  bytes: Buffer;
  contentType?: string;
  /** The charset a plain decode uses (what decodeHtml should end with). */
  label: string;
}

const warc: Page[] = [];
const RAW = join(DATA, 'web/en/raw');
for (const f of readdirSync(RAW).filter((x) => x.endsWith('.warc.gz')).sort()) {
  for await (const r of new WARCParser(createReadStream(join(RAW, f)))) {
    if (r.warcType !== 'response') {
      await r.skipFully();
      continue;
    }
    const ct = r.httpHeaders?.headers.get('content-type') ?? undefined;
    const bytes = Buffer.from(await r.readFully(true));
    warc.push({ bytes, contentType: ct, label: decodeHtml(bytes, ct).charset });
  }
}
const fx = (p: string): Buffer => readFileSync(join(ROOT, 'fixtures', p));
const zhDeclared: Page[] = ['gbk', 'gb18030', 'big5'].map((c) => ({ bytes: fx(`html/zh-article-${c}.html`), label: c }));
const zhUndeclared: Page[] = [
  ...['gbk', 'gb18030', 'big5'].map((c) => ({ bytes: Buffer.from(fx(`html/zh-article-${c}.html`).toString('latin1').replace(`<meta charset="${c}">`, ''), 'latin1'), label: c === 'big5' ? 'big5' : 'gb18030' })),
  { bytes: fx('charset/tw-big5.html'), label: 'big5' },
  { bytes: fx('charset/cn-gbk.html'), label: 'gb18030' },
  { bytes: fx('charset/tw-gbk.html'), label: 'gb18030' },
];
const zhMislabelled: Page[] = [
  { bytes: fx('charset/cn-utf8-says-gbk.html'), label: 'utf-8' },
  { bytes: fx('charset/tw-utf8-says-big5.html'), label: 'utf-8' },
];

/** Median CPU seconds of 3 rounds of `f`. */
function cpu(f: () => void): number {
  const xs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1e6);
  }
  return xs.sort((a, b) => a - b)[1];
}


// The cost: a page of 20 held-out sentences per set, undeclared (the guess runs on every one).
const heldPages = (which: string[]): Page[] =>
  sets
    .filter((x) => which.includes(x[0]))
    .map(([, pool, e, right]) => ({ bytes: Buffer.concat([Buffer.from('<html><body><p>'), enc[e](pool.slice(0, 20).join('</p>\n<p>')), Buffer.from('</p></body></html>')]), label: right }));
const cjkUndeclared = heldPages(['Leipzig jpn, Shift_JIS', 'Leipzig jpn, EUC-JP', 'Leipzig kor, EUC-KR']);
const latinUndeclared = heldPages(['Leipzig fra, windows-1252', 'Leipzig deu, windows-1252', 'Leipzig por, windows-1252', 'Leipzig rus, windows-1251']);

console.log(`# bench/charset.ts, ${new Date().toISOString()}, --reps ${reps}${(values.before ?? []).map((f) => `, --before ${f}`).join('')}`);
console.log(`load before: ${load()}\n`);
const impls: [string, Decode][] = [['now', decodeHtml], ...befores];
console.log(`| pages | MB | ${impls.map(([n]) => `charset right (${n})`).join(' | ')} | plain decode MB/s | ${impls.map(([n]) => `decodeHtml MB/s (${n}) | decodeHtml / plain decode (${n})`).join(' | ')} | decodeHtml / htmlToText |`);
console.log(`|---|---:|${impls.map(() => '---:|').join('')}---:|${impls.map(() => '---:|---:|').join('')}---:|`);
for (const [name, set, times] of [
  ['warc (37 real pages)', warc, reps],
  ['zh declared (3)', zhDeclared, reps * 100],
  ['zh undeclared (6)', zhUndeclared, reps * 100],
  ['zh UTF-8 mislabelled (2)', zhMislabelled, reps * 100],
  ['ja/ko undeclared, held-out (3)', cjkUndeclared, reps * 100],
  ['fr/de/pt/ru undeclared, held-out (4)', latinUndeclared, reps * 100],
] as const) {
  const reps = times;
  const mb = set.reduce((s, p) => s + p.bytes.length, 0) / 2 ** 20;
  const decs = set.map((p) => new TextDecoder(p.label));
  const plain = cpu(() => {
    for (let i = 0; i < reps; i++) for (let k = 0; k < set.length; k++) decs[k].decode(set[k].bytes);
  });
  const f = (x: number): string => ((mb * reps) / x).toFixed(0);
  const rights: string[] = [];
  const costs: string[] = [];
  for (const [, d] of impls) {
    rights.push(`${set.filter((p) => d(p.bytes, p.contentType).charset === p.label).length}/${set.length}`);
    const t = cpu(() => {
      for (let i = 0; i < reps; i++) for (const p of set) d(p.bytes, p.contentType);
    });
    costs.push(`${f(t)} | ${(t / plain).toFixed(2)}x`);
  }
  const dec = cpu(() => {
    for (let i = 0; i < reps; i++) for (const p of set) decodeHtml(p.bytes, p.contentType);
  });
  const htmls = set.map((p) => decodeHtml(p.bytes, p.contentType).html);
  const extractReps = Math.max(1, Math.round(reps / 10));
  const ext = cpu(() => {
    for (let i = 0; i < extractReps; i++) for (const h of htmls) htmlToText(h);
  }) * (reps / extractReps);
  console.log(`| ${name} | ${mb.toFixed(2)} | ${rights.join(' | ')} | ${f(plain)} | ${costs.join(' | ')} | ${((100 * dec) / ext).toFixed(1)} % |`);
}

const pct = (a: number, n: number): string => ((100 * a) / n).toFixed(1);
for (const [implName, d] of impls) {
  console.log(`\n## ${implName}: held-out text, 200 windows per cell (seeded), charset right in %`);
  console.log('\n| held-out text, encoding | undeclared: 8 chars | 20 | 60 | 200 | undeclared, wrong and not flagged low | undeclared, right but flagged low | declared, kept | UTF-8 under that <meta>, read as UTF-8 | these bytes under a utf-8 <meta>: 8 / 20 / 60 / 200 chars read right | these bytes under a utf-8 <meta>: neither read right nor flagged low | UTF-8 with one stray byte under a utf-8 <meta>, stays UTF-8 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  reseed();
  for (const [name, pool, e, guessed, declared] of sets) {
    const cells: string[] = [];
    const reverse: string[] = [];
    let stray = 0;
    let kept = 0;
    let overruled = 0;
    let total = 0;
    let silentWrong = 0;
    let rightLow = 0;
    let silentUnderUtf8 = 0;
    for (const len of [8, 20, 60, 200]) {
      let right = 0;
      let underUtf8 = 0;
      let n = 0;
      let tries = 0;
      while (n < 200) {
        if (++tries > 200_000) throw new Error(`${name}: too few windows of ${len} characters with a non-ASCII byte`);
        const t = window(pool, len);
        const bytes = enc[e](t);
        if (!bytes.some((b) => b >= 0x80)) continue;
        n++;
        const page = Buffer.concat([Buffer.from('<html><body><p>'), bytes, Buffer.from('</p></body></html>')]);
        const g = d(page) as ReturnType<Decode> & { guess?: string };
        if (g.charset === guessed) {
          right++;
          if (g.guess === 'low') rightLow++;
        } else if (g.guess !== 'low') silentWrong++;
        const meta = Buffer.from(`<meta charset="${declared}">`);
        if (d(Buffer.concat([meta, page])).charset === new TextDecoder(declared).encoding) kept++;
        const utf8 = Buffer.from(`<html><body><p>${t}</p></body></html>`);
        if (d(Buffer.concat([meta, utf8])).charset === 'utf-8') overruled++;
        const metaUtf8 = Buffer.from('<meta charset="utf-8">');
        const u = d(Buffer.concat([metaUtf8, page])) as ReturnType<Decode> & { guess?: string };
        if (u.charset === guessed) underUtf8++;
        else if (u.guess !== 'low') silentUnderUtf8++;
        const broken = Buffer.from(utf8);
        broken[15 + rand(broken.length - 33)] = 0xff;
        if (d(Buffer.concat([metaUtf8, broken])).charset === 'utf-8') stray++;
        total++;
      }
      cells.push(`${pct(right, n)}`);
      reverse.push(pct(underUtf8, n));
    }
    console.log(`| ${name} | ${cells.join(' | ')} | ${pct(silentWrong, total)} | ${pct(rightLow, total)} | ${pct(kept, total)} | ${pct(overruled, total)} | ${reverse.join(' / ')} | ${pct(silentUnderUtf8, total)} | ${pct(stray, total)} |`);
  }
}
console.log(`\nload after: ${load()}`);
