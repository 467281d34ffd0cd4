import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23 B6: a stage of one's own that makes several records from one (chunking)
// failed the run as a MISMATCH whose line said 'this is a bug, please report it', where status
// said 'a bug in a stage, of your own or of corpus-clean'; the README read as if new records were allowed.

const SPLIT = `export default {
  name: 'split', summary: 'one record per word', options: {},
  create: () => ({ name: 'split', needsText: true, options: {}, async *run(batches) {
    for await (const b of batches) yield b.flatMap((d) => String(d.data.text).split(' ').map((w) => ({ data: { ...d.data, text: w }, attrs: {}, source: d.source })));
  } }),
};
`;

const IN = Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i}` })).join('\n') + '\n';

describe('a stage of your own that splits records', () => {
  it("fails as a MISMATCH that names a stage of one's own as the suspect, not corpus-clean alone", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'split.mjs'), SPLIT);
    await writeFile(join(dir, 'a.jsonl'), IN);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./split.mjs\nmax_reject_rate: 1\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'out', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('read 5 = written 15 + rejected 0 (MISMATCH: records unaccounted for, 10 more written and rejected than read: a stage lost or made records without a reject; a bug in a stage, of your own or of corpus-clean: a stage passes or rejects each record once; the records it makes from one (a chunking stage\'s pieces) are counted as made when each is made with `deriveDoc(doc, data)`)');
    expect(r.stderr).not.toContain('please report it');
  });

  it('a recipe of built-in stages alone keeps the bug line (nothing of its own to blame)', async () => {
    const { accountingLine } = await import('../../src/cli/report.js');
    const stats = { read: 5, written: 4, rejected: 0, files: 1, bytesRead: 10, ms: 1, input: { stage: 'read', dropped: {} }, stages: [], perFile: { 'a.jsonl': { read: 5, written: 4, rejected: 0 } } };
    const line = accountingLine('run', stats as never);
    expect(line).toContain('(MISMATCH: records unaccounted for; this is a bug, please report it)');
    expect(accountingLine('run', stats as never, true)).toContain('1 read and neither written nor rejected: a stage lost or made records');
  });

  // Since fix24a (session 24): pieces made with deriveDoc count as made (test/cli/madeRecords24.test.ts).
  it("the README's custom-stage paragraph says how a stage makes several records from one", async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    const para = readme.slice(readme.indexOf('A stage of your own goes into a recipe as a module'), readme.indexOf('On the command line, flags are kebab-case'));
    expect(para).toContain('It may make several\nrecords from one');
    expect(para).toContain('the pieces after the\nfirst are counted as made');
  });
});
