/**
 * dedup benchmark: quality against exact Jaccard, signature speed beside the `minhash` npm
 * package, and memory per record of the in-memory mode.
 *
 * Inputs (all real text, read from ../shared/data):
 *   A. neardup/license_texts_licensee.jsonl + neardup/datajuicer_demo_dataset_deduplication.jsonl
 *      (133 records: licence variants and the Data-Juicer near-duplicate demo);
 *   B. English web documents (web/en c4_demo, olmo_c4_sample, paloma, dolma_cc_en_head: records
 *      of >= 500 characters), each with copies whose words are substituted, deleted or inserted at
 *      a controlled rate (0 to 30 %);
 *   C. 4 KB pieces of all web/en text (cut at spaces), for speed;
 *   D. generated 300- and 2000-character records, for memory per record (verify exact and signature).
 *   E, F. held out (nothing was chosen on them): other web/en files with word edits and typos;
 *      web/zh text with characters substituted, deleted or inserted.
 * Ground truth for A, B, E and F: the exact Jaccard similarity of every pair of records over the very
 * shingle sets MinHash estimates (5-word shingles), computed exactly through an inverted index
 * (pairs absent from the index share no shingle, J = 0).
 * Metrics: recall = share of pairs with J >= 0.8 that end in the same cluster (same survivor);
 * precision = share of removed records whose exact J with their survivor is >= 0.72 (the default
 * threshold; also shown with >= 0.7 and >= 0.6); each set with verify 'exact' (default) and
 * 'signature' (the estimate from the 112 values). Speed: single thread = per core.
 * Run: npx tsx bench/dedup.ts [--data DIR]   (about a minute; QUICK=1 for fewer speed docs)
 */
import { readFileSync } from 'node:fs';
import { DATA } from './data.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRequire } from 'node:module';
import { MinHashIndex } from '../src/stages/dedup/filter.js';
import { dedupOptions, minHashConfig } from '../src/stages/dedup/options.js';
import type { MinHashConfig } from '../src/stages/dedup/options.js';
import { resolveOptions } from '../src/core/options.js';
import { Shingler } from '../src/stages/dedup/shingle.js';
import { makePermutations, signature } from '../src/stages/dedup/signature.js';
import { SetArena } from '../src/stages/dedup/verify.js';
import { dedup } from '../src/stages/dedup/dedup.js';
import { pipeline } from '../src/core/pipeline.js';
import { fromRecords } from '../src/io/memory.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const require = createRequire(import.meta.url);
const { Minhash } = require('minhash') as { Minhash: new () => { update(s: string): void; hashvalues: number[] } };

const QUICK = process.env.QUICK === '1';
const MEM_N = QUICK ? 50_000 : 200_000;
const D = DATA + '/';
const jsonl = (f: string): Record<string, unknown>[] =>
  readFileSync(D + f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const textOf = (r: Record<string, unknown>): string => String(r.text ?? r.content ?? '');
let seed = 99;
const rnd = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const config = minHashConfig(resolveOptions('dedup', dedupOptions, {}));

// ---------- memory (D) ----------
const genVocab = readFileSync(D + 'web/en/c4_demo_llamafactory.jsonl', 'utf8').toLowerCase().split(/[^a-z]+/).filter((w) => w.length >= 3);
const genDoc = (chars: number): string => {
  const w: string[] = [];
  let len = 0;
  while (len < chars) {
    const x = genVocab[Math.floor(rnd() * genVocab.length)];
    w.push(x);
    len += x.length + 1;
  }
  return w.join(' ');
};
/** JS heap plus typed-array backing stores (which live outside the heap). */
const usedBytes = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
/** Bytes per record held by a streaming dedup stage at the end of `n` generated records. */
async function heldPerRecord(n: number, chars: number, verify: string): Promise<number> {
  let heapAtEnd = 0;
  let written = 0;
  const stage = await dedup.create(resolveOptions('dedup', dedupOptions, { keep: 'first', verify }));
  gc();
  const heapBefore = usedBytes();
  await pipeline({
    source: {
      async *read(events) {
        for (let i = 0; i < n; i += 1000) {
          const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ data: { text: genDoc(chars) }, source: `gen.jsonl:${i + j + 1}`, attrs: {} }));
          events.read(batch.length, 0);
          yield batch;
        }
      },
    },
    stages: [stage],
    sink: {
      write(b) {
        written += b.length;
        if (written === n) {
          gc();
          heapAtEnd = usedBytes();
        }
      },
      async close() {},
      async abort() {},
    },
  });
  return (heapAtEnd - heapBefore) / n;
}

