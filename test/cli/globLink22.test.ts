import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 22 H1: the check of an output a quoted glob input would read (G1) compared the
// pattern with the output's path lexically. A pattern whose wildcard segment goes through a linked
// folder (g2/lnk -> ../g1) reads g1/all.jsonl as g2/lnk/all.jsonl: 'cat g2/*/*.jsonl -o
// g1/all.jsonl' was written, and the next run of the same command read every record twice (exit 0).
// Now every folder the glob's walk enters is checked by its real path and device:inode, as the
// folder form is (5e2c33a).
describe('an output a quoted glob reaches through a linked folder (H1)', () => {
  it('is refused, for cat (-o file, folder, --rejects) and run; a name the pattern does not match is written', async () => {
    const d = await tempDir();
    await mkdir(join(d, 'g1'));
    await mkdir(join(d, 'g2'));
    await writeFile(join(d, 'g1/a.jsonl'), '{"text":"a b"}\n{"text":"c d"}\n');
    await symlink('../g1', join(d, 'g2/lnk'));
    const through = `(in 'g2/lnk', which is the folder '${join(d, 'g1')}')`;
    const refused = [
      ['g2/*/*.jsonl', ['-o', 'g1/all.jsonl'], `--output 'g1/all.jsonl' is a file the input pattern 'g2/*/*.jsonl' matches ${through}`],
      ['g2/**/*.jsonl', ['-o', 'g1/sub/o.jsonl'], `--output 'g1/sub/o.jsonl' is a file the input pattern 'g2/**/*.jsonl' matches ${through}`],
      ['g2/**', ['-o', 'g1/sub/'], `--output 'g1/sub/' holds shards the input pattern 'g2/**' matches ${through}`],
      ['g2/*/*.jsonl', ['-o', '/dev/null', '--rejects', 'g1/r.jsonl'], `--rejects 'g1/r.jsonl' is a file the input pattern 'g2/*/*.jsonl' matches ${through}`],
    ] as const;
    for (const [pattern, args, msg] of refused) {
      const r = await runCli(['cat', pattern, ...args], { cwd: d });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`corpus-clean: ${msg}: the next read of that pattern would take the output as input too`);
    }
    await writeFile(join(d, 'r.yaml'), 'name: r\nstages:\n  - dedup:\n      method: exact\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'g2/**', '-o', 'g1/runout'], { cwd: d });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`--output 'g1/runout/' holds shards the input pattern 'g2/**' matches ${through}`);
    expect((await readdir(join(d, 'g1'))).sort()).toEqual(['a.jsonl']);
    // Not matched by the pattern below the link: written, and the next read is the same.
    for (const o of ['g1/x.parquet', 'g1/_x.jsonl', 'g1/deeper/o.jsonl']) {
      const r = await runCli(['cat', 'g2/*/*.jsonl', '-o', o, '-q'], { cwd: d });
      expect(r.code, `${o}: ${r.stderr}`).toBe(0);
    }
    const again = await runCli(['cat', 'g2/*/*.jsonl', '-o', '/dev/null'], { cwd: d });
    expect(again.stderr).toContain('read 2 = written 2 + rejected 0');
  });
});
