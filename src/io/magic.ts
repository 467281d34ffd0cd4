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

/**
 * Archives and compressions corpus-clean does not read, told by their first bytes (after any gzip
 * or zstd layer is taken off, which the readers decode). Read as text, each becomes lines of
 * garbage: a tar's 512-byte header glued to the first line of every member made one json_parse
 * reject and lost that record, exit 0 (new-user review 22 A10); xz or bzip2 became invalid_utf8
 * rejects with no word of what the bytes were.
 */
export type UnreadKind = 'tar' | 'zip' | '7z' | 'rar' | 'xz' | 'bzip2' | 'lz4';

/** Bytes looked at: one tar block (its header, whose checksum covers all 512). */
export const UNREAD_HEAD = 512;

const startsWith = (b: Uint8Array, magic: readonly number[], at = 0): boolean => b.length >= at + magic.length && magic.every((x, i) => b[at + i] === x);

/**
 * A tar header block at the start of `b`: the 'ustar' magic at byte 257 (POSIX `ustar\0`, GNU
 * `ustar  \0`) and a header checksum that adds up (the sum of the 512 bytes with the checksum
 * field, bytes 148-155, counted as spaces; written in octal). The checksum keeps a text that
 * holds "ustar" at byte 257 (Spanish "gustar") from being taken for one.
 */
export function isTarHeader(b: Uint8Array): boolean {
  if (b.length < 512) return false;
  if (startsWith(b, [0x75, 0x73, 0x74, 0x61, 0x72], 257)) {
    if (b[262] !== 0 && b[262] !== 0x20) return false;
  } else if (!isV7Header(b)) return false;
  const field = Buffer.from(b.buffer, b.byteOffset + 148, 8).toString('latin1');
  const m = /^[ \0]*([0-7]{1,7})[ \0]*$/.exec(field);
  if (m === null) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i];
  return sum === parseInt(m[1], 8);
}

/**
 * A pre-POSIX (v7) tar header, which has no magic (hostile review 23 A10a: `tar --format=v7` was
 * read as JSONL, each member's first record glued to its header): a name, then mode, uid, gid,
 * size and mtime as octal numbers, a type flag of v7's ('0'-'7' or NUL), no magic nor names after
 * the link name; with the checksum (checked by the caller) no text passes for one.
 */
function isV7Header(b: Uint8Array): boolean {
  if (b[0] === 0) return false;
  // No magic nor owner names after the link name; GNU tar fills the device numbers in, in octal.
  for (let i = 257; i < 512; i++) if (b[i] !== 0 && b[i] !== 0x20 && !(b[i] >= 0x30 && b[i] <= 0x37)) return false;
  for (const [at, len] of [[100, 8], [108, 8], [116, 8], [124, 12], [136, 12]] as const) {
    const f = Buffer.from(b.buffer, b.byteOffset + at, len).toString('latin1');
    if (!/^[ \0]*[0-7]+[ \0]*$/.test(f)) return false;
  }
  return b[156] === 0 || (b[156] >= 0x30 && b[156] <= 0x37);
}

/** What the first bytes of a (decompressed) stream are, when corpus-clean does not read it; else undefined. */
export function unreadKind(b: Uint8Array): UnreadKind | undefined {
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  // "BZh", a block size 1-9, then a block's magic (pi) or the end-of-stream magic (sqrt pi) of an empty stream.
  if (startsWith(b, [0x42, 0x5a, 0x68]) && b.length >= 10 && b[3] >= 0x31 && b[3] <= 0x39 && (startsWith(b, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(b, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4))) return 'bzip2';
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(b, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'rar';
  if (startsWith(b, [0x04, 0x22, 0x4d, 0x18])) return 'lz4';
  if (isTarHeader(b)) return 'tar';
  return undefined;
}

const ARCHIVES: Readonly<Record<'tar' | 'zip' | '7z' | 'rar', string>> = { tar: 'tar xf', zip: 'unzip', '7z': '7z x', rar: 'unrar x' };
const COMPRESSORS: Readonly<Record<'xz' | 'bzip2' | 'lz4', string>> = { xz: 'xz -dc', bzip2: 'bzip2 -dc', lz4: 'lz4 -dc' };

/**
 * What `kind` is and what to do, as the folder walk says it for such a name ('an archive is not
 * read: unpack it ...'). `name`: the file as shown, or undefined for stdin. `layer`: the
 * compression taken off before it was found ('gzip', 'zstd'), if any.
 */
export function unreadAdvice(kind: UnreadKind, name: string | undefined, layer?: string): string {
  const inside = layer === undefined ? '' : ` (${layer}-compressed)`;
  const file = name === undefined ? 'FILE' : `'${name}'`;
  if (kind in ARCHIVES) {
    const tool = ARCHIVES[kind as keyof typeof ARCHIVES];
    const what = kind === 'tar' ? 'a tar archive' : `a ${kind === '7z' ? '7z' : kind === 'rar' ? 'RAR' : 'zip'} archive`;
    const unpack = name === undefined ? `unpack the archive (${tool} ARCHIVE) and give its files or their folder` : `unpack it (${tool} ${file}) and give its files or their folder`;
    return `${what}${inside}, found by its content: an archive is not read, its members' headers would be read as records; ${unpack}`;
  }
  const tool = COMPRESSORS[kind as keyof typeof COMPRESSORS];
  const how = name === undefined ? `decompress it in the pipe (${tool} FILE | corpus-clean ...)` : `decompress it (${tool} ${file} > NAME) or pipe it in (${tool} ${file} | corpus-clean ...)`;
  return `${kind}-compressed data${inside}, found by its content: ${kind} is not read; ${how}`;
}

const MAGICS: ReadonlyArray<readonly number[]> = [
  [0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x42, 0x5a, 0x68],
  [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], [0x04, 0x22, 0x4d, 0x18],
];

/**
 * Whether more bytes than `b` (the start of a stream) may change what `unreadKind` says: `b` is a
 * start of one of its magics, or may be the start of a tar header (no line end in the name
 * field, octal digits in the mode field, 'ustar' so far at byte 257). A reader waits for more
 * only then: a slow stream of JSON Lines is handed on as it comes, not after 512 bytes.
 */
export function unreadUndecided(b: Uint8Array): boolean {
  if (b.length >= UNREAD_HEAD) return false;
  if (b.length < 10 && MAGICS.some((m) => m.every((x, i) => i >= b.length || b[i] === x))) return true;
  for (let i = 0; i < Math.min(b.length, 100); i++) if (b[i] === 0x0a) return false;
  for (let i = 100; i < Math.min(b.length, 108); i++) if (!(b[i] === 0 || b[i] === 0x20 || (b[i] >= 0x30 && b[i] <= 0x37))) return false;
  const ustar = [0x75, 0x73, 0x74, 0x61, 0x72];
  // 'ustar' there, or NULs (a v7 header has no magic).
  for (let i = 257; i < Math.min(b.length, 262); i++) if (b[i] !== ustar[i - 257] && b[i] !== 0) return false;
  return true;
}
