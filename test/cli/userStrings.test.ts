import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/** A user string that would clear the screen and forge a line of its own if printed raw. */
const H = 'a\x1b[2Jb\nFORGED line';
/** How the one escaper (core/show.ts) shows it. */
const SHOWN = 'a\\x1b[2Jb\\x0aFORGED line';

/**
 * Issue #10 / review-late F5: some messages printed strings given by the user (flag values, file
 * names, recipe keys) with a raw ESC or newline: the --text-field note, "no files match",
 * "unknown stage" in a recipe. Every user string on stderr goes through showText/showPath.
 */
describe('user strings in messages are escaped', () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'k.jsonl');
    await writeFile(input, '{"text":"x"}\n{"other":"y"}\n');
  });

  /** stderr shows the string escaped, with no raw ESC and no forged line. */
  function escaped(stderr: string, what: string): void {
    expect(stderr, what).not.toContain('\x1b');
    expect(stderr.split('\n').filter((l) => l.startsWith('FORGED')), what).toEqual([]);
    expect(stderr, what).toContain(SHOWN);
  }

  it('the three cases of the review: --text-field note, no files match, unknown stage in a recipe', async () => {
    const note = await runCli(['cat', input, '--text-field', H]);
    escaped(note.stderr, '--text-field');
    expect(note.stderr).toContain(`records have no '${SHOWN}' field`);
    const none = await runCli(['cat', join(dir, `nofile${H}.jsonl`)]);
    escaped(none.stderr, 'no files match');
    expect(none.code).toBe(2);
    const recipe = join(dir, 'bad.yaml');
    await writeFile(recipe, `name: b\nstages:\n  - ${JSON.stringify(H)}: {}\n`);
    const stage = await runCli(['run', recipe, '--input', input, '-o', join(dir, 'ob')]);
    escaped(stage.stderr, 'unknown stage');
    expect(stage.stderr).toContain(`unknown stage '${SHOWN}'`);
    expect(stage.code).toBe(2);
  });

  it('flag values, commands, options, recipe keys and output paths', async () => {
    const existing = join(dir, `file${H}`);
    await writeFile(existing, 'x');
    const recipe = join(dir, 'key.yaml');
    await writeFile(recipe, `name: b\n${JSON.stringify(H)}: 1\nstages:\n  - normalize: {}\n`);
    const cases: [string, string[]][] = [
      ['unknown command', [H]],
      ['unknown option', ['cat', input, `--${H}`]],
      ['--format', ['cat', input, '--format', H]],
      ['--compress', ['cat', input, '--compress', H, '-o', join(dir, 'c.jsonl')]],
      ['--workers', ['run', recipe, '--workers', H]],
      ['quality --set', ['quality', input, '--set', H]],
      ['quality --skip', ['quality', input, '--skip', H]],
      ['langid --keep', ['langid', input, '--keep', H]],
      ['a value not among the choices', ['dedup', input, '--keep', H]],
      ['unknown recipe key', ['run', recipe, '--input', input, '-o', join(dir, 'o2')]],
      ['a file where a folder is needed', ['cat', input, '-o', existing + '/x.jsonl']],
      ['--rejects name', ['cat', input, '-o', join(dir, 'o3.jsonl'), '--rejects', `${existing}.json.bz2`]],
      ['export --to', ['export', '--to', H, input]],
    ];
    for (const [what, args] of cases) {
      const r = await runCli(args);
      escaped(r.stderr, what);
      expect(r.code, what).toBe(2);
    }
  });

  it('paths inside system errors (Node appends them raw): a recipe that cannot be read, an output that cannot be opened', async () => {
    const recipe = await runCli(['run', join(dir, `no${H}.yaml`)]);
    escaped(recipe.stderr, 'recipe');
    expect(recipe.stderr).toContain(`ENOENT: no such file or directory, open '${join(dir, `no${SHOWN}.yaml`)}'`);
    expect(recipe.code).toBe(2);
    if (!existsSync('/proc/self')) return;
    const out = await runCli(['cat', input, '-o', `/proc/${H}.jsonl`]);
    escaped(out.stderr, 'output');
    // Refused up front since fix15 (a place that takes no new file: exit 2, was 1 at its lock or temporary).
    expect(out.code).toBe(2);
  });
});
