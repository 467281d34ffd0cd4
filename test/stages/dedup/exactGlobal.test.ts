import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readsOf } from '../../helpers/readsOf.js';
import { makeDoc, type Doc } from '../../../src/core/doc.js';
import type { StageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { exactGlobal } from '../../../src/stages/dedup/global/exact.js';
import { exactPartitions } from '../../../src/stages/dedup/global/lazy.js';

const ctx = (rejected: string[]): StageContext => ({ stats: emptyStageStats('dedup'), textField: undefined, reject: (d: Doc) => rejected.push(d.source) }) as unknown as StageContext;

async function drain(it: AsyncIterable<Doc[]>): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

async function* once(docs: Doc[]): AsyncGenerator<Doc[]> {
  yield docs;
}

/** Reads of files ending in `.idx` while `f` runs (readsOf). */
const idxReads = (f: () => Promise<void>): Promise<string[]> => readsOf((p) => p.endsWith('.idx'), f);

// Issue 16, seventeenth pass: every unit of exact dedup's partition step reads an offsets file
// (`.idx`) of every task, and every task's apply one of every partition: tasks x partitions
// reads a step. Each was read twice (its CRC-32 for the seal check, then again to be parsed);
// now once, checked against its seal in that read.
describe('exact dedup in phases: offsets files', () => {
  it('are read once per unit and writer, checked in that read; one changed in place is refused naming its writer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-exact-idx-'));
    try {
      const tasks = 6;
      const g = exactGlobal();
      const scope = { workDir: dir, tasks };
      const texts = (t: number): Doc[] => Array.from({ length: 40 }, (_, i) => makeDoc({ text: `record ${(t * 40 + i) % 100} of the corpus` }, `in-${t}.jsonl:${i + 1}`));
      for (let t = 0; t < tasks; t++) await drain(g.collect(scope, t).run(once(texts(t)), ctx([])));
      const parts = exactPartitions(tasks);
      const step = g.steps(tasks)[0];
      const reads = await idxReads(async () => {
        for (let p = 0; p < parts; p++) await step.run(scope, p);
      }).then((r) => r.filter((p) => p.includes(`${sep}keys${sep}`)));
      // Each partition: one read of each task's offsets file (its own written and sealed aside).
      expect(reads.length).toBe(parts * tasks);
      expect(new Set(reads).size).toBe(tasks);
      const applied = await idxReads(async () => {
        const rejected: string[] = [];
        for (let t = 0; t < tasks; t++) await drain(g.apply(scope, t).run(once(texts(t)), ctx(rejected)));
        // 240 records of 100 texts: 140 duplicates dropped.
        expect(rejected.length).toBe(140);
      }).then((r) => r.filter((p) => p.includes(`${sep}removed${sep}`)));
      expect(applied.length).toBe(parts * tasks);
      expect(new Set(applied).size).toBe(parts);

      // An offsets file changed in place, same size: refused, naming the task that wrote it.
      const idx = join(dir, 'keys', '000003.tsv.idx');
      const b = readFileSync(idx);
      const at = b.indexOf(0x2c) - 1;
      b[at] = b[at] === 0x39 ? 0x38 : b[at] + 1;
      writeFileSync(idx, b);
      await expect(step.run(scope, 0)).rejects.toThrow(/keys\/000003\.tsv\.idx is damaged: its CRC-32 is not the one written/);
      await expect(step.run(scope, 0)).rejects.toMatchObject({ writer: { task: 3 } });
      rmSync(idx);
      await expect(step.run(scope, 0)).rejects.toThrow(/keys\/000003\.tsv\.idx is damaged: it is gone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
