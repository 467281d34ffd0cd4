import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/** A recipe stage that rebuilds its records with `deriveDoc` ends balanced; one that spreads `{...doc}` is told to use it (hostile review 22 H4). */
describe('deriveDoc in a stage of one\'s own', () => {
  it('keeps each record under its input file; the MISMATCH of {...doc} names the helper', async () => {
    const dir = await tempDir();
    const lib = JSON.stringify(join(ROOT, 'dist/index.js'));
    const stage = (make: string): string =>
      `import { deriveDoc } from ${lib};\nexport default { name: 'rebuild', summary: 'x', options: {}, create: () => ({ name: 'rebuild', needsText: true, options: {}, async *run(batches) { for await (const b of batches) yield b.map((doc) => ${make}); } }) };\n`;
    await writeFile(join(dir, 'derive.mjs'), stage('deriveDoc(doc, { text: doc.data.text.toUpperCase() })'));
    await writeFile(join(dir, 'spread.mjs'), stage('({ ...doc, data: { text: doc.data.text.toUpperCase() } })'));
    for (const f of ['a', 'b']) await writeFile(join(dir, `${f}.jsonl`), `{"text":"first of ${f}","x":1}\n{"text":"second of ${f}","x":2}\n`);
    await writeFile(join(dir, 'd.yaml'), 'stages:\n  - module: ./derive.mjs\noutput: {compression: none}\n');
    await writeFile(join(dir, 's.yaml'), 'stages:\n  - module: ./spread.mjs\noutput: {compression: none}\n');
    const good = await runCli(['run', 'd.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'good', '-w', '1'], { cwd: dir });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain('read 4 = written 4 + rejected 0');
    const stats = JSON.parse(await readFile(join(dir, 'good/_stats.json'), 'utf8'));
    expect(stats.balanced).toBe(true);
    expect(stats.perFile['a.jsonl'].written).toBe(2);
    const bad = await runCli(['run', 's.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'bad', '-w', '1'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('make it with `deriveDoc(doc, data)`, or give it `source: doc.source`, which `{...doc}` does not copy');
  });
});
