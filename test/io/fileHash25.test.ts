import { createHash, randomBytes } from 'node:crypto';
import { symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileSha256, sha256Hex } from '../../src/io/fileHash.js';
import { tempDir } from '../helpers/run.js';

// The plan's side files (a stage module, the files it imports, a url-filter list) were hashed three
// ways in three places (the plan, the run's check of a module before its import, a worker's): one
// helper now, which reads only a regular file, in pieces, up to a size.
describe('fileSha256: the SHA-256 of a side file', () => {
  let dir: string;
  const big = randomBytes((3 << 20) + 12345);
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'small.txt'), 'hello\n');
    await writeFile(join(dir, 'big.bin'), big);
    await writeFile(join(dir, 'empty'), '');
    await symlink('/dev/zero', join(dir, 'zero.mjs'));
    await writeFile(join(dir, 'sparse'), '');
    await truncate(join(dir, 'sparse'), 5 << 20);
  });

  it('is the SHA-256 of the bytes, of a file read in several pieces too', () => {
    expect(fileSha256(join(dir, 'small.txt'))).toBe(createHash('sha256').update('hello\n').digest('hex'));
    expect(fileSha256(join(dir, 'big.bin'))).toBe(createHash('sha256').update(big).digest('hex'));
    expect(fileSha256(join(dir, 'empty'))).toBe(sha256Hex(Buffer.alloc(0)));
    expect(fileSha256(Buffer.from(join(dir, 'small.txt')))).toBe(sha256Hex(Buffer.from('hello\n')));
  });

  it('refuses what is not a regular file, or more than the size given, without reading it', () => {
    expect(() => fileSha256(join(dir, 'zero.mjs'))).toThrow('it is a character device (such as /dev/zero), not a file');
    expect(() => fileSha256(dir)).toThrow('it is a folder, not a file');
    expect(() => fileSha256(join(dir, 'sparse'), 4 << 20)).toThrow('it holds 5 MiB, more than the 4 MiB such a file may hold');
    expect(() => fileSha256(join(dir, 'gone'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
