import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandInputs, type SkippedInput } from '../../src/io/inputs.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 21 N1: a stray backup (b.jsonl.bak), partial download or numbered copy in an
// input folder is passed over with a warning that read as a deliberate skip ('not read, so that its
// records are not read twice'), and the command then exited 1 at its end for it, after all the
// work, with no word on how to leave such a file out on purpose.
describe('an input name passed over says that it fails the command, and how to leave it out', () => {
  it('in a folder: move it out or rename it with a leading _; renamed so, it is passed over silently', async () => {
    const dir = await tempDir();
    const dg = join(dir, 'dg');
    await mkdir(dg);
    await writeFile(join(dg, 'a.jsonl'), '{"text":"a"}\n');
    for (const n of ['b.jsonl.bak', 'c.jsonl.part', 'd.jsonl.1']) await writeFile(join(dg, n), '{"text":"x"}\n');
    const skipped: SkippedInput[] = [];
    expect(await expandInputs([dg], skipped)).toEqual([join(dg, 'a.jsonl')]);
    expect(skipped).toHaveLength(3);
    for (const s of skipped) expect(s.reason).toMatch(new RegExp(`an input not read fails the command \\(exit 1, once the rest is done\\): to leave it out on purpose, move it out of '${dg}' or rename it with a leading '_'`));
    const r = await runCli(['cat', 'dg', '-o', 'o.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("warning: skipped 'dg/b.jsonl.bak': a backup copy ('.bak'): not read, so that its records are not read twice; rename it to 'b.jsonl' to read it; an input not read fails the command (exit 1, once the rest is done): to leave it out on purpose, move it out of 'dg' or rename it with a leading '_'");
    // Left out as the message says: nothing skipped, exit 0.
    for (const n of ['b.jsonl.bak', 'c.jsonl.part', 'd.jsonl.1']) await writeFile(join(dg, `_${n}`), '{"text":"x"}\n');
    const { rm } = await import('node:fs/promises');
    for (const n of ['b.jsonl.bak', 'c.jsonl.part', 'd.jsonl.1']) await rm(join(dg, n));
    const left: SkippedInput[] = [];
    await expandInputs([dg], left);
    expect(left).toEqual([]);
  });

  it('a glob: move it, or a pattern that does not match it; second names say nothing of the kind', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), '{"text":"a"}\n');
    const { symlink } = await import('node:fs/promises');
    await symlink('/nonexistent/x', join(dir, 'gone.jsonl'));
    const skipped: SkippedInput[] = [];
    await expandInputs([join(dir, '*.jsonl'), join(dir, 'a.jsonl')], skipped);
    const lost = skipped.filter((s) => s.same_as === undefined);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toMatch(/a dangling symbolic link .*; an input not read fails the command \(exit 1, once the rest is done\): to leave it out on purpose, move it, or give a pattern that does not match it$/);
    for (const s of skipped.filter((x) => x.same_as !== undefined)) expect(s.reason).not.toContain('fails the command');
  });
});
