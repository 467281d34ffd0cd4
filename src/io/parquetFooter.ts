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
/**
 * The whole `created_by` of files with the footer checksum. The reader checks the entry only in a
 * footer that holds this string after it (`created_by` is serialized after the key-value
 * metadata): a file another tool rewrote keeps our entry in its key-value metadata but says its
 * own `created_by`, and its footer is not ours to check.
 */
export const CREATED_BY_CHECKED = `corpus-clean (hyparquet-writer; page crc, ${FOOTER_CRC_MARK})`;
/** The checksum entry's value when the footer is serialized; the digits replace it. */
export const FOOTER_CRC_PLACEHOLDER = '00000000';

/**
 * Where the 8 hex digits of the footer checksum are in a serialized FileMetaData (the KeyValue
 * struct's value, right after its key: thrift compact BINARY fields `0x18 len bytes`), or -1.
 * The last match counts: FileMetaData serializes the schema and the row groups (column names,
 * statistics: data a record can choose) before the key-value metadata, and after it only
 * `created_by` and column orders, which are ours; so a field named like the entry cannot be taken
 * for it.
 */
export function footerCrcAt(meta: Uint8Array): number {
  const pattern = Buffer.concat([Buffer.from(FOOTER_CRC_KEY), Buffer.from([0x18, 0x08])]);
  const i = Buffer.from(meta.buffer, meta.byteOffset, meta.length).lastIndexOf(pattern);
  return i < 0 || i + pattern.length + 8 > meta.length ? -1 : i + pattern.length;
}

/** Whether a serialized FileMetaData says it was written with the footer checksum (`CREATED_BY_CHECKED` after `from`). */
export function footerChecked(meta: Uint8Array, from = 0): boolean {
  return Buffer.from(meta.buffer, meta.byteOffset, meta.length).indexOf(CREATED_BY_CHECKED, Math.max(0, from)) >= 0;
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
