import * as zlib from 'node:zlib';

/** The CRC-32 table (polynomial 0xEDB88320, reflected 0x04C11DB7: gzip's and Parquet's), built on first use. */
let table: Uint32Array | undefined;

/** CRC-32 in JavaScript, for Node releases before 20.15 (which have no `zlib.crc32`); `crc`: of the bytes before. */
function crc32Table(bytes: Uint8Array, crc = 0): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * The standard CRC-32 (gzip's, Parquet's page checksum) of `bytes`, unsigned; zlib's native one
 * where Node has it. `crc`: the CRC of the bytes before them (a CRC taken piece by piece).
 */
export const crc32: (bytes: Uint8Array, crc?: number) => number = native !== undefined ? (b, crc = 0) => native(b, crc) >>> 0 : crc32Table;

/** The JavaScript version, for tests that check it against zlib's. */
export const crc32Js = crc32Table;
