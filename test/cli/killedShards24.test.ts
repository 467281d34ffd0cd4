import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, signalWhen, tempDir } from '../helpers/run.js';

// Hostile review 21 G4: a command killed with SIGKILL leaves its lock, and the next command into
// the same output took every shard-named file there for the killed command's unfinished output,
// and deleted it: a user's part-00042.jsonl too, without --overwrite. The lock now lists the
// shards its command begins (each journaled before its temporary is made), so that only those
// are the killed command's; any other shard-named file is refused as one no output lists
// (hostile review 20 F5's rule), with or without --overwrite. Every kill here is a real SIGKILL
// of the CLI, at a point it holds on its own: reading stdin, or writing its _SUCCESS (the
// CORPUS_CLEAN_PAUSE_ATOMIC test seam holds that write between its temporary and its rename).

let dir: string;
const USER = '{"text":"the user\'s own record"}\n';

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n');
});

const cli = (...args: string[]): ReturnType<typeof runNode> => runNode([CLI, ...args, '-q'], { cwd: dir });

/** Run the CLI with `args` and kill it with SIGKILL once `out` holds its _SUCCESS's (or `marker`'s) temporary: every shard is in place, none marked. */
async function killedAtMarker(out: string, args: string[], marker = '_SUCCESS'): Promise<void> {
  const r = await signalWhen(args, out, (names) => names.some((n) => n.startsWith(`.${marker}.tmp-`)), 'SIGKILL', { CORPUS_CLEAN_PAUSE_ATOMIC: marker });
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

describe('a command killed with SIGKILL, then a user\'s shard-named file in its output, then a restart', () => {
  it('killed before its first shard (the review\'s case): the user\'s part-00042.jsonl is refused, kept, with or without --overwrite', async () => {
    const out = join(dir, 'ud');
    // Reading stdin, which stays open: it holds there, its lock taken (written in one write), no shard begun.
    const p = spawn(process.execPath, [CLI, 'cat', '-', '-o', `${out}/`, '--shard-records', '5', '-q'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    const lock = join(out, '.corpus-clean.lock');
    for (;;) {
      if ((await readFile(lock, 'utf8').catch(() => '')).includes('\nhost=')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const gone = new Promise((r) => p.on('close', r));
    p.kill('SIGKILL');
    await gone;
    await writeFile(join(out, 'part-00042.jsonl'), USER);
    const again = await cli('cat', 'in.jsonl', '-o', `${out}/`);
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain("'part-00042.jsonl'");
    const over = await cli('cat', 'in.jsonl', '-o', `${out}/`, '--overwrite');
    expect(over.code, over.stderr).toBe(2);
    expect(await readFile(join(out, 'part-00042.jsonl'), 'utf8')).toBe(USER);
  });

  for (const [what, format, ext] of [
    ['JSONL', [], 'jsonl'],
    ['Parquet', ['--output-format', 'parquet'], 'parquet'],
  ] as const) {
    it(`${what} shards: the user's part-00007.${ext} is refused and kept; moved away, the killed command's own shards are removed and the output written`, async () => {
      const out = join(dir, `k-${ext}`);
      const args = ['cat', join(dir, 'in.jsonl'), '-o', `${out}/`, '--shard-records', '10', ...format, '-q'];
      await killedAtMarker(out, args);
      const own = [0, 1, 2].map((i) => `part-0000${i}.${ext}`);
      expect((await readdir(out)).filter((n) => !n.startsWith('.')).sort()).toEqual(own);
      const user = join(out, `part-00007.${ext}`);
      await writeFile(user, USER);
      const again = await runNode([CLI, ...args], { cwd: dir });
      expect(again.code, again.stderr).toBe(2);
      expect(again.stderr).toContain(`'part-00007.${ext}'`);
      expect(await readFile(user, 'utf8')).toBe(USER);
      for (const n of own) expect(existsSync(join(out, n))).toBe(true);
      // The refused command left the killed one's lock as it was: its shards are still its own.
      await rename(user, join(dir, `moved-00007.${ext}`));
      const after = await runNode([CLI, ...args.filter((a) => a !== '-q')], { cwd: dir });
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).toContain('holds 3 files of an unfinished output');
      expect((await readdir(out)).sort()).toEqual(['_SUCCESS', ...own]);
      expect(JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8')).shards).toEqual(own);
    });
  }

  it("a file-mode shard set: the user's o-00007.jsonl beside it is refused by the sharded restart, and left alone by an unsharded one", async () => {
    const out = join(dir, 'set');
    await mkdir(out);
    const o = join(out, 'o.jsonl');
    await killedAtMarker(out, ['cat', join(dir, 'in.jsonl'), '-o', o, '--shard-records', '10', '-q'], 'o.jsonl._SUCCESS');
    const user = join(out, 'o-00007.jsonl');
    await writeFile(user, USER);
    const sharded = await cli('cat', 'in.jsonl', '-o', o, '--shard-records', '10');
    expect(sharded.code, sharded.stderr).toBe(2);
    expect(sharded.stderr).toContain("'o-00007.jsonl'");
    const plain = await runNode([CLI, 'cat', 'in.jsonl', '-o', o], { cwd: dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('holds 3 files of an unfinished output');
    // Nothing hidden either: the temporary of the set's marker the killed command was writing ('.o.jsonl._SUCCESS.tmp-PID-a0') went too.
    expect((await readdir(out)).sort()).toEqual(['o-00007.jsonl', 'o.jsonl']);
    expect(await readFile(user, 'utf8')).toBe(USER);
  });
});
