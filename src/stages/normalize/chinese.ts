/**
 * Traditional ↔ Simplified Chinese conversion for `normalize` (option `chinese`), with
 * opencc-js (OpenCC's dictionaries: characters, then phrases for the Taiwan and Hong Kong
 * variants). Off by default. Texts holding no character the conversion would change are passed
 * over by a bitmap check, so Simplified text costs one scan.
 *
 * opencc-js is loaded by the first converter made, not with this module (issue #16, twenty-fifth
 * pass): its 1.2 MB of dictionaries cost 60-110 ms of CPU to compile, paid by every process that
 * loaded `normalize` (every `run`, every worker) though `chinese` is off by default. It is loaded
 * with require(), which gives the package's CommonJS build (dist/umd/full.js) where an import gave
 * its ES module build (dist/esm/full.js): the same code and dictionaries, built twice; the two
 * convert every code point and the Chinese web texts of the shared data alike (checked).
 */
import { createRequire } from 'node:module';

let openCC: typeof import('opencc-js') | undefined;

/** opencc-js, loaded at the first call. */
function loadOpenCC(): typeof import('opencc-js') {
  openCC ??= createRequire(import.meta.url)('opencc-js') as typeof import('opencc-js');
  return openCC;
}

/** Values of the `chinese` option. */
export const CHINESE_MODES = ['none', 't2s', 'tw2s', 'hk2s', 's2t'] as const;
export type ChineseMode = (typeof CHINESE_MODES)[number];

/** OpenCC locales per mode: `t2s` OpenCC Traditional, `tw2s` Taiwan with phrases (軟體 → 软件), `hk2s` Hong Kong, `s2t` the reverse. */
const LOCALES: Record<Exclude<ChineseMode, 'none'>, { from: string; to: string }> = {
  t2s: { from: 't', to: 'cn' },
  tw2s: { from: 'twp', to: 'cn' },
  hk2s: { from: 'hk', to: 'cn' },
  s2t: { from: 'cn', to: 't' },
};

/** A converter: returns the converted string (the same string object when nothing changes). */
export type ChineseConverter = (s: string) => string;

/** Build the converter of a mode, or null for `none`. */
export function chineseConverter(mode: ChineseMode): ChineseConverter | null {
  if (mode === 'none') return null;
  const convert = loadOpenCC().Converter(LOCALES[mode]);
  // Characters (BMP) the conversion changes on their own: a text with none of them is left as is.
  const hit = new Uint8Array(65536);
  const ranges: [number, number][] = [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
  ];
  for (const [a, b] of ranges) {
    for (let c = a; c <= b; c++) {
      const ch = String.fromCharCode(c);
      if (convert(ch) !== ch) hit[c] = 1;
    }
  }
  return (s: string) => {
    let any = false;
    for (let i = 0; i < s.length; i++) {
      if (hit[s.charCodeAt(i)] === 1) {
        any = true;
        break;
      }
    }
    if (!any) return s;
    const out = convert(s);
    return out === s ? s : out;
  };
}
