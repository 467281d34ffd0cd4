import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { everyThirdBad } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/run.js';

let dir: string;
// Every third line is not JSON: 10 of 30 rejected (over the default --max-reject-rate 0.1: exit 1).

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'a.jsonl'), everyThirdBad(0, 30));
  await writeFile(join(dir, 'b.jsonl'), everyThirdBad(1000, 30));
  await writeFile(join(dir, 'bad.jsonl'), '{bad\n{bad\n');
});

const cc = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });
const ok = ['--max-reject-rate', '1', '-q'];

// Hostile review 20 F9: two commands with other outputs naming the same --rejects (or --stats)
// file both exited 0, and the first one's rejects were gone without a word, while -o in the same
// case is refused. An earlier fix (8c05ed3, reverted) knew a rejects file's output only from a
// --stats file and so refused the rerun of a failed command over its own rejects. Now the output
// a rejects file was written for is recorded beside it (.NAME.owner), and a stats file names its own.
describe('--rejects/--stats written for another output are refused, as -o is (F9)', () => {
  it('a rejects file another output wrote: exit 2, kept as it was; --overwrite replaces it', async () => {
    expect((await cc('cat', 'a.jsonl', '-o', 'o1.jsonl', '--rejects', 'r1.jsonl', ...ok)).code).toBe(0);
    const first = await readFile(join(dir, 'r1.jsonl'), 'utf8');
    expect(first).toContain('"source":"a.jsonl:1"');
    const second = await cc('cat', 'b.jsonl', '-o', 'o2.jsonl', '--rejects', 'r1.jsonl', ...ok);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toBe("corpus-clean: --rejects file 'r1.jsonl' already exists and it holds the rejects of another output ('o1.jsonl', written by corpus-clean cat): replacing it would destroy it; remove it, name another file, or pass --overwrite\n");
    expect(await readFile(join(dir, 'r1.jsonl'), 'utf8')).toBe(first);
    // The rejects file is still JSONL of one reject a line (every reader of it, wc -l = rejected).
    expect(first.trim().split('\n').map((l) => JSON.parse(l).reason)).toEqual(Array(10).fill('json_parse'));
    const ow = await cc('cat', 'b.jsonl', '-o', 'o2.jsonl', '--rejects', 'r1.jsonl', ...ok, '--overwrite');
    expect(ow.code, ow.stderr).toBe(0);
    expect(await readFile(join(dir, 'r1.jsonl'), 'utf8')).toContain('"source":"b.jsonl:1"');
    // Now o2.jsonl's: o1's command is the one refused.
    expect((await cc('cat', 'a.jsonl', '-o', 'o1b.jsonl', '--rejects', 'r1.jsonl', ...ok)).stderr).toContain("holds the rejects of another output ('o2.jsonl', written by corpus-clean cat)");
  });

  it('a stats file another output wrote: exit 2, naming that output', async () => {
    expect((await cc('cat', 'a.jsonl', '-o', 'o3.jsonl', '--stats', 's3.json', ...ok)).code).toBe(0);
    const r = await cc('cat', 'b.jsonl', '-o', 'o4.jsonl', '--stats', 's3.json', ...ok);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--stats file 's3.json' already exists and it holds the stats of another output ('o3.jsonl', written by corpus-clean cat): replacing it would destroy it");
    expect(JSON.parse(await readFile(join(dir, 's3.json'), 'utf8')).output).toBe('o3.jsonl');
  });

  // What the reverted fix broke: the same command again after it failed, over the rejects it left
  // to say why, without --stats, whether it wrote records (kept, marked _FAILED) or none.
  it('the rerun of a failed command over its own rejects (no --stats) needs no --overwrite', async () => {
    for (const [input, out] of [['a.jsonl', 'f1.jsonl'], ['bad.jsonl', 'f2.jsonl']]) {
      const failed = await cc('cat', input, '-o', out, '--rejects', `r-${out}`);
      expect(failed.code, failed.stderr).toBe(1);
      const again = await cc('cat', input, '-o', out, '--rejects', `r-${out}`, '--max-reject-rate', '1', '--allow-empty');
      expect(again.stderr).not.toContain('already exists');
      expect(again.code, again.stderr).toBe(0);
    }
  });

  it('records to stdout: the next stdout command replaces their rejects (as > does); a named output does not', async () => {
    expect((await cc('cat', 'a.jsonl', '--rejects', 'r5.jsonl', ...ok)).code).toBe(0);
    const again = await cc('cat', 'b.jsonl', '--rejects', 'r5.jsonl', ...ok);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(dir, 'r5.jsonl'), 'utf8')).toContain('"source":"b.jsonl:1"');
    const named = await cc('cat', 'a.jsonl', '-o', 'o5.jsonl', '--rejects', 'r5.jsonl', ...ok);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('holds the rejects of another output (records sent to stdout by corpus-clean cat)');
    // and a stdout command does not replace a named output's rejects
    const other = await cc('cat', 'b.jsonl', '--rejects', 'r1.jsonl', ...ok);
    expect(other.code).toBe(2);
    expect(other.stdout).toBe('');
  });

  it("another output's rejects replaced with --overwrite by a command that fails are put back, and still known as that output's", async () => {
    expect((await cc('cat', 'a.jsonl', '-o', 'o6.jsonl', '--rejects', 'r6.jsonl', ...ok)).code).toBe(0);
    const first = await readFile(join(dir, 'r6.jsonl'), 'utf8');
    const failed = await cc('cat', 'b.jsonl', '-o', 'o7.jsonl', '--rejects', 'r6.jsonl', '-q', '--overwrite');
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain("'r6.jsonl' is kept as it was");
    expect(await readFile(join(dir, 'r6.jsonl'), 'utf8')).toBe(first);
    expect((await cc('cat', 'b.jsonl', '-o', 'o7.jsonl', '--rejects', 'r6.jsonl', ...ok)).stderr).toContain("holds the rejects of another output ('o6.jsonl'");
  });

  it('a rejects file edited or copied over since (no recorded entry matches it) is judged as before: replaced', async () => {
    expect((await cc('cat', 'a.jsonl', '-o', 'o8.jsonl', '--rejects', 'r8.jsonl', ...ok)).code).toBe(0);
    await writeFile(join(dir, 'r8.jsonl'), await readFile(join(dir, 'r1.jsonl')));
    const r = await cc('cat', 'b.jsonl', '-o', 'o9.jsonl', '--rejects', 'r8.jsonl', ...ok);
    expect(r.code, r.stderr).toBe(0);
  });
});

// Hostile review 22 H2: `--rejects DANGLING_LINK/` was judged as the link (written through) and
// ran the whole job, then the final rename failed (ENOTDIR, exit 1, the output removed). A name
// ending in / names a folder: refused before anything is read, as `--rejects afile/.` is.
describe('--rejects or --stats naming a dangling link with a trailing /', () => {
  it('is a usage error before the job (exit 2), nothing written', async () => {
    const { symlink } = await import('node:fs/promises');
    await symlink('nowhere', join(dir, 'dang'));
    for (const flag of ['--rejects', '--stats']) {
      const r = await cc('cat', 'a.jsonl', '-o', 'h2.jsonl', flag, 'dang/', ...ok);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${flag} 'dang/' ends in /, so it names a folder, but a file is needed`);
      expect((await import('node:fs')).existsSync(join(dir, 'h2.jsonl'))).toBe(false);
    }
  });
});
