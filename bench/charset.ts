/**
 * bench/charset.ts: the cost of `decodeHtml` (src/stages/extract/charset.ts: declared charset,
 * valid UTF-8 over a declared legacy one, the scored guess between UTF-8, GB18030 and Big5) beside
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
 * scripts/han-frequency.mjs): the Leipzig zho sentences (../shared/data/langid) and the Debian
 * Reference zh-cn (web/zh) encoded in GBK, and the Leipzig sentences in Taiwan Traditional
 * (opencc-js `twp`) encoded in Big5 and in GBK, each wrapped in `<html><body><p>` with no
 * declaration (200 windows per cell, seeded); and the same texts in UTF-8 under a `<meta>` that
 * names the legacy charset (valid UTF-8 should overrule it) or in that charset (it should stay);
 * the legacy bytes under a `<meta charset="utf-8">` (the reverse mislabel: read in their own
 * charset) and the UTF-8 text with one byte set to 0xff under that `<meta>` (it should stay UTF-8).
 * The encoders are the inverse of `TextDecoder`'s tables (Node has no GBK or Big5 encoder);
 * characters a charset lacks are left out of that window.
 *
 * Run: npx tsx bench/charset.ts [--reps 20] [--data DIR]
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenCC from 'opencc-js';
import { WARCParser } from 'warcio';
import { decodeHtml } from '../src/stages/extract/charset.js';
import { htmlToText } from '../src/stages/extract/html.js';
import { DATA } from './data.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '20' }, data: { type: 'string' } } });
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

console.log(`# bench/charset.ts, ${new Date().toISOString()}, --reps ${reps}`);
console.log(`load before: ${load()}\n`);
console.log('| pages | MB | charset right | plain decode MB/s | decodeHtml MB/s | decodeHtml / plain decode | decodeHtml / htmlToText |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, set, times] of [['warc (37 real pages)', warc, reps], ['zh declared (3)', zhDeclared, reps * 100], ['zh undeclared (6)', zhUndeclared, reps * 100], ['zh UTF-8 mislabelled (2)', zhMislabelled, reps * 100]] as const) {
  const reps = times;
  const mb = set.reduce((s, p) => s + p.bytes.length, 0) / 2 ** 20;
  const right = set.filter((p) => decodeHtml(p.bytes, p.contentType).charset === p.label).length;
  const decs = set.map((p) => new TextDecoder(p.label));
  const plain = cpu(() => {
    for (let i = 0; i < reps; i++) for (let k = 0; k < set.length; k++) decs[k].decode(set[k].bytes);
  });
  const dec = cpu(() => {
    for (let i = 0; i < reps; i++) for (const p of set) decodeHtml(p.bytes, p.contentType);
  });
  const htmls = set.map((p) => decodeHtml(p.bytes, p.contentType).html);
  const extractReps = Math.max(1, Math.round(reps / 10));
  const ext = cpu(() => {
    for (let i = 0; i < extractReps; i++) for (const h of htmls) htmlToText(h);
  }) * (reps / extractReps);
  const f = (x: number): string => ((mb * reps) / x).toFixed(0);
  console.log(`| ${name} | ${mb.toFixed(2)} | ${right}/${set.length} | ${f(plain)} | ${f(dec)} | ${(dec / plain).toFixed(2)}x | ${((100 * dec) / ext).toFixed(1)} % |`);
}

/** An encoder for a double-byte charset: the inverse of its decoder over every 2-byte sequence. */
function encoderOf(label: string): (text: string) => Buffer {
  const table = new Map<string, number>();
  const dec = new TextDecoder(label, { fatal: true });
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      try {
        const ch = dec.decode(Uint8Array.of(a, b));
        if (ch.length === 1 && !table.has(ch)) table.set(ch, (a << 8) | b);
      } catch {
        // not a character here
      }
    }
  }
  return (text) => {
    const out: number[] = [];
    for (const ch of text) {
      const c = ch.codePointAt(0) as number;
      if (c < 0x80) out.push(c);
      else {
        const v = table.get(ch);
        if (v !== undefined) out.push(v >> 8, v & 0xff);
      }
    }
    return Buffer.from(out);
  };
}

