import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EarlierOutput, quiesceEarlierOutputs, settleEarlierOutputs } from '../../src/io/earlierOutput.js';
import { tempDir } from '../helpers/run.js';

/** A folder of N shards and a _SUCCESS, as an earlier output that --overwrite is to replace. */
async function earlierFolder(n: number): Promise<{ dir: string; names: string[] }> {
  const dir = await tempDir();
  const names = [...Array.from({ length: n }, (_, i) => `part-${String(i).padStart(5, '0')}.jsonl`), '_SUCCESS'];
  for (const f of names) writeFileSync(join(dir, f), `earlier ${f}\n`);
  return { dir, names };
}

// Hostile review 16 F5 and F8: a signal while the earlier output was being set aside or put back
// left files under their hidden names (the exit's clean-up found none, or had not been told yet),
// `_SUCCESS` among them, while the message said the earlier output was kept as it was.
// In this order: a stopping process sets nothing aside after its quiescing (a flag of the module).
describe('an earlier output set aside by --overwrite, when a signal ends the process', () => {
  it('is removed, never put back over the new output, once the new output was published', async () => {
    const { dir, names } = await earlierFolder(50);
    const e = new EarlierOutput();
    for (const f of names) await e.setAside(join(dir, f));
    writeFileSync(join(dir, '_SUCCESS'), 'new\n');
    e.markPublished();
    settleEarlierOutputs();
    expect(readdirSync(dir)).toEqual(['_SUCCESS']);
    expect(readFileSync(join(dir, '_SUCCESS'), 'utf8')).toBe('new\n');
  });
  it('is put back whole by the exit when the signal came while the failed command was putting it back', async () => {
    const { dir, names } = await earlierFolder(300);
    const e = new EarlierOutput();
    for (const f of names) await e.setAside(join(dir, f));
    expect(existsSync(join(dir, '_SUCCESS'))).toBe(false);
    const restoring = e.restore();
    // The signal's exit comes while the command's own restore has put back only some of them.
    await quiesceEarlierOutputs();
    settleEarlierOutputs();
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
    await restoring;
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it('is put back whole by the exit when the signal came while it was being set aside', async () => {
    const { dir, names } = await earlierFolder(300);
    const e = new EarlierOutput();
    // As preparing does: one file after the other; the signal comes after the first few.
    const setting = (async () => {
      for (const f of names) await e.setAside(join(dir, f));
    })().then(() => 'all set aside', (err: Error) => err.message);
    await new Promise((r) => setTimeout(r, 1));
    // The exit: wait for the rename under way, set nothing more aside, put back what is aside.
    await quiesceEarlierOutputs();
    settleEarlierOutputs();
    expect(await setting).toContain('interrupted');
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
    for (const f of names) expect(readFileSync(join(dir, f), 'utf8')).toBe(`earlier ${f}\n`);
  });

});
