import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { everyThirdBad } from '../helpers/fixtures.js';
import { CLI, runCli, tempDir } from '../helpers/run.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'a.jsonl'), everyThirdBad(0, 30));
  await writeFile(join(dir, 'b.jsonl'), everyThirdBad(1000, 30));
});

const cc = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir });

// Hostile review 20 F6: after a kill -9 of `-o FILE --overwrite`, reading FILE said only "input
// not found", while the complete earlier output waited beside it as `.FILE.earlier-PID`.
describe('reading an output a killed --overwrite left unfinished (F6)', () => {
  it('says where the earlier output is kept and what puts it back', async () => {
    expect((await cc('cat', 'a.jsonl', '-o', 'ow.jsonl', '--max-reject-rate', '1', '-q')).code).toBe(0);
    const before = await readFile(join(dir, 'ow.jsonl'), 'utf8');
    // Reading its records from stdin, which stays open: killed once the earlier output is set aside.
    const p = spawn(process.execPath, [CLI, 'cat', '-', '-o', 'ow.jsonl', '--overwrite', '-q'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    p.stdin.write('{"text":"a new record"}\n');
    const gone = new Promise((res) => p.on('close', res));
    while (!(await readdir(dir)).some((n) => n.startsWith('.ow.jsonl.earlier-'))) await new Promise((r) => setTimeout(r, 5));
    p.kill('SIGKILL');
    await gone;
    const r = await cc('cat', 'ow.jsonl', '-o', '/dev/null');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^corpus-clean: input not found: 'ow\.jsonl': it is an unfinished output \(the command writing it, PID \d+, was killed before its output was complete; the complete earlier output it was replacing \(--overwrite\) is kept beside it as '\.ow\.jsonl\.earlier-\d+'\): the next command writing 'ow\.jsonl' puts it back \(or rename it back to 'ow\.jsonl' yourself\)\n$/);
    const plain = await cc('cat', 'none.jsonl', '-o', '/dev/null');
    expect(plain.stderr).toBe("corpus-clean: input not found: 'none.jsonl'\n");
    // As it says: the next command writing it puts the earlier output back first.
    const next = await cc('cat', 'a.jsonl', '-o', 'ow.jsonl', '--max-reject-rate', '1', '-q');
    expect(next.code, next.stderr).toBe(2);
    expect(await readFile(join(dir, 'ow.jsonl'), 'utf8')).toBe(before);
  });
});

// The output check uses the folders the input walk entered (every one, by real path and device and
// inode), no second walk of its own that knew only the input folders and the linked ones: an output
// in a subfolder of an input folder reached through a bind mount of that subfolder was accepted,
// and the next read of the input folder took it as input.
describe('an output inside a folder the input walk enters, reached by another mount of it', () => {
  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)('is refused (exit 2), naming that folder', async (ctx) => {
    const d = await tempDir();
    await mkdir(join(d, 'in/sub'), { recursive: true });
    await mkdir(join(d, 'bm'));
    await writeFile(join(d, 'in/sub/a.jsonl'), '{"text":"a b"}\n');
    // Root in a container without CAP_SYS_ADMIN cannot mount: nothing to check there.
    if (spawnSync('mount', ['--bind', join(d, 'in/sub'), join(d, 'bm')]).status !== 0) return ctx.skip();
    try {
      const r = await runCli(['cat', 'in', '-o', 'bm/o.jsonl'], { cwd: d });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe("corpus-clean: --output 'bm/o.jsonl' lies inside 'in/sub', a folder the walk of the input folder 'in' enters: the next read of that folder would take the output as input too; write outside it\n");
      expect(await readdir(join(d, 'in/sub'))).toEqual(['a.jsonl']);
    } finally {
      spawnSync('umount', [join(d, 'bm')]);
    }
  });
});

// Hostile review 21 G1: a quoted glob input (corpus-clean expands it) was not covered by the check
// of outputs inside the inputs: `cat 'g1/*.jsonl' -o g1/all.jsonl`, then the same command read
// all.jsonl too (every record twice, exit 0), while `cat g1 -o g1/all.jsonl` is refused.
describe('an output a quoted glob input would match (G1)', () => {
  it('is refused (-o file, a folder of shards under **, --rejects); one the pattern does not match is written', async () => {
    const d = await tempDir();
    await mkdir(join(d, 'g1'));
    await writeFile(join(d, 'g1/a.jsonl'), '{"text":"a b"}\n');
    const refused = [
      [['-o', 'g1/all.jsonl'], "--output 'g1/all.jsonl' is a file the input pattern 'g1/*.jsonl' matches"],
      [['-o', join(d, 'g1/abs.jsonl')], `--output '${join(d, 'g1/abs.jsonl')}' is a file the input pattern 'g1/*.jsonl' matches`],
      [['-o', '/dev/null', '--rejects', 'g1/r.jsonl'], "--rejects 'g1/r.jsonl' is a file the input pattern 'g1/*.jsonl' matches"],
    ] as const;
    for (const [args, msg] of refused) {
      const r = await runCli(['cat', 'g1/*.jsonl', ...args], { cwd: d });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`corpus-clean: ${msg}: the next read of that pattern would take the output as input too`);
    }
    const deep = await runCli(['cat', 'g1/**', '-o', 'g1/sub/'], { cwd: d });
    expect(deep.code, deep.stderr).toBe(2);
    expect(deep.stderr).toContain("--output 'g1/sub/' holds shards the input pattern 'g1/**' matches");
    expect(await readdir(join(d, 'g1'))).toEqual(['a.jsonl']);
    // Not matched: another ending, or a name starting with _ (which no glob reads).
    for (const o of ['g1/all.parquet', 'g1/_all.jsonl']) {
      const r = await runCli(['cat', 'g1/*.jsonl', '-o', o, '-q'], { cwd: d });
      expect(r.code, `${o}: ${r.stderr}`).toBe(0);
    }
  });
});

// Hostile review 21 G3: --rejects/--stats naming a folder by its last part (`NEWDIR/.`) or ending in
// / after a file or device (`d/a.jsonl/`, `/dev/null/`) ran the whole job, then failed the final
// rename (EBUSY, ENOTDIR, EISDIR: exit 1, the output removed); -o is refused before reading.
describe('--rejects/--stats names that name a folder (G3)', () => {
  it('are refused before anything is read (exit 2), nothing made', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'in.jsonl'), '{"text":"a b"}\nbad\n');
    await writeFile(join(d, 'notes.jsonl'), 'mine\n');
    const cases = [
      [['--rejects', 'nd2/.'], "--rejects 'nd2/.' ends in '.', so it names a folder, but a file is needed: name a file, e.g. 'nd2/rejects.jsonl'"],
      [['--rejects', 'notes.jsonl/'], "--rejects 'notes.jsonl/' ends in /, so it names a folder, but a file is needed ('notes.jsonl' is a file)"],
      [['--stats', 'nd6/.'], "--stats 'nd6/.' ends in '.', so it names a folder, but a file is needed: name a file, e.g. 'nd6/stats.json'"],
      [['--stats', '/dev/null/'], "--stats '/dev/null/' ends in /, so it names a folder, but a file is needed ('/dev/null' is a device)"],
    ] as const;
    for (const [args, msg] of cases) {
      const r = await runCli(['cat', 'in.jsonl', '-o', 'o.jsonl', ...args, '--max-reject-rate', '1'], { cwd: d });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`corpus-clean: ${msg}`);
      expect(r.stderr).not.toContain('read 2');
    }
    expect((await readdir(d)).sort()).toEqual(['in.jsonl', 'notes.jsonl']);
  });
});