// ---------- memory child (see D) ----------
if (process.argv[2] === '--memory') {
  const [n, chars] = process.argv.slice(3, 5).map(Number);
  const verify = process.argv[5];
  const held = await heldPerRecord(n, chars, verify);
  // The shingle sets alone, as the stage keeps them.
  const arena = new SetArena();
  const shg = new Shingler(config);
  for (let i = 0; i < n; i++) arena.add(i, shg.shingle(genDoc(chars)));
  console.log(`${held} ${verify === 'exact' ? arena.liveBytes / n : 0}`);
  process.exit(0);
}

// ---------- quality ----------
interface Quality {
  n: number;
  truePairs: number;
  recall: number;
  removed: number;
  precision72: number;
  precision70: number;
  precision60: number;
  survivorOf: Int32Array;
  exact: (a: number, b: number) => number;
}

function quality(texts: string[], cfg: MinHashConfig = config): Quality {
  const sh = new Shingler(cfg);
  const sets = texts.map((t) => Int32Array.from(new Set(sh.shingle(t))));
  // Exact intersections of all pairs through an inverted index.
  const post = new Map<number, number[]>();
  sets.forEach((s, i) => s.forEach((x) => (post.get(x) ?? post.set(x, []).get(x)!).push(i)));
  const inter = new Map<number, number>();
  const N = texts.length;
  for (const docs of post.values()) for (let a = 0; a < docs.length; a++) for (let b = a + 1; b < docs.length; b++) {
    const key = docs[a] * N + docs[b];
    inter.set(key, (inter.get(key) ?? 0) + 1);
  }
  const exact = (a: number, b: number): number => {
    if (a === b) return 1;
    const [x, y] = a < b ? [a, b] : [b, a];
    const i = inter.get(x * N + y) ?? 0;
    return i / (sets[x].length + sets[y].length - i);
  };
  const idx = new MinHashIndex(cfg);
  const ids = texts.map((t) => idx.sign(t));
  const root = new Int32Array(N);
  const survivorOf = new Int32Array(N).fill(-1);
  const byId = new Map<number, number>();
  ids.forEach((id, i) => byId.set(id, i));
  ids.forEach((id, i) => {
    root[i] = i;
    if (id < 0) return;
    const v = idx.visit(id);
    if (v.survivor >= 0) {
      survivorOf[i] = byId.get(v.survivor)!;
      root[i] = survivorOf[i];
    }
  });
  let truePairs = 0;
  let caught = 0;
  for (const [key, i] of inter) {
    const x = Math.floor(key / N);
    const y = key % N;
    if (i / (sets[x].length + sets[y].length - i) >= 0.8) {
      truePairs++;
      if (root[x] === root[y]) caught++;
    }
  }
  let removed = 0;
  let p70 = 0;
  let p60 = 0;
  let p72 = 0;
  for (let i = 0; i < N; i++) {
    if (survivorOf[i] < 0) continue;
    removed++;
    const j = exact(i, survivorOf[i]);
    if (j >= config.threshold) p72++;
    if (j >= 0.7) p70++;
    if (j >= 0.6) p60++;
  }
  return { n: N, truePairs, recall: caught / truePairs, removed, precision72: p72 / removed, precision70: p70 / removed, precision60: p60 / removed, survivorOf, exact };
}

