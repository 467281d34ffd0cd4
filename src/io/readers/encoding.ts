import { table } from '../../core/own.js';

/** Bytes of an `invalid_utf8` record looked at to name its charset (enough for a few hundred characters). */
const LOOK_BYTES = 4096;

/** `invalid_utf8` records of one file whose charset is guessed (`FileStats.encodings`); the rest are only counted. */
export const ENCODING_SAMPLES = 100;

/** The base64 of an `invalid_utf8` reject's first LOOK_BYTES bytes: what the charset is guessed from. */
const lookedAt = (rawBase64: string): string => rawBase64.slice(0, Math.ceil(LOOK_BYTES / 3) * 4);

/** stages/extract/charset.ts's `charsetOfNonUtf8`, once loaded (see `CharsetCounts`). */
let charsetOfNonUtf8: ((bytes: Uint8Array) => string | undefined) | undefined;
let loading: Promise<void> | undefined;

/** Load the charset guesser (31 KB and two frequency tables), once. */
function loadCharsets(): Promise<void> {
  return (loading ??= import('../../stages/extract/charset.js').then((m) => {
    charsetOfNonUtf8 = m.charsetOfNonUtf8;
  }));
}

/**
 * Counts the charsets of the first ENCODING_SAMPLES `invalid_utf8` rejects of each file into its
 * `encodings` (`FileStats.encodings`), in the order seen: each the charset the reject's bytes (its
 * `raw_base64`; the first few KiB) read plainly in, or `unknown` (`charsetOfNonUtf8`). The guesser loads at the first such
 * reject, not with every command (issue #16, twentieth pass: a UTF-8 input never needs it):
 * until it has, samples wait in order, and are counted when it is in; `settled()` (at the end of
 * a pipeline, or when it fails) waits for the last of them.
 */
export class CharsetCounts {
  private readonly waiting: [{ encodings?: Record<string, number> }, string][] = [];
  private readonly waitingOf = new Map<object, number>();
  private draining: Promise<void> | undefined;

  /** Count the charset of one more `invalid_utf8` reject (`rawBase64`, its bytes) of the file whose stats are `f`. */
  see(f: { encodings?: Record<string, number> }, rawBase64: string): void {
    const seen = (f.encodings ??= {});
    let n = this.waitingOf.get(f) ?? 0;
    for (const k in seen) n += seen[k];
    if (n >= ENCODING_SAMPLES) return;
    if (charsetOfNonUtf8 !== undefined && this.waiting.length === 0) {
      count(seen, charsetOfNonUtf8(Buffer.from(lookedAt(rawBase64), 'base64')) ?? 'unknown');
      return;
    }
    this.waiting.push([f, lookedAt(rawBase64)]);
    this.waitingOf.set(f, (this.waitingOf.get(f) ?? 0) + 1);
    this.draining ??= loadCharsets().then(() => this.drain());
  }

  /** Count the samples waiting for the guesser. */
  private drain(): void {
    for (const [f, b64] of this.waiting) count((f.encodings ??= {}), charsetOfNonUtf8!(Buffer.from(b64, 'base64')) ?? 'unknown');
    this.waiting.length = 0;
    this.waitingOf.clear();
    this.draining = undefined;
  }

  /** Resolves once every sample seen so far is counted. */
  async settled(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }
}

function count(seen: Record<string, number>, c: string): void {
  seen[c] = (seen[c] ?? 0) + 1;
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
