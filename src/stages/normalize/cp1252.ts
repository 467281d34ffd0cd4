/**
 * Windows-1252 (cp1252) as a byte ↔ character table, written out here so that mojibake repair
 * does not depend on a decoder library. Bytes 0x00–0x7F and 0xA0–0xFF are the same as Latin-1;
 * only 0x80–0x9F differ. Five of those (0x81, 0x8D, 0x8F, 0x90, 0x9D) are undefined in cp1252;
 * decoders that fall back to Latin-1 turn them into the C1 controls U+0081 etc., so the reverse
 * table accepts those controls as the same bytes.
 */

/** The characters cp1252 puts at bytes 0x80–0x9F; `0` where the byte is undefined. */
export const CP1252_HIGH: readonly number[] = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

// Byte for every UTF-16 code unit (-1: none); a typed array, since repair scans every character.
const BYTE_OF = new Int16Array(0x10000).fill(-1);
for (let c = 0; c <= 0xff; c++) BYTE_OF[c] = c; // 0x80–0x9F: the Latin-1 fallback controls
CP1252_HIGH.forEach((cp, i) => {
  if (cp !== 0) BYTE_OF[cp] = 0x80 + i;
});

/**
 * The byte a character came from if text was decoded as cp1252 (or Latin-1 for the five
 * undefined bytes), or -1 when no single byte decodes to it.
 */
export function cp1252Byte(code: number): number {
  return BYTE_OF[code];
}

/** The character cp1252 decodes a byte to (Latin-1 for the five undefined bytes). */
export function cp1252Char(byte: number): number {
  if (byte >= 0x80 && byte <= 0x9f) return CP1252_HIGH[byte - 0x80] || byte;
  return byte;
}

/** Encode text as cp1252 bytes, as a tool that mis-decoded UTF-8 would have read them; null when a character has no byte. */
export function encodeCp1252(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = cp1252Byte(s.charCodeAt(i));
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}

/** Decode bytes as cp1252 (Latin-1 for the undefined bytes): how mojibake is made. */
export function decodeCp1252(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(cp1252Char(b));
  return s;
}