const fmt = (x: number): string => x.toFixed(3);
console.log(`# dedup bench (defaults: ${config.bands} bands x ${config.rows} rows, threshold ${config.threshold}, ngram ${config.ngram}, seed ${config.seed}, verify ${config.verify})\n`);
const MODES = ['exact', 'signature'] as const;
const HEAD = '| set | verify | records | pairs J >= 0.8 | recall | removed | precision (J >= 0.72) | precision (J >= 0.7) | precision (J >= 0.6) |\n|---|---|---|---|---|---|---|---|---|';
const row = (set: string, mode: string, q: Quality): string =>
  `| ${set} | ${mode} | ${q.n} | ${q.truePairs} | ${fmt(q.recall)} | ${q.removed} | ${fmt(q.precision72)} | ${fmt(q.precision70)} | ${fmt(q.precision60)} |`;
console.log('## Quality against exact Jaccard\n');
console.log(HEAD);

const neardup = [...jsonl('neardup/license_texts_licensee.jsonl'), ...jsonl('neardup/datajuicer_demo_dataset_deduplication.jsonl')].map(textOf);
for (const verify of MODES) console.log(row('A. neardup (licences + Data-Juicer demo)', verify, quality(neardup, { ...config, verify })));

const RATES = [0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3];
const bases = ['web/en/c4_demo_llamafactory.jsonl', 'web/en/olmo_c4_sample.jsonl', 'web/en/paloma_c4_100_domains_theguardian.jsonl', 'web/en/dolma_cc_en_head.jsonl']
  .flatMap((f) => jsonl(f).map(textOf))
  .filter((t) => t.length >= 500);
const vocab = bases.join(' ').split(/\s+/).filter((w) => /^[a-z]{3,}$/.test(w));
const editWords = (t: string, rate: number): string => {
  const out: string[] = [];
  for (const w of t.split(' ')) {
    const r = rnd();
    if (r < rate / 3) continue;
    if (r < (2 * rate) / 3) out.push(vocab[Math.floor(rnd() * vocab.length)]);
    else if (r < rate) out.push(w, vocab[Math.floor(rnd() * vocab.length)]);
    else out.push(w);
  }
  return out.join(' ');
};
/** Each base followed by one copy per rate. */
function families(baseTexts: string[], edit: (t: string, rate: number) => string, rates: number[]): { texts: string[]; familyOf: number[]; rateOf: number[] } {
  const texts: string[] = [];
  const familyOf: number[] = [];
  const rateOf: number[] = [];
  baseTexts.forEach((b, f) => {
    texts.push(b);
    familyOf.push(f);
    rateOf.push(-1);
    for (const r of rates) {
      texts.push(edit(b, r));
      familyOf.push(f);
      rateOf.push(r);
    }
  });
  return { texts, familyOf, rateOf };
}
const { texts, familyOf, rateOf } = families(bases, editWords, RATES);
let qb!: Quality;
for (const verify of MODES) {
  const q = quality(texts, { ...config, verify });
  if (verify === config.verify) qb = q;
  console.log(row(`B. ${bases.length} English web docs x ${RATES.length} word-edited copies`, verify, q));
}

// Held out (not used to choose anything): other English files with word edits AND character
// typos, and Chinese web text with characters substituted, deleted or inserted.
const heldEn = ['web/en/article_extraction_benchmark_pages.jsonl', 'web/en/wiki_demo_llamafactory.jsonl', 'web/en/datajuicer_stack_exchange.jsonl', 'web/en/debian_reference_en.jsonl', 'web/en/datajuicer_arxiv.jsonl']
  .flatMap((f) => jsonl(f).map(textOf))
  .filter((t) => t.length >= 500)
  .map((t) => t.slice(0, 20_000));
const letters = 'abcdefghijklmnopqrstuvwxyz';
const editMixed = (t: string, rate: number): string =>
  editWords(t, rate / 2)
    .split(' ')
    .map((w) => (w.length > 2 && rnd() < rate / 2 ? w.slice(0, 1) + letters[Math.floor(rnd() * 26)] + w.slice(2) : w))
    .join(' ');
