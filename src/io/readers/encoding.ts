import { table } from '../../core/own.js';
import { charsetOfNonUtf8 } from '../../stages/extract/charset.js';

/** Bytes of an `invalid_utf8` record looked at to name its charset (enough for a few hundred characters). */
const LOOK_BYTES = 4096;

/** `invalid_utf8` records of one file whose charset is guessed (`FileStats.encodings`); the rest are only counted. */
export const ENCODING_SAMPLES = 100;

/**
 * The charset an `invalid_utf8` reject's bytes (its `raw_base64`) read plainly in, or `unknown`:
 * see `charsetOfNonUtf8`. Only the first few KiB are decoded.
 */
export function charsetOfReject(rawBase64: string): string {
  const bytes = Buffer.from(rawBase64.slice(0, Math.ceil(LOOK_BYTES / 3) * 4), 'base64');
  return charsetOfNonUtf8(bytes) ?? 'unknown';
}

/** What a charset is, and its name for `iconv -f`. */
const CHARSETS: Record<string, [string, string]> = table({
  gb18030: ['GB18030 (Chinese: GBK, GB2312)', 'GB18030'],
  gbk: ['GBK (Chinese)', 'GB18030'],
  big5: ['Big5 (Traditional Chinese)', 'BIG5'],
  shift_jis: ['Shift_JIS (Japanese)', 'SHIFT_JIS'],
  'euc-jp': ['EUC-JP (Japanese)', 'EUC-JP'],
  'euc-kr': ['EUC-KR (Korean)', 'EUC-KR'],
  'windows-1252': ['windows-1252 (Latin-1, Western European)', 'WINDOWS-1252'],
  'windows-1251': ['windows-1251 (Cyrillic)', 'WINDOWS-1251'],
});

/** How a charset is named to a person, and to `iconv -f`. */
export function charsetNames(charset: string): { label: string; iconv: string } {
  const c = CHARSETS[charset];
  return c ? { label: c[0], iconv: c[1] } : { label: charset, iconv: charset.toUpperCase() };
}

/**
 * The charset most of a file's sampled `invalid_utf8` records read in (over half of them), from
 * `FileStats.encodings`; undefined when none does.
 */
export function likelyCharset(encodings: Readonly<Record<string, number>> | undefined): string | undefined {
  if (encodings === undefined) return undefined;
  let total = 0;
  let best: [string, number] | undefined;
  for (const [c, n] of Object.entries(encodings)) {
    total += n;
    if (c !== 'unknown' && (best === undefined || n > best[1])) best = [c, n];
  }
  return best !== undefined && best[1] * 2 > total ? best[0] : undefined;
}
