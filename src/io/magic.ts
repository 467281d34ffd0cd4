/**
 * The bytes start a zstd stream: a frame's magic (28 b5 2f fd), or a skippable frame's
 * (0x184D2A50-0x184D2A5F, little-endian), which `pzstd` writes first in every file and the
 * decoder skips (hostile review 8 F27: a pzstd file was read as plain text).
 */
export function startsZstd(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return true;
  return (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18;
}
