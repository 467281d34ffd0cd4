import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDoc } from '../../src/core/doc.js';
import { sealAt } from '../../src/core/workSeal.js';
import { SpillWriter, spillSource } from '../../src/exec/spill.js';

const events = { read() {}, file() {}, fileError(e: Error) { throw e; }, reject() {} } as never;

// Issue 16, seventeenth pass: a spill is read through its own chunks (its CRC-32 taken as it is
// read); a small one (many small tasks) is read in one synchronous read, as the file reader reads
// a small file, not through the thread pool's open, stat, reads and close.
describe('a small spill', () => {
  it('is read back whole without an asynchronous open, and checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-spill-small-'));
    const opens: string[] = [];
    const real = fs.promises.open;
    try {
      const p = join(dir, '_work', 'spill', '0', '00000.jsonl');
      const w = new SpillWriter(p);
      await w.write(Array.from({ length: 50 }, (_, i) => makeDoc({ text: `record ${i}` }, `in.jsonl:${i + 1}`)));
      await w.close();
      const seal = join(dir, '_work', 'seals', '00000.0.json');
      sealAt(seal, dir, [], w.sealEntries());
      fs.promises.open = ((path: fs.PathLike, ...a: unknown[]) => (opens.push(String(path)), (real as (...x: unknown[]) => unknown)(path, ...a))) as typeof real;
      syncBuiltinESMExports();
      const texts: string[] = [];
      for await (const b of spillSource(p, { path: seal, base: dir, writer: { task: 0 } }).read(events)) for (const d of b) texts.push(d.data.text as string);
      expect(texts).toHaveLength(50);
      expect(texts[49]).toBe('record 49');
      expect(opens.filter((o) => o.endsWith('.jsonl'))).toEqual([]);
    } finally {
      fs.promises.open = real;
      syncBuiltinESMExports();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
