// Makes src/stages/extract/hanFrequency.ts, the common-character lists the charset guess scores
// with (src/stages/extract/charset.ts):
//
//   node scripts/han-frequency.mjs [DATA]      (DATA defaults to ../shared/data)
//
// Simplified: the most frequent Han characters of an equal share (300,000 Han characters, from
// the start of each file) of six real Chinese sources in DATA/web/zh: Chinese Wikipedia
// (zhwiki_cmrc2018_contexts, CC BY-SA 4.0), CLUECorpusSmall news/web (cluecorpussmall_sampled_uer),
// Douban book reviews, Weibo posts, hotel reviews (ChnSentiCorp) and Zhihu questions and answers
// (FlagData's qa demo); licences in DATA/PROVENANCE.md. Traditional: the same text
// converted by opencc-js to Taiwan Traditional with its phrases (软件 -> 軟體). The lists hold
// characters only (no text); the files used to test the guess (debian-reference zh-tw and zh-cn,
// the Leipzig zho sentences) are not among the sources.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenCC from 'opencc-js';

const DATA = process.argv[2] ?? new URL('../../shared/data', import.meta.url).pathname;
const SOURCES = [
  'zhwiki_cmrc2018_contexts.jsonl',
  'cluecorpussmall_sampled_uer.jsonl',
  'douban_book_review_uer.jsonl',
  'weibo_smp2020_ewect_uer.jsonl',
  'reviews_hotel_chnsenticorp.jsonl',
  'flagdata_qa_demo_input.jsonl',
];
const BUDGET = 300_000;
const TOP = 800;
const isHan = (c) => c >= 0x4e00 && c <= 0x9fff;

const toTw = OpenCC.Converter({ from: 'cn', to: 'twp' });
const simp = new Map();
const trad = new Map();
const count = (map, text) => {
  for (const ch of text) if (isHan(ch.codePointAt(0))) map.set(ch, (map.get(ch) ?? 0) + 1);
};
for (const f of SOURCES) {
  let han = 0;
  for (const line of readFileSync(join(DATA, 'web/zh', f), 'utf8').split('\n')) {
    if (!line || han >= BUDGET) continue;
    const r = JSON.parse(line);
    const t = r.text ?? r.raw_content ?? r.content ?? r.review ?? '';
    if (typeof t !== 'string') continue;
    let n = 0;
    for (const ch of t) if (isHan(ch.codePointAt(0))) n++;
    han += n;
    count(simp, t);
    count(trad, toTw(t));
  }
  if (han < BUDGET / 2) throw new Error(`${f}: only ${han} Han characters`);
}
const top = (map) => [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP).map((e) => e[0]).join('');
const out = `// Made by scripts/han-frequency.mjs (see there for the sources); do not edit by hand.
/** The ${TOP} most frequent Han characters of Simplified Chinese web text, most frequent first. */
export const COMMON_SIMPLIFIED = '${top(simp)}';
/** The same for Traditional Chinese (the same text in Taiwan Traditional), most frequent first. */
export const COMMON_TRADITIONAL = '${top(trad)}';
`;
writeFileSync(new URL('../src/stages/extract/hanFrequency.ts', import.meta.url), out);
console.log(`${simp.size} simplified, ${trad.size} traditional distinct characters; top ${TOP} written`);
