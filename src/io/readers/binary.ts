import { startsZstd } from '../magic.js';

/**
 * Whether the bytes of a page are a binary file rather than HTML: an executable, a PDF, an
 * image or an archive served (or saved) under an HTML name or a `text/html` header. Decoded as
 * text, such bytes become a record full of NULs and replacement characters.
 *
 * Two tests: a known magic number at the start, or a NUL byte in the first 8,000 bytes (git's
 * test for a binary file; no HTML has one), except in UTF-16, where every ASCII character
 * carries a NUL byte.
 */

const MAGIC: Array<[string, number[]]> = [
  ['ELF executable', [0x7f, 0x45, 0x4c, 0x46]],
  ['PDF document', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['PNG image', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['JPEG image', [0xff, 0xd8, 0xff]],
  ['ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip data', [0x1f, 0x8b]],
  ['zstd data', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Bytes looked at for a NUL (git's buffer_is_binary looks at the first 8,000). */
const NUL_WINDOW = 8000;

/** What binary the bytes are (`ELF executable`, `NUL bytes`, ...), or null for text. `charset`: the one the page was decoded with. */
export function binaryKind(bytes: Uint8Array, charset?: string): string | null {
  for (const [kind, magic] of MAGIC) if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return kind;
  if (startsZstd(bytes)) return 'zstd data';
  if (charset !== undefined && charset.toLowerCase().startsWith('utf-16')) return null;
  const n = Math.min(bytes.length, NUL_WINDOW);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return 'NUL bytes';
  return null;
}

/**
 * Whether a whole text file is binary: a magic number at its start, or a NUL byte anywhere
 * (`offset`: the first). Unlike a page, a text file is read whole, so a zeroed stretch deep in
 * it (a crash after a size-extending write) is found too; `indexOf` makes that one fast scan.
 */
export function textBinaryKind(bytes: Buffer): { kind: string; offset?: number } | null {
  for (const [kind, magic] of MAGIC) if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return { kind };
  if (startsZstd(bytes)) return { kind: 'zstd data' };
  const nul = bytes.indexOf(0);
  return nul < 0 ? null : { kind: 'NUL bytes', offset: nul };
}
