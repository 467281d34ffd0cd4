import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23 B5: `cd inz; run web-zh.yaml -i . -o _cleaned` was refused as an output
// inside the input folder that 'the next read of that folder would take as input too', untrue for
// a name beginning with '_' (or '.'), which no folder read enters or reads.

const IN = Array.from({ length: 4 }, (_, i) => JSON.stringify({ text: `record ${i} of the input` })).join('\n') + '\n';

describe("an output under a '_' name inside the input folder", () => {
  it('is taken, and the next read of the folder does not read it', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'a.jsonl'), IN);
    const a = await runCli(['cat', 'in', '-o', 'in/_out.jsonl'], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['cat', 'in/', '-o', 'in/_cleaned/'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    await writeFile(join(dir, 'in', 'r.yaml'), 'stages:\n  - stage: normalize\n');
    const c = await runCli(['run', 'r.yaml', '-i', '.', '-o', '_run', '-w', '1'], { cwd: join(dir, 'in') });
    expect(c.code, c.stderr).toBe(0);
    expect(await readdir(join(dir, 'in', '_run'))).toContain('_SUCCESS');
    // Read again: the input alone, 4 records.
    const d = await runCli(['cat', 'in', '-o', 'again.jsonl'], { cwd: dir });
    expect(d.stderr).toContain('read 4 = written 4 + rejected 0');
  });

  it('an output under a name the walk reads is refused still', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'a.jsonl'), IN);
    const r = await runCli(['cat', 'in', '-o', 'in/out.jsonl'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("lies inside the input folder 'in': the next read of that folder would take the output as input too");
    const s = await runCli(['cat', 'in', '-o', 'in/sub/_x/../out.jsonl'], { cwd: dir });
    expect(s.code).toBe(2);
  });
});

describe('the README', () => {
  it("says an output under a '_' name inside the input folder is taken", async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain('a name there\nbeginning with `_` or `.`, which no folder read enters or reads, is taken');
  });
});
