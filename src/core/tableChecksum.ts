import { crc32 } from '../io/crc32.js';

/**
 * The checksum of a table written at build time (dist/stages/quality/char-class.bin,
 * dist/stages/dedup/shingle-units.bin), stored in the file's header and compared when the file is
 * read: a file damaged with its size and key intact (a flipped bit, a partial copy padded, a hand
 * edit) is then built again instead of silently changing what the stages decide (hostile 19 F3).
 *
 * CRC-32 of the tables' bytes, one after the other (zlib's, native since Node 20.15: ~0.1 ms for
 * the 512 KiB of shingle tables; it finds every damage of up to 32 bits in a row and misses other
 * damage once in 2^32). It was SHA-256 through node:crypto, which `dedup` and `quality` then
 * loaded at every start only for this (issue #16, twentieth pass: loading node:crypto and hashing
 * the 576 KiB were ~27 M instructions of a 1 KB command's ~450 M above Node's own start).
 */
export function tableChecksum(tables: readonly (Uint8Array | Int32Array)[]): string {
  let c = 0;
  for (const t of tables) c = crc32(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), c);
  return `crc32 ${c.toString(16).padStart(8, '0')}`;
}
