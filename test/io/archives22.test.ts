import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isTarHeader, unreadKind, unreadUndecided } from '../../src/io/magic.js';
import { unreadContentKind } from '../../src/io/inputs.js';
import { zstdEncoder } from '../../src/io/zstdEncode.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 22 A10: a .tar.gz read as JSON Lines (on stdin with no flag, or named with the
// --format that the 'cannot tell the format' message advised) lost the first record of every
// member: the member's 512-byte tar header was glued to its first line, one json_parse reject,
// exit 0. A tar (found by its header after any gzip/zstd layer), a zip, xz, bzip2 and lz4 are now
// refused by their content: a named file before anything is read (exit 2), stdin as its file's
// error (nothing of it read, exit 1); a named .xz/.bz2/.tar.gz gets the folder walk's advice.

/** A ustar archive of `files` (as tar writes one: a header block each, data padded to 512, two zero blocks). */
function tarOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const h = Buffer.alloc(512);
    h.write(name, 0, 'latin1');
    h.write('0000644\0', 100, 'latin1');
    h.write('0001750\0', 108, 'latin1');
    h.write('0001750\0', 116, 'latin1');
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    h.write('14725737426\0', 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h.write('0', 156, 'latin1');
    h.write('ustar\0' + '00', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const lines = (prefix: string, n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${prefix} record ${i} with some words in it` }) + '\n').join('');
/** Two members of 50 records each. */
const TAR = tarOf({ 'weibo.jsonl': lines('weibo', 50), 'douban.jsonl': lines('douban', 50) });
// `printf '{"text":"hello"}\n' | xz` and `| bzip2`, `| lz4`.
const XZ = Buffer.from('/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAQeyJ0ZXh0IjoiaGVsbG8ifQoAAAAA50/wwPnVotgAASkRMgpwDh+2830BAAAAAARZWg==', 'base64');
const BZ2 = Buffer.from('QlpoOTFBWSZTWe3SIPAAAAfZgAAQEAAAEAJEhEogADEA000EDQaaI0uw3J5kAp8XckU4UJDt0iDw', 'base64');
const LZ4 = Buffer.from('BCJNGGRApxEAAIB7InRleHQiOiJoZWxsbyJ9CgAAAAB1OmdO', 'base64');

/** A JSON Lines record whose text puts 'ustar' at byte 257 (Spanish 'gustar'), as a tar's magic is. */
function gustarLine(): Buffer {
  const head = '{"text":"';
  const pad = 'a'.repeat(257 - head.length - 1);
  return Buffer.from(`${head}${pad}gustar mucho"}\n${JSON.stringify({ text: 'second' })}\n`);
}

describe('magic numbers of what is not read (A10)', () => {
  it('a tar header is told by its ustar magic and checksum; text holding "ustar" at byte 257 is not one', () => {
    expect(isTarHeader(TAR)).toBe(true);
    expect(unreadKind(TAR)).toBe('tar');
    const g = gustarLine();
    expect(g.subarray(257, 262).toString()).toBe('ustar');
    expect(unreadKind(g)).toBeUndefined();
    // A damaged checksum: not taken for a tar (its reader would say what the bytes are).
    const bad = Buffer.from(TAR);
    bad[0] ^= 1;
    expect(isTarHeader(bad)).toBe(false);
    expect([unreadKind(XZ), unreadKind(BZ2), unreadKind(LZ4), unreadKind(Buffer.from('PK\x03\x04rest', 'latin1'))]).toEqual(['xz', 'bzip2', 'lz4', 'zip']);
    expect(unreadKind(Buffer.from(lines('x', 20)))).toBeUndefined();
  });

  it('a reader waits for more bytes only while they may start an archive or a compression', () => {
    expect(unreadUndecided(Buffer.from('{"text":"a"}\n'))).toBe(false);
    expect(unreadUndecided(TAR.subarray(0, 300))).toBe(true);
    expect(unreadUndecided(XZ.subarray(0, 3))).toBe(true);
    expect(unreadUndecided(TAR)).toBe(false);
  });

  it('unreadContentKind looks under a gzip and a zstd layer', async () => {
    const dir = await tempDir();
    const zstd = await zstdEncoder();
    await writeFile(join(dir, 'a.tar.gz'), gzipSync(TAR));
    await writeFile(join(dir, 'a.tar.zst'), zstd(TAR));
    await writeFile(join(dir, 'w.jsonl.gz'), gzipSync(lines('w', 30)));
    await writeFile(join(dir, 'g.jsonl'), gustarLine());
    expect(await unreadContentKind(join(dir, 'a.tar.gz'))).toEqual({ kind: 'tar', layer: 'gzip' });
    expect(await unreadContentKind(join(dir, 'a.tar.zst'))).toEqual({ kind: 'tar', layer: 'zstd' });
    expect(await unreadContentKind(join(dir, 'w.jsonl.gz'))).toBeUndefined();
    expect(await unreadContentKind(join(dir, 'g.jsonl'))).toBeUndefined();
  });
});

describe('an archive or an unread compression is refused, named or on stdin (A10)', () => {
  it('a named .tar.gz: the walk\'s advice, with or without --format; nothing is written', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'data.tar.gz'), gzipSync(TAR));
    await writeFile(join(dir, 'data.tar.zst'), (await zstdEncoder())(TAR));
    // Named with a data name: its content decides, not its name.
    await writeFile(join(dir, 'misnamed.jsonl.gz'), gzipSync(TAR));
    for (const args of [['data.tar.gz'], ['data.tar.gz', '--format', 'jsonl'], ['data.tar.zst', '--format', 'jsonl'], ['misnamed.jsonl.gz']]) {
      const r = await runCli(['cat', ...args, '-o', 'out.jsonl'], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/holds a tar archive \((gzip|zstd)-compressed\), found by its content: an archive is not read.*unpack it \(tar xf '/);
      expect(r.stderr).not.toContain('give --format');
      expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    }
  });

  it('a tar.gz on stdin, with no flag or --format jsonl: its error, nothing read as records, exit 1 (was: one record per member lost, exit 0)', async () => {
    const dir = await tempDir();
    for (const extra of [[], ['--format', 'jsonl']]) {
      const r = await runCli(['cat', ...extra, '-o', 'out.jsonl', '--rejects', 'rej.jsonl', '--overwrite'], { cwd: dir, input: gzipSync(TAR) });
      expect(r.code, extra.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/error: -: a tar archive, found by its content: an archive is not read.*unpack the archive/);
      expect(r.stderr).toContain('written 0');
    }
  });

  it('xz, bzip2, lz4 and zip: named (whatever --format) and on stdin, said by name; the names of the walk named', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'w.jsonl.xz'), XZ);
    await writeFile(join(dir, 'w.jsonl.bz2'), BZ2);
    await writeFile(join(dir, 'w.jsonl.lz4'), LZ4);
    await writeFile(join(dir, 'w.zip'), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)]));
    for (const [file, said] of [['w.jsonl.xz', /holds xz-compressed data, found by its content: xz is not read; decompress it \(xz -dc 'w.jsonl.xz' > NAME\)/], ['w.jsonl.bz2', /bzip2 is not read/], ['w.jsonl.lz4', /lz4 is not read/], ['w.zip', /holds a zip archive.*unzip 'w.zip'/]] as const) {
      for (const extra of [[], ['--format', 'jsonl']]) {
        const r = await runCli(['cat', file, ...extra, '-o', '/dev/null'], { cwd: dir });
        expect(r.code, `${file} ${extra.join(' ')}`).toBe(2);
        expect(r.stderr).toMatch(said);
      }
    }
    const r = await runCli(['cat', '-o', '/dev/null'], { cwd: dir, input: XZ });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('-: xz-compressed data, found by its content: xz is not read; decompress it in the pipe (xz -dc FILE | corpus-clean ...)');
    // Brotli has no magic number: its name says it, as in a folder (was: 'give --format').
    await writeFile(join(dir, 'w.jsonl.br'), Buffer.from([0x1b, 0x10, 0x00, 0x00]));
    const br = await runCli(['cat', 'w.jsonl.br', '-o', '/dev/null'], { cwd: dir });
    expect(br.code).toBe(2);
    expect(br.stderr).toContain("cannot read 'w.jsonl.br': brotli is not read: decompress it (brotli -dc) or pipe it in");
  });

  it('JSON Lines holding "ustar" at byte 257 are read whole, named and on stdin', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'g.jsonl'), gustarLine());
    const named = await runCli(['cat', 'g.jsonl'], { cwd: dir });
    expect(named.code).toBe(0);
    expect(named.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    const piped = await runCli(['cat'], { cwd: dir, input: gustarLine() });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(named.stdout);
  });
});
