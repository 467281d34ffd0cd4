import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hiddenPath, lockPathFor, NAME_MAX } from '../../../src/io/writers/hiddenName.js';
import { runCli, tempDir } from '../../helpers/run.js';

// Hostile review 10 F37: the lock `.NAME.lock` (and the temporaries `.NAME.tmp-PID-N`) of a long
// output name passed NAME_MAX (255 bytes): the command failed with ENAMETOOLONG.
const bytes = (s: string): number => Buffer.byteLength(s);
const input = '{"text":"a b c"}\n{"text":"d e f"}\nnot json\n';

describe('hidden names beside a long output name (F37)', () => {
  it('stay `.NAME.lock` when they fit, and are shortened (head, ~, hash) to at most NAME_MAX bytes when not', () => {
    expect(lockPathFor('/d/out.jsonl')).toBe('/d/.out.jsonl.lock');
    const long = `${'é'.repeat(124)}.jsonl`; // 254 bytes
    const lock = basename(lockPathFor(`/d/${long}`));
    expect(bytes(lock)).toBeLessThanOrEqual(NAME_MAX);
    expect(lock).toMatch(/^\.é{50}~[0-9a-f]{16}\.lock$/);
    expect(lockPathFor(`/d/${long}`)).toBe(lockPathFor(`/d/${long}`));
    expect(lockPathFor(`/d/${long}`)).not.toBe(lockPathFor(`/d/x${long.slice(1)}`));
    expect(bytes(basename(hiddenPath(`/d/${long}`, '.tmp-4194304-a12')))).toBeLessThanOrEqual(NAME_MAX);
  });

  it('an output of 246 bytes (its marker NAME._FAILED must fit too), --rejects and --stats of 249 are written, locked under the shortened name, and leave nothing hidden', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), input);
    const name = (c: string, end: string): string => join(dir, c.repeat(255 - end.length - 6) + end);
    const out = join(dir, `${'o'.repeat(240)}.jsonl`);
    const rejects = name('r', '.jsonl');
    const stats = name('s', '.json');
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', out, '--rejects', rejects, '--stats', stats, '--max-reject-rate', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(out, 'utf8')).split('\n')).toHaveLength(3);
    expect(await readFile(rejects, 'utf8')).toContain('json_parse');
    // Nothing hidden but the rejects file's owner record (hostile review 20 F9), under a shortened name too.
    expect((await readdir(dir)).filter((n) => n.startsWith('.') && !n.endsWith('.owner'))).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.owner')).every((n) => Buffer.byteLength(n) <= 255)).toBe(true);
    // The lock is taken under that name: a live one there refuses the next command.
    await writeFile(lockPathFor(out), '1\nhost=another-host\n');
    const held = await runCli(['cat', join(dir, 'in.jsonl'), '-o', out, '--overwrite']);
    expect(held.code).toBe(2);
    expect(held.stderr).toContain(`is writing to '${out}' (lock file ${lockPathFor(out)})`);
  });

  it('a killed command\'s temporary under a shortened name is removed by the rerun', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), input);
    const out = join(dir, `${'t'.repeat(240)}.jsonl`);
    const dead = hiddenPath(out, '.tmp-999999999-a0');
    expect(basename(dead)).toContain('~');
    await writeFile(dead, 'half');
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', out, '--max-reject-rate', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    // Nothing hidden but the rejects file's owner record (hostile review 20 F9), under a shortened name too.
    expect((await readdir(dir)).filter((n) => n.startsWith('.') && !n.endsWith('.owner'))).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.owner')).every((n) => Buffer.byteLength(n) <= 255)).toBe(true);
  });

  it('a name that no file system takes is a usage error before anything is read or made', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), input);
    const long = `${'x'.repeat(250)}.jsonl`;
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'sub', long)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the name '${long}' is 256 bytes long; a file or folder name holds at most 255 bytes`);
    const s = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'ok.jsonl'), '--stats', join(dir, `${'y'.repeat(300)}.json`)]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('--stats');
    // A file output's marker NAME._SUCCESS (a shard set's, or NAME._FAILED of a command that
    // fails) is longer than NAME: a 247-byte name would leave a failed output unmarked.
    const failing = `${'z'.repeat(241)}.jsonl`;
    const sh = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, failing)]);
    expect(sh.code).toBe(2);
    expect(sh.stderr).toContain(`its marker '${failing}._SUCCESS' (written when the command fails, or ends a shard set) would be 256 bytes long`);
    // The other output paths too: dedup-disk's --work (was exit 1, "cannot create work folder ...: ENAMETOOLONG").
    const work = await runCli(['dedup-disk', join(dir, 'in.jsonl'), '--work', join(dir, 'w'.repeat(260)), '-o', join(dir, 'dd.jsonl')]);
    expect(work.code).toBe(2);
    expect(work.stderr).toContain(`--work '${join(dir, 'w'.repeat(260))}': the name '${'w'.repeat(260)}' is 260 bytes long`);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });
});
