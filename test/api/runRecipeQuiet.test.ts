import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runNode, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// review-newuser3 #3 (still in review 4): `runRecipe({quiet: true})` printed the accounting line
// and one line per input file. Quiet means quiet for the library: nothing on stderr, the lines
// in the result beside the stats.
describe('runRecipe({quiet: true})', { timeout: 300_000 }, () => {
  it('prints nothing on stderr; the result carries the accounting line and the per-file lines', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'r.yaml'), `name: q\ninput: [${JSON.stringify(join(ROOT, 'fixtures/sample/licenses.jsonl'))}, ${JSON.stringify(join(ROOT, 'fixtures/sample/repeats-and-damage.jsonl'))}]\nstages:\n  - normalize: {}\n  - dedup: { method: exact }\nmax_reject_rate: 1\n`);
    const script = (quiet: boolean, out: string): string =>
      `import { runRecipe } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
      `const r = await runRecipe('r.yaml', { output: ${JSON.stringify(out)}, workers: 1, quiet: ${quiet} });\n` +
      `process.stdout.write(JSON.stringify({ code: r.code, read: r.stats?.read, accounting: r.accounting, messages: r.messages }));\n`;
    await writeFile(join(dir, 'quiet.mjs'), script(true, 'o1'));
    await writeFile(join(dir, 'loud.mjs'), script(false, 'o2'));
    const q = await runNode(['quiet.mjs'], { cwd: dir });
    expect(q.code, q.stderr).toBe(0);
    expect(q.stderr).toBe('');
    const r = JSON.parse(q.stdout) as { code: number; read: number; accounting: string; messages: string[] };
    expect(r.accounting).toMatch(new RegExp(`^corpus-clean run: read ${r.read} = written \\d+ \\+ rejected \\d+`));
    expect(r.messages).toContain(r.accounting);
    // One line per input file (two files), in the result.
    expect(r.messages.filter((l) => /^ {2}\S.*: read \d+ = written \d+ \+ rejected \d+/.test(l))).toHaveLength(2);
    // Without quiet the same lines go to stderr too, as the CLI prints them.
    const l = await runNode(['loud.mjs'], { cwd: dir });
    expect(l.code, l.stderr).toBe(0);
    const loud = JSON.parse(l.stdout) as { messages: string[] };
    for (const m of loud.messages) expect(l.stderr).toContain(m);
    expect(l.stderr).toMatch(/^corpus-clean run: read \d+ = /m);
  });
});
