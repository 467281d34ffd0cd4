import { createHash, type Hash } from 'node:crypto';

/**
 * WARC-Block-Digest checking (WARC 1.1 §5.8: `algorithm:value`, the digest of the record's whole
 * block, the Content-Length bytes after the WARC headers; the value base32, as Common Crawl and
 * warcio write it for sha1, or hex). In an uncompressed WARC nothing else covers those bytes: a
 * flipped bit in a page changed its text with exit 0 (hostile review 7 F12). A `.warc.gz` member
 * carries gzip's CRC-32 over the same bytes, so the block digest is checked only where the bytes
 * reach the reader as they are in the file (see `BlockTap`).
 */

/** Node's name and digest length of a WARC digest algorithm label, or null for one not checked. */
const ALGORITHMS: Record<string, [string, number]> = {
  sha1: ['sha1', 20],
  sha256: ['sha256', 32],
  sha512: ['sha512', 64],
  sha384: ['sha384', 48],
  md5: ['md5', 16],
};

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(s: string): Buffer | null {
  const t = s.toUpperCase().replace(/=+$/, '');
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const c of t) {
    const v = B32.indexOf(c);
    if (v < 0) return null;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** What a record's WARC-Block-Digest asks for: the hash to make and the bytes it must come to. */
export interface BlockDigest {
  /** The header's value as written. */
  said: string;
  algorithm: string;
  hash: Hash;
  want: Buffer;
  /** How `want` was written (the computed digest is said the same way). */
  encoding: 'base32' | 'hex';
}

/** The check a WARC-Block-Digest value asks for, or null when it cannot be checked (absent, another algorithm, a value of the wrong length). */
export function blockDigest(value: string | null | undefined): BlockDigest | null {
  if (value === null || value === undefined) return null;
  const m = /^\s*([A-Za-z0-9-]+)\s*:\s*(\S+)\s*$/.exec(value);
  if (m === null) return null;
  const alg = ALGORITHMS[m[1].toLowerCase().replace(/-/g, '')];
  if (alg === undefined) return null;
  const [name, bytes] = alg;
  const v = m[2];
  let want: Buffer | null = null;
  let encoding: BlockDigest['encoding'] = 'base32';
  if (v.length === bytes * 2 && /^[0-9a-f]+$/i.test(v)) {
    want = Buffer.from(v, 'hex');
    encoding = 'hex';
  } else if (v.replace(/=+$/, '').length === Math.ceil((bytes * 8) / 5)) want = base32(v);
  if (want === null || want.length !== bytes) return null;
  return { said: value.trim(), algorithm: m[1], hash: createHash(name), want, encoding };
}

/** The digest a finished hash came to, written as the header wrote its own. */
function written(d: BlockDigest, got: Buffer): string {
  if (d.encoding === 'hex') return `${d.algorithm}:${got.toString('hex')}`;
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of got) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return `${d.algorithm}:${out}`;
}

/** Bytes past the block being checked that a tap keeps for the next one (its headers, read ahead) before it gives up on checking it. */
const KEEP_AHEAD = 8 << 20;

/**
 * The bytes of an uncompressed WARC as the parser pulls them (`add`, with their offset in the
 * stream), fed to the digest of the record whose block they belong to (`start`), so a block is
 * hashed as it passes, whatever its size: nothing but the parser's read-ahead is kept. `finish`
 * says whether the block came to its digest.
 */
export class BlockTap {
  private chunks: Buffer[] = [];
  /** Stream offset of chunks[0][0]. */
  private from = 0;
  private end = 0;
  private cur: { pos: number; to: number; digest: BlockDigest | null } | null = null;

  add(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.end += b.length;
    this.feed();
  }

  /** The block of the record just parsed: stream bytes [at, at + length), checked against `digest` (null: only passed over). */
  start(at: number, length: number, digest: BlockDigest | null): void {
    // Bytes before the block were the record's headers; a block whose start is no longer here
    // (the headers before it ran past what is kept) cannot be checked.
    this.cur = { pos: at, to: at + length, digest: at >= this.from ? digest : null };
    this.feed();
  }

  /**
   * The block of the record started last is over: null when it came to its digest (or had none
   * checked), else what it came to. Bytes of the block not seen (a record cut short, handled as
   * such by the reader) leave it unchecked.
   */
  finish(): { said: string; got: string } | null {
    const c = this.cur;
    this.cur = null;
    if (c === null || c.digest === null || c.pos !== c.to) return null;
    const got = c.digest.hash.digest();
    return got.equals(c.digest.want) ? null : { said: c.digest.said, got: written(c.digest, got) };
  }

  private feed(): void {
    const c = this.cur;
    let at = this.from;
    let drop = 0;
    for (const b of this.chunks) {
      const bEnd = at + b.length;
      if (c !== null && c.pos < c.to && bEnd > c.pos && at <= c.pos) {
        const piece = b.subarray(c.pos - at, Math.min(b.length, c.to - at));
        c.digest?.hash.update(piece);
        c.pos += piece.length;
      }
      // What lies before the block being hashed (or, once it is whole, before its end) is done with.
      const keepFrom = c === null ? -1 : c.pos < c.to ? c.pos : c.to;
      if (bEnd <= keepFrom) drop++;
      at = bEnd;
    }
    if (drop > 0) {
      for (const b of this.chunks.splice(0, drop)) this.from += b.length;
    }
    // Read-ahead past a whole block (the next record's headers): kept up to a limit.
    while (this.chunks.length > 1 && this.end - this.from > KEEP_AHEAD) this.from += this.chunks.shift()!.length;
  }
}
