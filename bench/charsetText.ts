/**
 * The held-out text of bench/charset.ts and bench/charset-same.ts: the Leipzig sentences
 * (../shared/data/langid) and the Debian Reference zh-cn (web/zh), with encoders for the legacy
 * charsets and seeded windows. See bench/charset.ts for what each set is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenCC from 'opencc-js';
import { decoderFor, type PageDecoder } from '../src/stages/extract/charset.js';
import { DATA } from './data.js';

/** An encoder for a legacy charset: the inverse of its decoder over every 2-byte sequence, then every single byte (Node has none for GBK, Big5, Shift_JIS, EUC-JP, EUC-KR). */
export function encoderOf(label: string): (text: string) => Buffer {
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
  // Single bytes by our decoder: Node's TextDecoder reads windows-1252 as ISO-8859-1 (see charset.ts).
  const single = decoderFor(label) as PageDecoder;
  for (let a = 0x80; a <= 0xff; a++) {
    const ch = single.decode(Uint8Array.of(a));
    if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, a);
  }
  return (text) => {
    const out: number[] = [];
    for (const ch of text) {
      const c = ch.codePointAt(0) as number;
      if (c < 0x80) out.push(c);
      else {
        const v = table.get(ch);
        if (v === undefined) continue;
        if (v > 0xff) out.push(v >> 8, v & 0xff);
        else out.push(v);
      }
    }
    return Buffer.from(out);
  };
}

let seed = 12345;
/** Start the seeded draws again. */
export const reseed = (): void => {
  seed = 12345;
};
export const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const leipzig = readFileSync(join(DATA, 'langid/langid_leipzig_lingua.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string; lang: string });
const lang = (code: string): string[] => leipzig.filter((r) => r.lang === code).map((r) => r.text);
const zho = lang('zho');
const debianCn = readFileSync(join(DATA, 'web/zh/debian_reference_zh-cn.jsonl'), 'utf8').split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l).text as string).split('\n\n')).filter((p) => /[\u4e00-\u9fff]{10}/.test(p));
const toTw = OpenCC.Converter({ from: 'cn', to: 'twp' });
const zhoTw = zho.map((t) => toTw(t));
export const enc: Record<string, (t: string) => Buffer> = {};
for (const c of ['gbk', 'big5', 'shift_jis', 'euc-jp', 'euc-kr', 'windows-1252', 'windows-1251']) enc[c] = encoderOf(c);
/** [name, held-out texts, encoding of the bytes, the charset a right guess names, the label a declaration uses] */
export const sets: [string, string[], string, string, string][] = [
  ['Leipzig zho, GBK', zho, 'gbk', 'gb18030', 'gbk'],
  ['Debian Reference zh-cn, GBK', debianCn, 'gbk', 'gb18030', 'gbk'],
  ['Leipzig zho in Traditional, Big5', zhoTw, 'big5', 'big5', 'big5'],
  ['Leipzig zho in Traditional, GBK', zhoTw, 'gbk', 'gb18030', 'gbk'],
  ['Leipzig jpn, Shift_JIS', lang('jpn'), 'shift_jis', 'shift_jis', 'shift_jis'],
  ['Leipzig jpn, EUC-JP', lang('jpn'), 'euc-jp', 'euc-jp', 'euc-jp'],
  ['Leipzig kor, EUC-KR', lang('kor'), 'euc-kr', 'euc-kr', 'euc-kr'],
  ['Leipzig fra, windows-1252', lang('fra'), 'windows-1252', 'windows-1252', 'windows-1252'],
  ['Leipzig deu, windows-1252', lang('deu'), 'windows-1252', 'windows-1252', 'windows-1252'],
  ['Leipzig por, windows-1252', lang('por'), 'windows-1252', 'windows-1252', 'windows-1252'],
  ['Leipzig rus, windows-1251', lang('rus'), 'windows-1251', 'windows-1251', 'windows-1251'],
];
export const window = (pool: string[], len: number): string => {
  let t = pool[rand(pool.length)];
  while (t.length < len) t += pool[rand(pool.length)];
  const at = rand(t.length - len + 1);
  return t.slice(at, at + len);
};
