import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23 B9: in a run, an HTML page saved as .txt was filtered as prose, and the
// per-file warning advised relaxing gopher_quality:alpha_words, which would let the markup into
// the training data. It now says the .txt holds an HTML page and how to read it as one.

const PAGE = '\uFEFF  <!DOCTYPE html> <html> <head> <meta charset="utf-8"> <title>t</title> <script>var a = {"x": [1, 2, 3]};</script> </head> <body> <div class="nav"> <a href="/">home</a> </div> </body> </html>\n';
const GOOD = Array.from({ length: 6 }, (_, i) => JSON.stringify({ text: `This is a plain English paragraph number ${i} about the weather in the valley. It rained all day, and the river rose over its banks by the evening. The farmers moved their animals to the hills before the night came. `.repeat(4) })).join('\n') + '\n';

describe('a .txt input that holds an HTML page', () => {
  it("its per-file warning says to read it as HTML, not to relax a rule", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await writeFile(join(dir, 'page.txt'), PAGE);
    await writeFile(join(dir, 'plain.txt'), '{} [] <> ;; == ++ -- ** // || && ## @@ $$ %% ^^ ~~ {} [] <> ;; == ++ -- ** // || && ## @@ $$ %% ^^ ~~\n');
    const r = await runCli(['quality', '--preset', 'web-en', 'good.jsonl', 'page.txt', 'plain.txt', '-o', 'out.jsonl', '--max-reject-rate', '1', '--allow-empty'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const page = r.stderr.split('\n').find((l) => l.includes('warning: page.txt'));
    expect(page, r.stderr).toContain('this .txt holds an HTML page');
    expect(page).toContain('give it a .html name (or read it with --format html)');
    expect(page).not.toContain('relax it');
    // A .txt of plain text keeps the advice on the rule.
    const plain = r.stderr.split('\n').find((l) => l.includes('warning: plain.txt'));
    expect(plain, r.stderr).toContain('relax it');
  });
});
