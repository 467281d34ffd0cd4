import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentMatcher } from '../../src/core/glob.js';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 19 (older finding): a glob over an output folder (`DIR/*`, `DIR/**/*.jsonl`)
// matched its `_` files, which a folder read skips: a `_stats.json` made compact (`jq -c`: one
// valid JSON line) was read as a record (read/text_missing, exit 1), and the advice to leave a
// file out by renaming it with a leading `_` did not hold for globs.
describe('a glob over a folder skips names starting with _, as reading the folder does', () => {
  it('reads the data files only, and an `_` file when the pattern spells the `_`', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one record of data"}\n{"text":"and a second one"}\n');
    const first = await runCli(['cat', 'in.jsonl', '-o', 'R/', '--stats', 'st.json', '-q'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    // A stats file made compact, a notes file left out by its name, a work folder.
    await writeFile(join(dir, 'R/_stats.json'), JSON.stringify(JSON.parse(await readFile(join(dir, 'st.json'), 'utf8'))));
    await writeFile(join(dir, 'R/_notes.jsonl'), '{"note":"not data"}\n');
    await mkdir(join(dir, 'R/_work'));
    await writeFile(join(dir, 'R/_work/part-x.jsonl'), '{"text":"a temporary"}\n');
    for (const pattern of ['R/*', 'R/**/*.jsonl', 'R/*.json*']) {
      const r = await runCli(['cat', pattern, '-o', `out-${pattern.length}.jsonl`, '--stats', `s-${pattern.length}.json`], { cwd: dir });
      expect(r.code, `${pattern}: ${r.stderr}`).toBe(0);
      const st = JSON.parse(await readFile(join(dir, `s-${pattern.length}.json`), 'utf8'));
      expect(st.inputs.every((f: string) => !/(^|\/)_/.test(f.slice(dir.length)))).toBe(true);
      expect([st.read, st.written], pattern).toEqual([2, 2]);
    }
    const named = await runCli(['cat', 'R/_n*', '-o', 'notes.jsonl', '--no-require-text', '-q'], { cwd: dir });
    expect(named.code, named.stderr).toBe(0);
    expect(await readFile(join(dir, 'notes.jsonl'), 'utf8')).toBe('{"note":"not data"}\n');
    await rm(dir, { recursive: true, force: true });
  });

  it('matches `.` and `_` names only when the segment spells them', () => {
    expect(segmentMatcher('*')('_stats.json')).toBe(false);
    expect(segmentMatcher('*.json')('_stats.json')).toBe(false);
    expect(segmentMatcher('_*')('_stats.json')).toBe(true);
    expect(segmentMatcher('*')('.hidden')).toBe(false);
    expect(segmentMatcher('.*')('.hidden')).toBe(true);
    expect(segmentMatcher('*')('a_b.jsonl')).toBe(true);
  });
});
