/**
 * Character classes for the quality analyser, as one byte per UTF-16 code unit.
 *
 * The hot loops classify a character with one typed-array read instead of a regex. The table is
 * made by 65,536 regex tests (`buildCharTable`: ~40 ms of CPU, a sixth of a short command's
 * start-up). `npm run build` writes it once to dist/stages/quality/char-class.bin
 * (scripts/char-classes.mjs) under a key naming the ICU and Unicode versions and the version of
 * the code that makes it (CHAR_TABLE_VERSION); a process whose key matches reads those 64 KiB
 * instead, any other builds the table as before, so the classes are the ones this Node's regexes give.
 */
import { readFileSync } from 'node:fs';
import { tableChecksum } from '../../core/tableChecksum.js';

/** A letter (Unicode `L`): Python's `str.isalpha()` is true for these. */
export const LETTER = 1;
/** A decimal or other number (Unicode `N`). */
export const DIGIT = 2;
/** A combining mark (Unicode `M`): part of the word it follows. */
export const MARK = 4;
/** Punctuation or symbol (Unicode `P` or `S`): a token of its own. */
export const PUNCT = 8;
/** White space (Unicode `White_Space`, plus the C0/C1 controls). */
export const SPACE = 16;
/** A CJK ideograph, kana or bopomofo character: one token per character, like a word. */
export const CJK = 32;
/** A UTF-16 high surrogate: classify the full code point with `classOfCodePoint`. */
export const HIGH_SURROGATE = 64;

const reLetter = /\p{L}/u;
const reDigit = /\p{N}/u;
const reMark = /\p{M}/u;
const rePunct = /[\p{P}\p{S}]/u;
const reSpace = /[\p{White_Space}\p{Cc}]/u;
const reCjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u;

/** Class bits of any code point (used for astral characters, and to build the table). */
export function classOfCodePoint(cp: number): number {
  const s = String.fromCodePoint(cp);
  let c = 0;
  if (reSpace.test(s)) c |= SPACE;
  else if (reLetter.test(s)) c |= LETTER;
  else if (reDigit.test(s)) c |= DIGIT;
  else if (reMark.test(s)) c |= MARK;
  else if (rePunct.test(s)) c |= PUNCT;
  if (reCjk.test(s) && (c & LETTER) !== 0) c |= CJK;
  return c;
}

/** The table as the regexes give it (see the module comment). */
export function buildCharTable(): Uint8Array {
  const t = new Uint8Array(65536);
  for (let cp = 0; cp < 65536; cp++) {
    if (cp >= 0xd800 && cp <= 0xdbff) t[cp] = HIGH_SURROGATE;
    else if (cp >= 0xdc00 && cp <= 0xdfff) t[cp] = 0; // a stray low surrogate: no class, part of a word
    else t[cp] = classOfCodePoint(cp);
  }
  // Ideographic iteration mark and the like are CJK word characters in running text.
  t[0x3005] = LETTER | CJK;
  t[0x3007] = LETTER | CJK;
  return t;
}

/**
 * The version of the table's making: raise it when the regexes, `classOfCodePoint`,
 * `buildCharTable` or the class bits change. `npm run build` writes the table again at every
 * build; test/stages/quality/presetCache.test.ts fails when the built file differs from what the
 * sources make. (The key hashed the functions' source text until the bundled CLI: esbuild
 * reprints that text, and the bundle then built the table at every start.)
 */
export const CHAR_TABLE_VERSION = 1;

/** What the table depends on: this Node's ICU and Unicode versions and the code that makes it. */
export function charTableKey(): string {
  return `corpus-clean char classes v${CHAR_TABLE_VERSION}; icu ${process.versions.icu}; unicode ${process.versions.unicode}`;
}

/** Bytes of the built file's header: the key and the table's checksum, padded with spaces. */
export const CHAR_TABLE_HEADER = 128;

/** The built file's header text for `table` under `key`. */
const charTableHead = (table: Uint8Array, key: string): string => `${key}; table ${tableChecksum([table])}`;

/** The built file's bytes for `table` (header, then one byte per code unit). */
export function charTableFile(table: Uint8Array, key = charTableKey()): Buffer {
  const head = Buffer.alloc(CHAR_TABLE_HEADER, 0x20);
  head.write(charTableHead(table, key), 'latin1');
  return Buffer.concat([head, table]);
}

/**
 * The table in a built file's bytes when its key is `key`, its size is right and its contents
 * match the checksum in its header, else undefined.
 */
export function charTableOf(file: Buffer, key = charTableKey()): Uint8Array | undefined {
  if (file.length !== CHAR_TABLE_HEADER + 65536) return undefined;
  const table = new Uint8Array(file.buffer, file.byteOffset + CHAR_TABLE_HEADER, 65536);
  if (file.toString('latin1', 0, CHAR_TABLE_HEADER).trimEnd() !== charTableHead(table, key)) return undefined;
  return table;
}

function loadTable(): Uint8Array {
  let file: Buffer | undefined;
  try {
    file = readFileSync(new URL('./char-class.bin', import.meta.url));
  } catch {
    // not built (run from the sources, or a build without the script): made here
  }
  return (file !== undefined ? charTableOf(file) : undefined) ?? buildCharTable();
}

/** Class bits by UTF-16 code unit. */
export const CHAR_CLASS: Uint8Array = loadTable();
