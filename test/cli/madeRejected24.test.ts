import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 24 N5: a stage of one's own that rejects the record it splits, then passes on
 * its pieces made with deriveDoc. The reject of the first such record came before the thread's
 * first deriveDoc, so it was not noted as the record's coming out, and its first piece was taken
 * for the record itself: 'read 3 + made 5 = written 6 + rejected 3 (MISMATCH ...)', exit 1.
 */
describe('a stage that rejects a record and passes on the pieces it made of it', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const lib = JSON.stringify(join(ROOT, 'dist/index.js'));
    await writeFile(
      join(dir, 'split.mjs'),
      `import { deriveDoc } from ${lib};\nexport default { name: 'split', summary: 'halves', options: {}, create: () => ({ name: 'split', needsText: true, options: {}, async *run(batches, ctx) { for await (const b of batches) { const out = []; for (const d of b) { const t = String(d.data.text); ctx.reject(d, 'replaced'); out.push(deriveDoc(d, { text: t.slice(0, 3) }), deriveDoc(d, { text: t.slice(3) })); } yield out; } } }) };\n`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./split.mjs\noutput: {compression: none}\n');
    await writeFile(join(dir, 'a.jsonl'), ['abcdef', 'ghijkl', 'mnopqr'].map((text) => JSON.stringify({ text })).join('\n') + '\n');
  });

  it('read 3 + made 6 = written 6 + rejected 3, exit 0', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/corpus-clean run: read 3 \+ made 6 = written 6 \+ rejected 3 /);
  });
});
