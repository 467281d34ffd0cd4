import { symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23b F9d (F9a's sibling): a stage module or a url-filter block list that was
// /dev/zero (or a link to it) was read whole: the run grew to 4.8 GB (module) and 16.8 GB (list)
// and did not stop on SIGTERM. Such files are read only when they are regular files (a list may
// also be a pipe, as bash's <(...) is), and only up to a size: anything else is refused by name,
// exit 2, before a byte is read. The timeout only bounds a failure of this test (the fixed run
// ends at once); it asserts no timing.
describe('a stage module or list that is a device, a FIFO or too large is refused, not read', { timeout: 300_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), JSON.stringify({ text: 'hello there', url: 'https://a.example/x' }) + '\n');
    await symlink('/dev/zero', join(dir, 'zmod.mjs'));
    await writeFile(join(dir, 'rmod.yaml'), 'name: z\nstages:\n  - module: ./zmod.mjs\n');
    await writeFile(join(dir, 'rlist.yaml'), 'name: z\nstages:\n  - url-filter:\n      block: [/dev/zero]\nmax_reject_rate: 1\n');
    // Sparse: its size says 300 MiB, over the cap, with no block written.
    await writeFile(join(dir, 'big.txt'), '');
    await truncate(join(dir, 'big.txt'), 300 << 20);
  });
  const bound = { timeoutMs: 60_000 };
  it('a module that is a link to /dev/zero', async () => {
    const r = await runCli(['run', 'rmod.yaml', '-i', 'a.jsonl', '-o', 'out1', '-w', '1'], { cwd: dir, ...bound });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`rmod.yaml: stages[0]: cannot load module './zmod.mjs' (${join(dir, 'zmod.mjs')}): it is a character device (such as /dev/zero), not a file`);
  });
  it('a url-filter block list that is /dev/zero, in a recipe and in the command', async () => {
    const r = await runCli(['run', 'rlist.yaml', '-i', 'a.jsonl', '-o', 'out2', '-w', '1'], { cwd: dir, ...bound });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("rlist.yaml: stages[0] (url-filter): cannot read list '/dev/zero': it is a character device (such as /dev/zero), not a file");
    const c = await runCli(['url-filter', 'a.jsonl', '--block', '/dev/zero', '-o', 'u.jsonl'], { cwd: dir, ...bound });
    expect(c.code, c.stderr).toBe(2);
    expect(c.stderr).toContain("cannot read list '/dev/zero': it is a character device");
  });
  it('quality rules and a repair schema that are /dev/zero', async () => {
    const q = await runCli(['quality', 'a.jsonl', '--rules', '/dev/zero', '-o', 'q.jsonl'], { cwd: dir, ...bound });
    expect(q.code, q.stderr).toBe(2);
    expect(q.stderr).toContain("quality: cannot read rule set '/dev/zero': it is a character device (such as /dev/zero), not a file");
    const r = await runCli(['repair', 'a.jsonl', '--schema', '/dev/zero', '-o', 'r.jsonl'], { cwd: dir, ...bound });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("schema '/dev/zero': it is a character device (such as /dev/zero), not a file");
  });
  it('a list larger than the cap is refused by its size, unread', async () => {
    const r = await runCli(['url-filter', 'a.jsonl', '--block', 'big.txt', '-o', 'u2.jsonl'], { cwd: dir, ...bound });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("url-filter: cannot read list 'big.txt': it holds 300 MiB, more than the 256 MiB such a file may hold");
  });
});
