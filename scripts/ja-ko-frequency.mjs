// Makes src/stages/extract/jaKoFrequency.ts, the common-character lists the charset guess scores
// Japanese and Korean readings with (src/stages/extract/charset.ts):
//
//   node scripts/ja-ko-frequency.mjs [LOCALE_DIR]      (LOCALE_DIR defaults to /usr/share/locale)
//
// Sources: the translated messages (msgstr) of every gettext catalogue LOCALE_DIR/{ja,ko}/LC_MESSAGES/*.mo
// installed on the machine (Debian 12 packages: apt, bash, coreutils, tar, Linux-PAM, ...; each
// under its package's licence, mostly GPL/LGPL). The lists hold characters only, no text. None of
// the texts the guess is measured on (bench/charset.ts: the Leipzig jpn/kor sentences in
// ../shared/data/langid; fixtures/charset) is among the sources.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = process.argv[2] ?? '/usr/share/locale';
const TOP_KANJI = 800;
const TOP_HANGUL = 600;

/** The translations held by a .mo file (GNU gettext's binary catalogue). */
function translations(path) {
  const b = readFileSync(path);
  const le = b.readUInt32LE(0) === 0x950412de;
  const u32 = (at) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const n = u32(8);
  const table = u32(16);
  const out = [];
  for (let i = 0; i < n; i++) {
    const len = u32(table + 8 * i);
    const at = u32(table + 8 * i + 4);
    out.push(b.subarray(at, at + len));
  }
  return out;
}

function count(lang, keep) {
  const counts = new Map();
  const dec = new TextDecoder('utf-8', { fatal: true });
  let files = 0;
  for (const f of readdirSync(join(DIR, lang, 'LC_MESSAGES')).filter((x) => x.endsWith('.mo')).sort()) {
    files++;
    for (const m of translations(join(DIR, lang, 'LC_MESSAGES', f))) {
      let s;
      try {
        s = dec.decode(m);
      } catch {
        continue; // a catalogue in another charset
      }
      for (const ch of s) if (keep(ch.codePointAt(0))) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
  }
  return { counts, files };
}

const top = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
const share = (map, list) => {
  let all = 0;
  for (const v of map.values()) all += v;
  return ((100 * list.reduce((s, e) => s + e[1], 0)) / all).toFixed(1);
};
const ja = count('ja', (c) => c >= 0x4e00 && c <= 0x9fff);
const ko = count('ko', (c) => c >= 0xac00 && c <= 0xd7a3);
const kanji = top(ja.counts, TOP_KANJI);
const hangul = top(ko.counts, TOP_HANGUL);
const out = `// Made by scripts/ja-ko-frequency.mjs (see there for the sources); do not edit by hand.
/** The ${TOP_KANJI} most frequent kanji of Japanese messages (${ja.files} catalogues), most frequent first. */
export const COMMON_KANJI = '${kanji.map((e) => e[0]).join('')}';
/** The ${TOP_HANGUL} most frequent Hangul syllables of Korean messages (${ko.files} catalogues), most frequent first. */
export const COMMON_HANGUL = '${hangul.map((e) => e[0]).join('')}';
`;
writeFileSync(new URL('../src/stages/extract/jaKoFrequency.ts', import.meta.url), out);
console.log(`kanji: ${ja.counts.size} distinct, top ${TOP_KANJI} = ${share(ja.counts, kanji)} % of occurrences (${ja.files} files)`);
console.log(`hangul: ${ko.counts.size} distinct, top ${TOP_HANGUL} = ${share(ko.counts, hangul)} % of occurrences (${ko.files} files)`);
