import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandBraces, expandGlob, segmentMatcher } from '../../src/core/glob.js';
import { runCli, tempDir } from '../helpers/run.js';

describe('glob segments (two-pointer match, no backtracking regex)', () => {
  it('matches *, ?, classes, escapes and hides dot names', () => {
    const m = (p: string, n: string): boolean => segmentMatcher(p)(n);
    expect(m('*.jsonl', 'a.jsonl')).toBe(true);
    expect(m('*.jsonl', 'a.jsonl.gz')).toBe(false);
    expect(m('part-??.json', 'part-01.json')).toBe(true);
    expect(m('part-??.json', 'part-1.json')).toBe(false);
    expect(m('[ab]*', 'b1')).toBe(true);
    expect(m('[!ab]*', 'b1')).toBe(false);
    expect(m('[a-c]x', 'bx')).toBe(true);
    expect(m('\\*x', '*x')).toBe(true);
    expect(m('\\*x', 'ax')).toBe(false);
    expect(m('*', '.hidden')).toBe(false);
    expect(m('.*', '.hidden')).toBe(true);
    expect(m('*中*', '数据中文.jsonl')).toBe(true);
    expect(m('?', '😀')).toBe(true);
  });

  it('expands braces and ranges, and refuses a pattern that expands to too many', () => {
    expect(expandBraces('a.{jsonl,json}')).toEqual(['a.jsonl', 'a.json']);
    expect(expandBraces('x{1..3}')).toEqual(['x1', 'x2', 'x3']);
    expect(expandBraces('{a,{b,c}}d')).toEqual(['ad', 'bd', 'cd']);
    expect(expandBraces('{x}')).toEqual(['{x}']);
    expect(() => expandBraces('{a,b}'.repeat(11))).toThrow(/more than 1024/);
  });
});

describe('expandGlob on a folder tree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    for (const f of ['a.jsonl', 'b.jsonl', 'c.json', '.hidden.jsonl', 'sub/d.jsonl', 'sub/deep/e.jsonl', 'sub/deep/f.csv', '.dot/g.jsonl', 'x1.txt', 'x2.txt', 'x10.txt']) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), '{}\n');
    }
    await symlink(join(dir, 'sub'), join(dir, 'link'));
    await symlink(dir, join(dir, 'sub/deep/up')); // a loop
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds what tinyglobby finds for ordinary patterns', async () => {
    for (const p of ['*.jsonl', '*.{jsonl,json}', 'sub/*.jsonl', 'sub/*/*.jsonl', '*/*.jsonl', 'x?.txt', 'x[0-9]*.txt', '[ab].jsonl', 'sub/deep/*']) {
      const ours = (await expandGlob(join(dir, p))).sort();
      const theirs = (await glob(join(dir, p), { onlyFiles: true, expandDirectories: false, absolute: true })).sort();
      expect(ours, p).toEqual(theirs);
    }
  });

  it('** spans folders, skips dot folders and reads a folder reached through a loop once', async () => {
    const all = (await expandGlob(`${dir}/**/*.jsonl`)).map((p) => p.slice(dir.length + 1)).sort();
    // sub/ is reached twice (as sub and through the link): its files come once, under the first spelling.
    expect(all).toEqual(['a.jsonl', 'b.jsonl', 'link/d.jsonl', 'link/deep/e.jsonl']);
    expect(all.some((p) => p.includes('.dot') || p.includes('.hidden'))).toBe(false);
    expect(all.some((p) => p.includes('up/'))).toBe(false);
  });

  it('spells paths from the pattern: relative stays relative', async () => {
    const rel = await expandGlob('fixtures/sample/*.jsonl');
    expect(rel.sort()).toEqual(['fixtures/sample/licenses.jsonl', 'fixtures/sample/repeats-and-damage.jsonl']);
  });

  it('a glob with many stars over long names finishes (picomatch took minutes), bounded by a child with a kill timeout', async () => {
    for (let i = 0; i < 5; i++) await writeFile(join(dir, 'a'.repeat(60 + i) + '.jsonl'), '{"text":"x"}\n');
    const r = await runCli(['cat', `${dir}/*a*a*a*a*a*a*a*a*a*a*a*a*b.jsonl`, '-q'], { timeoutMs: 120_000 });
    expect(r.signal, 'killed after the bound: the glob matcher backtracks').toBeUndefined();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no files match/);
    const ok = await runCli(['cat', `${dir}/*a*a*a*a*a*a*a*a*a*a*a*a*.jsonl`, '-q'], { timeoutMs: 120_000 });
    expect(ok.signal).toBeUndefined();
    expect(ok.stdout.trim().split('\n')).toHaveLength(5);
  }, 300_000);
});