const he = families(heldEn, editMixed, [0.005, 0.01, 0.015, 0.02, 0.03, 0.05]);
for (const verify of MODES) console.log(row(`E. held out: ${heldEn.length} other English docs x 6 copies (word edits + typos)`, verify, quality(he.texts, { ...config, verify })));
const heldZh = ['web/zh/chinesewebtext_cc2021-43_cleared1.jsonl', 'web/zh/flagdata_qa_demo_input.jsonl', 'web/zh/reviews_hotel_chnsenticorp.jsonl']
  .flatMap((f) =>
    jsonl(f)
      .map((r) => String(r.raw_content ?? textOf(r)))
      .filter((t) => t.length >= 200)
      .slice(0, 150),
  )
  .map((t) => t.slice(0, 20_000));
const zhChars = [...new Set(heldZh.join('').replace(/[^\u4e00-\u9fff]/g, ''))];
const editChars = (t: string, rate: number): string => {
  let out = '';
  for (const c of t) {
    const r = rnd();
    if (r < rate / 3) continue;
    if (r < (2 * rate) / 3) out += zhChars[Math.floor(rnd() * zhChars.length)];
    else if (r < rate) out += c + zhChars[Math.floor(rnd() * zhChars.length)];
    else out += c;
  }
  return out;
};
const hz = families(heldZh, editChars, [0.005, 0.01, 0.02, 0.03, 0.05, 0.08]);
for (const verify of MODES) console.log(row(`F. held out: ${heldZh.length} Chinese web docs x 6 copies (character edits)`, verify, quality(hz.texts, { ...config, verify })));
console.log('');
console.log(`Set B, verify ${config.verify}: curve by edit rate (a copy counts as found when it is removed in favour of its own family):\n`);
console.log('| word edit rate | mean exact J to original | share with J >= 0.8 | found | P(candidate) at mean J |');
console.log('|---|---|---|---|---|');
for (const r of RATES) {
  let js = 0;
  let hi = 0;
  let found = 0;
  let n = 0;
  texts.forEach((_, i) => {
    if (rateOf[i] !== r) return;
    n++;
    const base = i - RATES.indexOf(r) - 1;
    const j = qb.exact(i, base);
    js += j;
    if (j >= 0.8) hi++;
    if (qb.survivorOf[i] >= 0 && familyOf[qb.survivorOf[i]] === familyOf[i]) found++;
  });
  const mj = js / n;
  const pc = 1 - Math.pow(1 - Math.pow(mj, config.rows), config.bands);
  console.log(`| ${r * 100} % | ${fmt(mj)} | ${fmt(hi / n)} | ${fmt(found / n)} | ${fmt(pc)} |`);
}

// ---------- speed ----------
const all = ['web/en/c4_demo_llamafactory.jsonl', 'web/en/wiki_demo_llamafactory.jsonl', 'web/en/debian_handbook_en.jsonl', 'web/en/gutenberg_books.jsonl']
  .flatMap((f) => jsonl(f).map(textOf))
  .join('\n');
