import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { everyThirdBad } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 F9a: the rejects file's owner record ('.NAME.owner', io/sideOwner.ts) was read
// with readFileSync whatever it was: a FIFO there held the command in its open for ever, before it
// read anything and without a word; a link to /dev/zero grew the process by gigabytes. Only a
// regular file of an owner record's size is read now; anything else there records no owner, as a
// damaged record does (the rejects file is then judged as one of no recorded output).

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'in.jsonl'), everyThirdBad(0, 30));
});

const cat = (out: string): ReturnType<typeof runCli> =>
  // The bound only ends a command that hangs (the failure this is about), it measures nothing.
  runCli(['cat', 'in.jsonl', '-o', out, '--rejects', 'r.jsonl', '--max-reject-rate', '1', '-q'], { cwd: dir, timeoutMs: 60_000 });

describe('an owner record that is not a regular file (hostile review 23 F9a)', () => {
  for (const [kind, make] of [
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p])],
    ['a link to /dev/zero', (p: string) => symlink('/dev/zero', p)],
  ] as const) {
    it(`${kind}: not read, the command runs (exit 0) and writes a record of its own there`, async () => {
      const owner = join(dir, '.r.jsonl.owner');
      await Promise.all(['o1.jsonl', 'o2.jsonl', 'r.jsonl', '.r.jsonl.owner'].map((n) => rm(join(dir, n), { force: true })));
      expect((await cat('o1.jsonl')).code).toBe(0);
      await rm(owner, { force: true });
      await make(owner);
      const r = await cat('o2.jsonl');
      expect(r.signal, r.stderr).toBeUndefined();
      expect(r.code, r.stderr).toBe(0);
      // The rejects file corpus-clean wrote, with no owner recorded, is replaced as before; its new owner is recorded.
      expect(readFileSync(join(dir, 'r.jsonl'), 'utf8').split('\n').length - 1).toBe(10);
      expect(statSync(owner).isFile()).toBe(true);
      expect(JSON.parse(readFileSync(owner, 'utf8')).rejects_of.at(-1).output).toBe(join(dir, 'o2.jsonl'));
    });
  }
});
