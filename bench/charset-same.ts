/**
 * bench/charset-same.ts: whether two versions of src/stages/extract/charset.ts decode the same
 * pages the same way (charset, text, `from`, `declared`, `guess`): the current one and `--before
 * FILE`. For a change meant to make the guess cheaper without changing a decision.
 *
 * Pages (all seeded): every fixture under fixtures/charset and fixtures/html as it is, with its
 * <meta> removed and under a `<meta charset="utf-8">`; the 37 HTML responses of
 * ../shared/data/web/en/raw/*.warc.gz with their Content-Type; `--windows` windows per length
 * (8, 20, 60, 200, 600, 2000 characters) of every held-out set of bench/charset.ts
 * (bench/charsetText.ts), each undeclared, under a `<meta>` naming its charset, under a utf-8
 * `<meta>`, as UTF-8 under the legacy `<meta>`, as UTF-8 with one stray byte, and two windows of
 * different sets joined (a page mixing scripts); and `--random` pages of random bytes drawn from
 * ASCII letters, bytes >= 0x80, U+FFFD, cut UTF-8 and encoded fragments.
 *
 * Run: npx tsx bench/charset-same.ts --before FILE [--windows 100] [--random 20000] [--data DIR]
 *   (FILE: an earlier charset.ts beside its hanFrequency.ts and jaKoFrequency.ts, e.g. from
 *   `git show REV:src/stages/extract/charset.ts`)
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WARCParser } from 'warcio';
import { decodeHtml } from '../src/stages/extract/charset.js';
import { enc, rand, reseed, sets, window } from './charsetText.js';
import { DATA } from './data.js';

const { values } = parseArgs({ options: { before: { type: 'string' }, windows: { type: 'string', default: '100' }, random: { type: 'string', default: '20000' } } });
if (values.before === undefined) {
  console.error('bench/charset-same.ts: --before FILE is required');
  process.exit(2);
}
type Decode = typeof decodeHtml;
const before = ((await import(resolve(values.before))) as { decodeHtml: Decode }).decodeHtml;
const ROOT = new URL('..', import.meta.url).pathname;

let pages = 0;
const differ: Record<string, number> = {};
const examples: string[] = [];
function same(kind: string, bytes: Uint8Array, contentType?: string): void {
  pages++;
  const a = JSON.stringify(decodeHtml(bytes, contentType));
  const b = JSON.stringify(before(bytes, contentType));
  if (a === b) return;
  differ[kind] = (differ[kind] ?? 0) + 1;
  if (examples.length < 10) examples.push(`${kind}: ${Buffer.from(bytes).toString('hex').slice(0, 160)}\n  now    ${a.slice(0, 200)}\n  before ${b.slice(0, 200)}`);
}
const cat = (...xs: (string | Uint8Array)[]): Buffer => Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)));
const META = /<meta charset="?[\w-]+"?>/i;

for (const dir of ['fixtures/charset', 'fixtures/html']) {
  for (const f of readdirSync(join(ROOT, dir)).filter((x) => x.endsWith('.html'))) {
    const bytes = readFileSync(join(ROOT, dir, f));
    const bare = Buffer.from(bytes.toString('latin1').replace(META, ''), 'latin1');
    same('fixture', bytes);
    same('fixture, no <meta>', bare);
    same('fixture, utf-8 <meta>', cat('<meta charset="utf-8">', bare));
  }
}
for (const f of readdirSync(join(DATA, 'web/en/raw')).filter((x) => x.endsWith('.warc.gz')).sort()) {
  for await (const r of new WARCParser(createReadStream(join(DATA, 'web/en/raw', f)))) {
    if (r.warcType !== 'response') {
      await r.skipFully();
      continue;
    }
    same('warc', Buffer.from(await r.readFully(true)), r.httpHeaders?.headers.get('content-type') ?? undefined);
  }
}

reseed();
const n = Number(values.windows);
for (const [, pool, e, , declared] of sets) {
  for (const len of [8, 20, 60, 200, 600, 2000]) {
    for (let k = 0; k < n; k++) {
      const t = window(pool, len);
      const bytes = enc[e](t);
      const page = cat('<html><body><p>', bytes, '</p></body></html>');
      const utf8 = cat('<html><body><p>', t, '</p></body></html>');
      same('undeclared', page);
      same('declared', cat(`<meta charset="${declared}">`, page));
      same('legacy under utf-8 <meta>', cat('<meta charset="utf-8">', page));
      same('utf-8 under legacy <meta>', cat(`<meta charset="${declared}">`, utf8));
      const broken = Buffer.from(utf8);
      broken[15 + rand(broken.length - 33)] = 0xff;
      same('utf-8 + stray byte under utf-8 <meta>', cat('<meta charset="utf-8">', broken));
      same('utf-8 + stray byte, undeclared', broken);
      const [, pool2, e2] = sets[rand(sets.length)];
      const mixed = cat('<p>', bytes, '</p><p>', enc[e2](window(pool2, len)), '</p>');
      same('two sets joined', mixed);
      same('two sets joined, utf-8 <meta>', cat('<meta charset="utf-8">', mixed));
    }
  }
}

const pieces = [(): Buffer => Buffer.from('abc de'), (): Buffer => Buffer.from([0x80 + rand(128)]), (): Buffer => Buffer.from('\ufffd'), (): Buffer => Buffer.from('é中').subarray(0, 1 + rand(4)), (): Buffer => enc[sets[rand(sets.length)][2]](window(sets[rand(sets.length)][1], 1 + rand(12)))];
for (let k = 0; k < Number(values.random); k++) {
  const parts: Buffer[] = [];
  const m = 1 + rand(12);
  for (let j = 0; j < m; j++) parts.push(pieces[rand(pieces.length)]());
  const page = Buffer.concat(parts);
  same('random', page);
  same('random, utf-8 <meta>', cat('<meta charset="utf-8">', page));
}

console.log(`# bench/charset-same.ts --before ${values.before} --windows ${n} --random ${values.random}, ${new Date().toISOString()}`);
console.log(`${pages} pages; decoded differently: ${Object.values(differ).reduce((a, b) => a + b, 0)}`);
for (const [k, v] of Object.entries(differ)) console.log(`  ${k}: ${v}`);
for (const x of examples) console.log(x);
