import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// New-user review 20 F10 (and 21 N6): small rough edges.
describe('rough edges of review 20 F10', () => {
  it('dedup-disk removes the parents it made for --work with it', async () => {
    const dir = await tempDir();
    const r = await runCli(['dedup-disk', join(ROOT, 'fixtures/dedup'), '--work', 'wk/a/b', '-o', 'dd/x/out.jsonl', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'wk'))).toBe(false);
    expect(existsSync(join(dir, 'dd/x/out.jsonl'))).toBe(true);
    // A parent that was there before stays.
    await mkdir(join(dir, 'keep'));
    const kept = await runCli(['dedup-disk', join(ROOT, 'fixtures/dedup'), '--work', 'keep/a/b', '-o', 'dd/y.jsonl', '-q'], { cwd: dir });
    expect(kept.code, kept.stderr).toBe(0);
    expect(existsSync(join(dir, 'keep/a'))).toBe(false);
    expect(existsSync(join(dir, 'keep'))).toBe(true);
  });

  it("the report's per-file shares have one format (one decimal)", async () => {
    const dir = await tempDir();
    const r = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-o', 'rs', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const shares = [...(await readFile(join(dir, 'rs/_report.html'), 'utf8')).matchAll(/>([\d.]+) % of [\d,]+</g)].map((m) => m[1]);
    // licenses.jsonl keeps 12 of 40: '30.0', not '30' beside '83.3' (was '83.30').
    expect(shares).toContain('30.0');
    expect(shares.length).toBeGreaterThan(1);
    for (const s of shares) expect(s).toMatch(/^\d+\.\d$/);
  });

  // Needs a file system out of inodes: a tmpfs with 4 of them, which only root can mount.
  const mountable = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  it.runIf(mountable)('ENOSPC from a file system out of inodes says so (df -i)', async () => {
    const dir = await tempDir();
    const fs = join(dir, 'ino');
    await mkdir(fs);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=4', 'tmpfs', fs]).status !== 0) return;
    try {
      await writeFile(join(dir, 'in.jsonl'), '{"text":"hello world"}\n');
      const r = await runCli(['cat', 'in.jsonl', '-o', 'ino/a/b/c/out.jsonl'], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('ENOSPC');
      expect(r.stderr).toContain('(its file system has no free inodes left, though df -h may show free space: see df -i)');
      expect(existsSync(join(fs, 'a'))).toBe(false);
    } finally {
      spawnSync('umount', [fs]);
      await rm(fs, { recursive: true, force: true });
    }
  });
});
