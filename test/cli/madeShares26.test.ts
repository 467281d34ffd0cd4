import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 25 L-7 (24 N1's rest): with a stage that makes several records from one (a
 * chunker), the shares were of the records read alone, where read + made were judged: "warning:
 * debian_reference_zh-cn.jsonl: 28906.7 % of its 15 records were rejected as dedup/dedup:minhash",
 * and the report's Summary 'rejected 4,432 (36.9 %)' of read 12,002 (of read + made 23,866: 18.6 %).
 */
describe('shares of read + made, with a chunking stage', { timeout: 300_000 }, () => {
  it("the per-file warning and the report's summary say shares of the records judged", async () => {
    const dir = await tempDir();
    const lib = JSON.stringify(join(ROOT, 'dist/index.js'));
    await writeFile(
      join(dir, 'chunk.mjs'),
      `import { deriveDoc } from ${lib};\nexport default { name: 'chunk', summary: 'one record per word', options: {}, create: () => ({ name: 'chunk', needsText: true, options: {}, async *run(batches) { for await (const b of batches) yield b.flatMap((d) => String(d.data.text).split(' ').map((w) => deriveDoc(d, { text: w }))); } }) };\n`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./chunk.mjs\n  - dedup:\n      method: exact\noutput: {compression: none}\n');
    // a: 10 records of 30 words 'same' (300 pieces, 299 exact duplicates); b: 20 records of distinct words.
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 10 }, () => JSON.stringify({ text: Array(30).fill('same').join(' ') }) + '\n').join(''));
    await writeFile(join(dir, 'b.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `word${i}a word${i}b` }) + '\n').join(''));
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'o', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/corpus-clean run: read 30 \+ made 310 = written 41 \+ rejected 299 \[dedup\/dedup:exact 299\] in /);
    expect(r.stderr).toContain('warning: a.jsonl: 99.7 % of the 300 records from it (10 read, 290 made by stages) were rejected as dedup/dedup:exact');
    const html = await readFile(join(dir, 'o/_report.html'), 'utf8');
    expect(html).toContain('<th>rejected</th><td>299 (87.9 % of read + made)</td>');
    expect(html).toContain('<th>written</th><td>41 (12.1 % of read + made)</td>');
  });
});
