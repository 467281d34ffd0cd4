import { crc32 } from './crc32.js';

/*
 * The footer checksum of the Parquet files corpus-clean writes. parquet-format checksums pages
 * (PageHeader.crc) but not the footer (FileMetaData), where a flipped byte can rename a column or
 * change a row count unseen; so the writer puts the CRC-32 of the footer's bytes into the
 * footer's own key-value metadata, and the reader checks it. Shared by writer and reader.
 */

/** The key-value metadata entry holding the footer's CRC-32 (8 hex digits) in files corpus-clean writes. */
export const FOOTER_CRC_KEY = 'corpus-clean.footer_crc32';
/** In `created_by` of files whose footer has that entry: its absence then means damage. */
export const FOOTER_CRC_MARK = 'footer crc32';
/** The checksum entry's value when the footer is serialized; the digits replace it. */
export const FOOTER_CRC_PLACEHOLDER = '00000000';

/**
 * Where the 8 hex digits of the footer checksum are in a serialized FileMetaData (the KeyValue
 * struct's value, right after its key: thrift compact BINARY fields `0x18 len bytes`), or -1.
 */
export function footerCrcAt(meta: Uint8Array): number {
  const key = new TextEncoder().encode(FOOTER_CRC_KEY);
  const pattern = [...key, 0x18, 0x08];
  outer: for (let i = 0; i + pattern.length + 8 <= meta.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (meta[i + j] !== pattern[j]) continue outer;
    return i + pattern.length;
  }
  return -1;
}

/**
 * The CRC-32 of a serialized FileMetaData with its checksum digits read as `00000000` (so that
 * the checksum can sit inside what it covers); `at` is where those digits are.
 */
export function footerCrc(meta: Uint8Array, at: number): number {
  const copy = Uint8Array.from(meta);
  copy.fill(0x30, at, at + 8);
  return crc32(copy);
}
