import { existsSync } from 'node:fs';
import { readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FolderError, makeDir, makeDirSync } from '../../src/io/dirs.js';
import { runCli, tempDir } from '../helpers/run.js';

/** A bound on a run that used to hang for good (not a timing assertion). */
const BOUND = 60_000;
const HAS_PROC = existsSync('/proc/self');

/**
 * Issue #10 / review-late F11: `run --output /proc/x` hung for ever. Node's recursive mkdir takes
 * ENOENT as "the parent is missing", makes the parent (EEXIST) and tries again, without end, when
 * the parent exists but takes no new folder: /proc, /sys, a symbolic link to nothing. Every
 * folder is now made by io/dirs.ts, and an output whose folder cannot be made fails before the
 * first record is read: one line, exit 1 (or a usage error, exit 2, when the flags' check sees it).
 */
describe('outputs whose folder cannot be made', () => {
  let dir: string;
  let input: string;
  let recipe: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"a b c"}\n{"text":"d e f"}\n');
    recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: r\nstages:\n  - normalize: {}\n');
    await symlink(join(dir, 'no-such-target'), join(dir, 'dangling'));
  });

  const NO_FOLDER = "ENOENT: no such file or directory: '/proc' exists but takes no new folders (as /proc and /sys)";

  it.runIf(HAS_PROC)('under /proc: one line naming the folder, exit 1, no hang (run, cat, stage, export, dedup-disk; --output, --rejects, --stats)', async () => {
    const cases: [string[], string][] = [
      [['run', recipe, '--input', input, '--output', '/proc/x'], `corpus-clean run: error: cannot create output folder '/proc/x/': ${NO_FOLDER}\n`],
      [['cat', input, '--output', '/proc/x/y.jsonl'], `corpus-clean cat: error: cannot create output folder '/proc/x': ${NO_FOLDER}\n`],
      [['cat', input, '--output', '/proc/x/'], `corpus-clean cat: error: cannot create output folder '/proc/x/': ${NO_FOLDER}\n`],
      [['cat', input, '--output', '/proc/x/y.json'], `corpus-clean cat: error: cannot create output folder '/proc/x': ${NO_FOLDER}\n`],
      [['quality', input, '--output', join('/proc/x', 'q.jsonl')], `corpus-clean quality: error: cannot create output folder '/proc/x': ${NO_FOLDER}\n`],
      [['cat', input, '-o', join(dir, 'o1.jsonl'), '--rejects', '/proc/x/r.jsonl'], `corpus-clean cat: error: cannot create --rejects folder '/proc/x': ${NO_FOLDER}\n`],
      [['cat', input, '-o', join(dir, 'o2.jsonl'), '--stats', '/proc/x/s.json'], `corpus-clean cat: error: cannot create --stats folder '/proc/x': ${NO_FOLDER}\n`],
      [['export', 'xtuner-v1', input, '-o', '/proc/x/y.jsonl'], `corpus-clean export: error: cannot create output folder '/proc/x': ${NO_FOLDER}\n`],
      [['dedup-disk', input, '--work', '/proc/w', '-o', join(dir, 'dd.jsonl')], `corpus-clean dedup-disk: error: cannot create work folder '/proc/w': ${NO_FOLDER}\n`],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(args, { timeoutMs: BOUND });
      expect(r.signal, args.join(' ')).toBeUndefined();
      expect(r.stderr, args.join(' ')).toBe(msg);
      expect(r.code, args.join(' ')).toBe(1);
    }
    // Nothing was written beside: the run stopped before reading.
    expect((await readdir(dir)).filter((n) => n.startsWith('o1') || n.startsWith('o2') || n.startsWith('dd'))).toEqual([]);
  });

  it('under a symbolic link to nothing: a usage error before anything (exit 2)', async () => {
    const link = join(dir, 'dangling');
    const cases: [string[], string][] = [
      [['run', recipe, '--input', input, '--output', join(link, 'o')], `--output '${join(link, 'o')}/' cannot be created`],
      [['run', recipe, '--input', input, '--output', link], `--output '${link}/' cannot be created`],
      [['cat', input, '--output', join(link, 'o.jsonl')], `--output '${join(link, 'o.jsonl')}' cannot be created`],
      [['cat', input, '-o', join(dir, 'o3.jsonl'), '--stats', join(link, 's.json')], `--stats '${join(link, 's.json')}' cannot be created`],
      [['cat', input, '-o', join(dir, 'o4.jsonl'), '--rejects', join(link, 'r.jsonl')], `--rejects '${join(link, 'r.jsonl')}' cannot be created`],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(args, { timeoutMs: BOUND });
      expect(r.signal, args.join(' ')).toBeUndefined();
      expect(r.stderr, args.join(' ')).toBe(`corpus-clean: ${msg}: '${link}' is a symbolic link to '${join(dir, 'no-such-target')}', which does not exist\n`);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});

describe('makeDir / makeDirSync', () => {
  it('make missing parents, accept an existing folder, and fail (not spin) where a folder cannot be', async () => {
    const d = await tempDir();
    await makeDir(join(d, 'a/b/c'));
    makeDirSync(join(d, 'a/b/c/d/e'));
    await makeDir(join(d, 'a/b'));
    expect(existsSync(join(d, 'a/b/c/d/e'))).toBe(true);
    await writeFile(join(d, 'file'), 'x');
    await expect(makeDir(join(d, 'file/sub'), 'output folder')).rejects.toThrow(/^cannot create output folder '.*file\/sub': ENOTDIR: not a directory: a file stands where a folder is needed/);
    expect(() => makeDirSync(join(d, 'file'))).toThrow(/exists and is not a folder/);
    await symlink(join(d, 'gone'), join(d, 'dangling'));
    await expect(makeDir(join(d, 'dangling/x'))).rejects.toThrow(/is a symbolic link to '.*gone', which does not exist/);
    expect(() => makeDirSync(join(d, 'dangling/x/y'))).toThrow(FolderError);
    if (HAS_PROC) {
      await expect(makeDir('/proc/x/y')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(() => makeDirSync('/proc/x')).toThrow(/'\/proc' exists but takes no new folders/);
    }
  });
});
