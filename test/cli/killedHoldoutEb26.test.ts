import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// New-user review 25 E-b: after a kill -9 of an `--overwrite --valid-fraction` export, the restart
// with --overwrite and no hold-out put train/ back but not valid/ (the earlier hold-out stayed under
// hidden .earlier-PID names beside the killed export's temporaries and lock), then refused, calling
// those "what corpus-clean did not write there" and saying to remove valid/ by hand. The killed
// export's valid/ side is now settled (put back) before the earlier hold-out is judged.

let dir: string;
let killed: number;
let r: Awaited<ReturnType<typeof runNode>>;

beforeAll(async () => {
  dir = await tempDir();
  const tok = await smallTokenizer();
  const records = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';
  await writeFile(join(dir, 'en.jsonl'), records);
  const first = await runNode([CLI, 'export', 'internevo', 'en.jsonl', '-t', tok, '-o', 'th', '--type', 'en', '--valid-fraction', '0.3', '-q'], { cwd: dir });
  expect(first.code, first.stderr).toBe(0);
  killed = await killHeldExport(dir, ['-', '-t', tok, '-o', 'th', '--type', 'en', '--valid-fraction', '0.2', '--overwrite', '-q'], records, ['th/train/en', 'th/valid/en']);
  expect((await readdir(join(dir, 'th/valid/en'))).some((n) => n.endsWith(`.earlier-${killed}`))).toBe(true);
  r = await runNode([CLI, 'export', 'internevo', 'en.jsonl', '-t', tok, '-o', 'th', '--type', 'en', '--overwrite', '-q'], { cwd: dir });
}, 300_000);

describe('an --overwrite export without a hold-out after a kill -9 of an --overwrite --valid-fraction one (E-b)', () => {
  it('settles the killed export\'s valid/en (the earlier hold-out put back), then removes it as the hold-out of the export it replaces', async () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('did not write there');
    expect(r.stderr).toContain(`'th/valid/en': put back`);
    expect(r.stderr).toContain(`note: removed th/valid/en/, the hold-out of the earlier export this one replaced`);
    expect(existsSync(join(dir, 'th/valid'))).toBe(false);
    expect((await readdir(join(dir, 'th/train/en'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
  });
});
