import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRecipe } from '../../src/cli/commands/run.js';
import { readDecoded, ROOT, tempDir } from '../helpers/run.js';

/** Opens for reading of the files whose path `matches` while `f` runs (synchronous and promise opens). */
async function opensOf(matches: (path: string) => boolean, f: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const openSync = fs.openSync;
  const open = fs.promises.open;
  const reading = (flags: unknown): boolean => flags === undefined || flags === 'r';
  fs.openSync = ((p: fs.PathLike, flags?: unknown, ...a: unknown[]) => {
    if (matches(String(p)) && reading(flags)) seen.push(String(p));
    return (openSync as (...x: unknown[]) => number)(p, flags, ...a);
  }) as typeof fs.openSync;
  fs.promises.open = ((p: fs.PathLike, flags?: unknown, ...a: unknown[]) => {
    if (matches(String(p)) && reading(flags)) seen.push(String(p));
    return (open as (...x: unknown[]) => Promise<fs.promises.FileHandle>)(p, flags, ...a);
  }) as typeof fs.promises.open;
  syncBuiltinESMExports();
  try {
    await f();
  } finally {
    fs.openSync = openSync;
    fs.promises.open = open;
    syncBuiltinESMExports();
  }
  return seen;
}

// Issue 16, eighteenth pass (speed18a): each task segment's rejects (most of what a web crawl's
// run writes: 79 MB of the 171 MB bench mix) were read back three times: for their CRC-32 when
// the task sealed them, for it again when the merge checked the seals, and to be copied into the
// run's rejects. Now the writer takes the size and CRC-32 as it writes, and the merge as it copies.
describe("a run's task rejects", { timeout: 300_000 }, () => {
  it('are read once, by the merge that copies them, and come out whole', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'r.yaml');
    // Plain JSON Lines, to be cut into tasks.
    const input = join(dir, 'web-en.jsonl');
    await writeFile(input, await readDecoded(join(ROOT, 'fixtures/sample/web-en.jsonl.gz')));
    await writeFile(recipe, `input: [${JSON.stringify(input)}]\nstages:\n  - quality: {preset: web-en}\n  - dedup: {method: exact}\noutput: {compression: gzip}\n`);
    const out = join(dir, 'o');
    const segmentRejects = (p: string): boolean => p.includes(`${sep}_work${sep}rejects${sep}`) && p.endsWith('.jsonl.zst');
    let code = -1;
    const opens = await opensOf(segmentRejects, async () => {
      code = (await runRecipe(recipe, { output: out, workers: 1, taskSize: '40KB', quiet: true })).code;
    });
    expect(code).toBe(0);
    const files = new Set(opens);
    // Several tasks, two segments each (quality, then exact dedup after its barrier).
    expect(files.size).toBeGreaterThan(4);
    for (const f of files) expect(opens.filter((o) => o === f), f).toHaveLength(1);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as { rejected: number };
    const lines = (await readDecoded(join(out, '_rejects.jsonl.zst'))).toString('utf8').split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(stats.rejected);
    expect(stats.rejected).toBeGreaterThan(0);
  });
});
