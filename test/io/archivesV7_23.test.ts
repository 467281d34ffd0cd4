import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTarHeader, unreadKind, unreadUndecided } from '../../src/io/magic.js';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 A10a: a v7 tar (no 'ustar' magic: `tar --format=v7`) was read as JSON Lines,
// the first record of each member glued to its header and rejected as json_parse, exit 0 (A10's
// bug for this format). It is told by its header: octal fields and a checksum that adds up.
describe('a v7 tar archive', () => {
  it('is told by its header, named or on stdin; a JSONL file is not', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'm'));
    const lines = (k: string): string => Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `${k} record ${i} with some words` }) + '\n').join('');
    await writeFile(join(dir, 'm/p1.jsonl'), lines('first'));
    await writeFile(join(dir, 'm/p2.jsonl'), lines('second'));
    expect(spawnSync('tar', ['--format=v7', '-cf', 'x_v7.tar.jsonl', '-C', 'm', 'p1.jsonl', 'p2.jsonl'], { cwd: dir }).status).toBe(0);
    const tar = await readFile(join(dir, 'x_v7.tar.jsonl'));
    expect(tar.subarray(257, 262).toString('latin1')).not.toBe('ustar');
    expect(isTarHeader(tar.subarray(0, 512))).toBe(true);
    expect(unreadKind(tar.subarray(0, 512))).toBe('tar');
    expect(unreadUndecided(tar.subarray(0, 300))).toBe(true);
    // A header whose checksum does not add up, and JSONL text: not a tar.
    const bad = Buffer.from(tar.subarray(0, 512));
    bad[0] ^= 1;
    expect(isTarHeader(bad)).toBe(false);
    const text = Buffer.from(lines('plain').repeat(3)).subarray(0, 512);
    expect(unreadKind(text)).toBeUndefined();
    expect(unreadUndecided(text.subarray(0, 300))).toBe(false);
    const named = await runCli(['cat', 'x_v7.tar.jsonl', '-o', 'o.jsonl'], { cwd: dir });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain("input 'x_v7.tar.jsonl' holds a tar archive, found by its content");
    const piped = await runCli(['cat', '-o', 'o2.jsonl'], { cwd: dir, input: tar });
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('-: a tar archive, found by its content');
    expect(piped.stderr).not.toContain('json_parse');
  });
});
