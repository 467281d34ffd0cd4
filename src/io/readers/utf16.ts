/**
 * UTF-16 and UTF-32 files, told by their byte-order mark, for the line and text readers (JSONL,
 * JSON, CSV/TSV, plain text). Those readers split bytes on 0x0A and check UTF-8, so a UTF-16 file
 * used to come out as one `invalid_utf8` or `json_parse` reject per line (every other byte is 0x00)
 * and the reason was never named. It is now one file error naming the encoding and the command
 * that converts it; nothing of the file is read. The readers do not transcode it themselves: an
 * executor splits a JSONL file into byte ranges at 0x0A bytes, which in UTF-16 fall inside
 * characters, and the `file:line` sources and byte counts would no longer match the file.
 * The HTML reader does not use this: it decodes a UTF-16 page by its byte-order mark.
 */

import { unreadAdvice, unreadKind, unreadUndecided } from '../magic.js';

/** The encoding a byte-order mark at the start of `b` names, when it is not UTF-8's; else undefined. */
export function wideBom(b: Uint8Array): string | undefined {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'UTF-32LE';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32BE';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'UTF-16LE';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'UTF-16BE';
  return undefined;
}

/** The file error of a UTF-16/UTF-32 file. */
export function wideBomMessage(encoding: string): string {
  const family = encoding.slice(0, 6);
  return `${encoding} file (byte-order mark at its start): this reader takes UTF-8; convert it with iconv -f ${family} -t UTF-8`;
}

/**
 * The chunks of a file, unchanged, unless the file starts with a UTF-16 or UTF-32 byte-order mark:
 * then an Error naming it is thrown before any chunk is handed on (the readers' loop turns it into
 * the file's error, as for damage). The same for an archive or a compression that is not read
 * (a tar, once a gzip layer is taken off: new-user review 22 A10; magic.ts unreadKind), on stdin
 * too. The first bytes are gathered across chunks if they are small: 4, or up to 512 while they
 * may be the start of one of those (magic.ts unreadUndecided).
 */
export async function* refuseWideBom(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer[] = [];
  let n = 0;
  for await (const c of chunks) {
    if (c.length === 0) {
      // A gap chunk (a damaged stretch read past, zstd.ts): what came before it goes first.
      if (n > 0) {
        const all = Buffer.concat(head);
        check(all);
        head = [];
        n = -1;
        yield all;
      }
      yield c;
      continue;
    }
    if (head.length === 0 && n === 0 && c.length >= 4 && !unreadUndecided(c)) {
      check(c);
      n = -1;
    }
    if (n < 0) {
      yield c;
      continue;
    }
    head.push(c);
    n += c.length;
    if (n < 4) continue;
    const all = Buffer.concat(head);
    if (unreadUndecided(all)) {
      head = [all];
      continue;
    }
    check(all);
    head = [];
    n = -1;
    yield all;
  }
  if (n > 0) {
    const all = Buffer.concat(head);
    check(all);
    yield all;
  }
}

function check(b: Uint8Array): void {
  const wide = wideBom(b);
  if (wide !== undefined) throw new Error(wideBomMessage(wide));
  const kind = unreadKind(b);
  if (kind !== undefined) throw new Error(unreadAdvice(kind, undefined));
}
