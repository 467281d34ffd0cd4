import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 12 H5: an input name holding a newline cut the header comment of
// `_recipe.resolved.yaml` (`# Resolved by ... (input: nl` + a line `name.jsonl).`): invalid YAML,
// "warning: no report", and the resolved recipe could not be run again.

describe('names with a newline in the resolved recipe (H5)', () => {
  it('are escaped in its header comment, as on stderr: the file parses, the report is made, and it runs again', async () => {
    const dir = await tempDir();
    const name = 'nl\nname.jsonl';
    await writeFile(join(dir, name), JSON.stringify({ text: 'A record with a few words in it, enough to be kept by normalize.' }) + '\n');
    // The recipe's path too (its folder: the recipe's name comes from the file's).
    await mkdir(join(dir, 'rec\nipes'));
    await writeFile(join(dir, 'rec\nipes/r.yaml'), 'stages:\n  - normalize\n');
    const r = await runCli(['run', 'rec\nipes/r.yaml', '-i', name, '-o', 'out'], { cwd: dir });
    expect(r.stderr).not.toContain('no report');
    expect(r.code).toBe(0);
    const text = await readFile(join(dir, 'out/_recipe.resolved.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# Resolved by corpus-clean ${JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')).version} from rec\\x0aipes/r.yaml (input: nl\\x0aname.jsonl).`);
    // The input list itself holds the name as it is (YAML quotes it).
    expect((parse(text) as { input: string[] }).input).toEqual([join(dir, name)]);
    const again = await runCli(['run', 'out/_recipe.resolved.yaml', '-o', 'again'], { cwd: dir });
    expect(again.stderr).not.toContain('no report');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('read 1 = written 1 + rejected 0');
  });
});