const docs: string[] = [];
for (let at = 0; at < all.length && docs.length < (QUICK ? 500 : 3000); ) {
  let end = Math.min(all.length, at + 4096);
  const sp = all.lastIndexOf(' ', end);
  if (sp > at + 3500) end = sp;
  docs.push(all.slice(at, end));
  at = end + 1;
}
const mb = docs.reduce((s, d) => s + Buffer.byteLength(d), 0) / 1e6;
const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
const sh = new Shingler(config);
const perm = makePermutations(config.bands * config.rows, config.seed);
let sink = 0;
const base = (): void => {
  for (const d of docs) sink += d.toLowerCase().split(/\s+/).length;
};
const ours = (): void => {
  for (const d of docs) sink += signature(sh.shingle(d), perm)[0];
};
// The extra work of verify 'exact' per record: the sorted shingle set, packed as the stage keeps it.
let arena = new SetArena();
const oursWithSet = (): void => {
  arena = new SetArena();
  docs.forEach((d, i) => {
    const s = sh.shingle(d);
    arena.add(i, s);
    sink += signature(s, perm)[0];
  });
};
const pkgDocs = docs.slice(0, QUICK ? 20 : 60);
const pkgMb = pkgDocs.reduce((s, d) => s + Buffer.byteLength(d), 0) / 1e6;
const pkg = (): void => {
  for (const d of pkgDocs) {
    const m = new Minhash();
    const w = d.toLowerCase().split(/\W+/).filter(Boolean);
    for (let i = 0; i + 5 <= w.length; i++) m.update(w.slice(i, i + 5).join(' '));
    sink += m.hashvalues[0];
  }
};
base();
ours(); // warm up
const rounds = 3;
const tBase = Math.min(...Array.from({ length: rounds }, () => time(base)));
// Interleaved, best of 5 each: the machine's load moves between rounds.
oursWithSet();
let tOurs = Infinity;
let tOursSet = Infinity;
for (let r = 0; r < 5; r++) {
  tOurs = Math.min(tOurs, time(ours));
  tOursSet = Math.min(tOursSet, time(oursWithSet));
}
const setBytesPerDoc = arena.liveBytes / docs.length;
const tPkg = time(pkg);
const stageSecs: Record<string, number> = {};
// ABBAAB order, so that neither mode always runs first (JIT warm-up, load drift).
for (const verify of ['exact', 'signature', 'signature', 'exact', 'exact', 'signature', 'signature', 'exact']) {
  const stage = await dedup.create(resolveOptions('dedup', dedupOptions, { keep: 'first', verify }));
  const t = performance.now();
  await pipeline({
    source: fromRecords(docs.map((text) => ({ text }))),
    stages: [stage],
    sink: { write() {}, async close() {}, async abort() {} },
  });
  const secs = (performance.now() - t) / 1000;
  stageSecs[verify] = Math.min(stageSecs[verify] ?? Infinity, secs);
}
console.log(`\n## C. Speed, ${docs.length} English documents of about 4 KB (${mb.toFixed(1)} MB), one thread\n`);
console.log('| what | MB/s | docs/s | vs minhash package |');
console.log('|---|---|---|---|');
const pkgRate = pkgDocs.length / tPkg;
console.log(`| baseline: lowercase + split on white space | ${(mb / tBase).toFixed(1)} | ${(docs.length / tBase).toFixed(0)} | |`);
console.log(`| ours: shingles + 112-value signature | ${(mb / tOurs).toFixed(1)} | ${(docs.length / tOurs).toFixed(0)} | ${(docs.length / tOurs / pkgRate).toFixed(0)}x |`);
console.log(`| ours: shingles + signature + shingle set (verify exact; ${setBytesPerDoc.toFixed(0)} B/doc held) | ${(mb / tOursSet).toFixed(1)} | ${(docs.length / tOursSet).toFixed(0)} | ${(docs.length / tOursSet / pkgRate).toFixed(0)}x |`);
for (const verify of MODES) console.log(`| ours: whole dedup stage in a pipeline (keep first, verify ${verify}; interleaved, best of 4) | ${(mb / stageSecs[verify]).toFixed(1)} | ${(docs.length / stageSecs[verify]).toFixed(0)} | |`);
console.log(`| minhash npm 0.0.9 (128 permutations; ${pkgDocs.length} docs) | ${(pkgMb / tPkg).toFixed(2)} | ${pkgRate.toFixed(0)} | 1x |`);

// ---------- memory ----------
const idx = new MinHashIndex(config);
console.log(`\n## D. Memory of the in-memory mode, keep first (streaming); each figure from a fresh process\n`);
console.log('| records | characters each | verify | bytes held per record | of which shingle sets |');
console.log('|---|---|---|---|---|');
for (const [n, chars] of [[MEM_N, 300], [MEM_N / 4, 2000]]) {
  for (const verify of MODES) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--memory', String(n), String(chars), verify], { encoding: 'utf8' });
    const [held, sets] = out.trim().split(/\s+/).map(Number);
    console.log(`| ${n} | ${chars} | ${verify} | ${held.toFixed(0)} | ${sets.toFixed(0)} |`);
  }
}
console.log(`\n(signature ${idx.k * 4} B; band table ${config.bands} keys x 12 B per slot at load 1/4-1/2; source string and its array slot; arrays grow by doubling;`);
console.log(` verify exact adds the shingles of each kept record, 4 B per shingle + 13 B, packed in 1 MiB chunks)`);
console.log(`- peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
if (sink === 42) console.log('');
