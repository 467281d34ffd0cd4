import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

// New-user review 23b C7: the advice for an HTML page saved as .txt (B9 of review 23) came only
// in the per-file warnings of a run over several files; a run over that one file (or a .txt.gz)
// said only 'its one record was rejected as quality/gopher_quality:alpha_words'. The note that
// nothing was written carries it now.

const PAGE = '\uFEFF  <!DOCTYPE html> <html> <head> <meta charset="utf-8"> <title>t</title> <script>var a = {"x": [1, 2, 3]};</script> </head> <body> <div class="nav"> <a href="/">home</a> </div> </body> </html>\n';
const PLAIN = '{} [] <> ;; == ++ -- ** // || && ## @@ $$ %% ^^ ~~ {} [] <> ;; == ++ -- ** // || && ## @@ $$ %% ^^ ~~\n';

let dir = '';
let res: Awaited<ReturnType<typeof runCli>>[] = [];

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'page.txt'), PAGE);
  await writeFile(join(dir, 'page2.txt.gz'), gzipSync(PAGE));
  await writeFile(join(dir, 'plain.txt'), PLAIN);
  await writeFile(join(dir, 'r.yaml'), 'stages:\n  - quality:\n      preset: web-en\n');
  res = await runCliAll(
    [
      ['quality', '--preset', 'web-en', 'page.txt', '-o', 'out.jsonl'],
      ['run', 'r.yaml', '-i', 'page2.txt.gz', '-o', 'run', '-w', '1'],
      ['quality', '--preset', 'web-en', 'plain.txt', '-o', 'out2.jsonl'],
    ],
    { cwd: dir },
  );
}, 120_000);

const note = (stderr: string): string => stderr.split('\n').find((l) => l.includes('note: nothing was written')) ?? '';

describe('a run over one .txt file that holds an HTML page', () => {
  it('its nothing-written note says the .txt holds an HTML page and how to read it as one', () => {
    const r = res[0];
    expect(r.code, r.stderr).toBe(1);
    expect(note(r.stderr), r.stderr).toContain("its one record was rejected as quality/gopher_quality:");
    expect(note(r.stderr)).toContain("'page.txt' holds an HTML page (it begins with <!doctype html> or <html>), read as plain text, markup and all: give it a .html name (or read it with --format html)");
  });

  it('a .txt.gz too (run): read through its gzip layer, and told to take a .html.gz name', () => {
    const r = res[1];
    expect(r.code, r.stderr).toBe(1);
    expect(note(r.stderr), r.stderr).toContain("'page2.txt.gz' holds an HTML page");
    expect(note(r.stderr)).toContain('give it a .html.gz name');
  });

  it('a .txt of plain text gets no word of HTML', () => {
    const r = res[2];
    expect(r.code, r.stderr).toBe(1);
    expect(note(r.stderr), r.stderr).toContain('rejected as quality/');
    expect(r.stderr).not.toContain('HTML page');
  });
});