let seed = 12345;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const zho = readFileSync(join(DATA, 'langid/langid_leipzig_lingua.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"lang": "zho"')).map((l) => JSON.parse(l).text as string);
const debianCn = readFileSync(join(DATA, 'web/zh/debian_reference_zh-cn.jsonl'), 'utf8').split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l).text as string).split('\n\n')).filter((p) => /[\u4e00-\u9fff]{10}/.test(p));
const toTw = OpenCC.Converter({ from: 'cn', to: 'twp' });
const zhoTw = zho.map((t) => toTw(t));
const gbk = encoderOf('gbk');
const big5 = encoderOf('big5');
const sets: [string, string[], (t: string) => Buffer, string, string][] = [
  ['Leipzig zho, GBK', zho, gbk, 'gb18030', 'gbk'],
  ['Debian Reference zh-cn, GBK', debianCn, gbk, 'gb18030', 'gbk'],
  ['Leipzig zho in Traditional, Big5', zhoTw, big5, 'big5', 'big5'],
  ['Leipzig zho in Traditional, GBK', zhoTw, gbk, 'gb18030', 'gbk'],
];
const window = (pool: string[], len: number): string => {
  let t = pool[rand(pool.length)];
  while (t.length < len) t += pool[rand(pool.length)];
  const at = rand(t.length - len + 1);
  return t.slice(at, at + len);
};
console.log('\n| held-out text, encoding | 8 chars | 20 | 60 | 200 | declared, kept | UTF-8 under that <meta>, read as UTF-8 | these bytes under a utf-8 <meta>: 8 / 20 / 60 / 200 chars read right | UTF-8 with one stray byte under a utf-8 <meta>, stays UTF-8 |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
for (const [name, pool, enc, guessed, declared] of sets) {
  const cells: string[] = [];
  const reverse: string[] = [];
  let stray = 0;
  let kept = 0;
  let overruled = 0;
  let total = 0;
  for (const len of [8, 20, 60, 200]) {
    let right = 0;
    let underUtf8 = 0;
    let n = 0;
    while (n < 200) {
      const t = window(pool, len);
      const bytes = enc(t);
      if (!bytes.some((b) => b >= 0x80)) continue;
      n++;
      const page = Buffer.concat([Buffer.from('<html><body><p>'), bytes, Buffer.from('</p></body></html>')]);
      if (decodeHtml(page).charset === guessed) right++;
      const meta = Buffer.from(`<meta charset="${declared}">`);
      if (decodeHtml(Buffer.concat([meta, page])).charset === declared) kept++;
      const utf8 = Buffer.from(`<html><body><p>${t}</p></body></html>`);
      if (decodeHtml(Buffer.concat([meta, utf8])).charset === 'utf-8') overruled++;
      const metaUtf8 = Buffer.from('<meta charset="utf-8">');
      if (decodeHtml(Buffer.concat([metaUtf8, page])).charset === guessed) underUtf8++;
      const broken = Buffer.from(utf8);
      broken[15 + rand(broken.length - 33)] = 0xff;
      if (decodeHtml(Buffer.concat([metaUtf8, broken])).charset === 'utf-8') stray++;
      total++;
    }
    cells.push(`${((100 * right) / n).toFixed(1)} %`);
    reverse.push(`${((100 * underUtf8) / n).toFixed(1)}`);
  }
  console.log(`| ${name} | ${cells.join(' | ')} | ${((100 * kept) / total).toFixed(1)} % | ${((100 * overruled) / total).toFixed(1)} % | ${reverse.join(' / ')} % | ${((100 * stray) / total).toFixed(1)} % |`);
}
console.log(`\nload after: ${load()}`);
