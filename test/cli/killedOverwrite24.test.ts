import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';

// New-user review 24 N0: after a `kill -9` of an `--overwrite` command, the next command puts back
// the earlier output the killed one had set aside, and on the way removed every file named like
// the output's shards as the killed command's new files: a user's o-00007.jsonl beside o.jsonl, or
// out/part-00009.jsonl, went (G4 had made the plain path leave them alone, not this one). Now only
// the shards the dead lock lists (and the output's other names) are removed there; any other
// shard-named file is left, then judged as the plain path judges it. Every kill is a real SIGKILL
// of the CLI while it reads a stdin that stays open, its earlier output set aside.

let dir: string;
const USER = '{"text":"the user\'s own record"}\n';
let input: string;

beforeAll(async () => {
  dir = await tempDir();
  input = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';
  await writeFile(join(dir, 'in.jsonl'), input);
});

/** Start `cat - ARGS --overwrite` on a stdin that stays open, wait until its lock says the earlier output is aside and a shard is begun, then SIGKILL it. */
async function killedOverwrite(lock: string, args: string[]): Promise<void> {
  const p = spawn(process.execPath, [CLI, 'cat', '-', ...args, '--overwrite', '-q'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
  p.stdin.write(input);
  for (;;) {
    const text = await readFile(lock, 'utf8').catch(() => '');
    if (text.includes('earlier=aside') && text.includes('shard="')) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const gone = new Promise((r) => p.on('close', r));
  p.kill('SIGKILL');
  await gone;
  p.stdin.destroy();
}

describe('a killed --overwrite command, a user\'s shard-named file beside its output, then a restart', () => {
  it("file mode: the user's o-00007.jsonl is kept by the restart that puts back the earlier set", async () => {
    const out = join(dir, 'f');
    await mkdir(out);
    const o = join(out, 'o.jsonl');
    const first = await runNode([CLI, 'cat', 'in.jsonl', '-o', o, '--shard-records', '10', '-q'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const user = join(out, 'o-00007.jsonl');
    await writeFile(user, USER);
    await killedOverwrite(join(out, '.o.jsonl.lock'), ['-o', o]);
    expect(existsSync(user)).toBe(true);
    const again = await runNode([CLI, 'cat', 'in.jsonl', '-o', o, '--overwrite'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('put back 4 files of the earlier output');
    expect(await readFile(user, 'utf8')).toBe(USER);
    expect(await readFile(o, 'utf8')).toBe(input);
  });

  it("folder output: the user's part-00009.jsonl is kept, and refused as no manifest lists it", async () => {
    const out = join(dir, 'd');
    const args = ['-o', `${out}/`, '--shard-records', '10'];
    const first = await runNode([CLI, 'cat', 'in.jsonl', ...args, '-q'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    await killedOverwrite(join(out, '.corpus-clean.lock'), args);
    const user = join(out, 'part-00009.jsonl');
    await writeFile(user, USER);
    const again = await runNode([CLI, 'cat', 'in.jsonl', ...args], { cwd: dir });
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain('put back');
    expect(again.stderr).toContain("'part-00009.jsonl'");
    expect(await readFile(user, 'utf8')).toBe(USER);
    // The earlier output is back whole: its three shards and its _SUCCESS.
    expect((await readdir(out)).filter((n) => !n.startsWith('.')).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl', 'part-00001.jsonl', 'part-00002.jsonl', 'part-00009.jsonl']);
  });
});
