import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readsOf } from '../../helpers/readsOf.js';
import { makeDoc, type Doc } from '../../../src/core/doc.js';
import { resolveOptions } from '../../../src/core/options.js';
import type { StageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { minhashGlobal } from '../../../src/stages/dedup/global/minhash.js';
import { dedupOptions, minHashConfig } from '../../../src/stages/dedup/options.js';

const ctx = (rejected: string[]): StageContext => ({ stats: emptyStageStats('dedup'), textField: undefined, reject: (d: Doc) => rejected.push(d.source) }) as unknown as StageContext;

async function drain(it: AsyncIterable<Doc[]>): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

async function* once(docs: Doc[]): AsyncGenerator<Doc[]> {
  yield docs;
}

/** Reads of the shard metas (`sigs/*.json`) while `f` runs (readsOf). */
const metaReads = (f: () => Promise<void>): Promise<string[]> => readsOf((p) => p.includes(`${sep}sigs${sep}`) && p.endsWith('.json'), f);

// Issue 16, seventeenth pass: every band of MinHash's bands step read every task's meta twice
// (its CRC-32 for the seal check, then again by loadMetas to be parsed): 33 reads of each meta in
// a run of the sample recipe. Now once per band, checked against the seal in that read; once for
// the cluster step, once for the task's apply.
describe('MinHash in phases: shard metas', () => {
  it('are read once per unit that needs them, checked in that read; one changed in place is refused naming its task', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-minhash-meta-'));
    try {
      const config = minHashConfig(resolveOptions('dedup', dedupOptions, { method: 'minhash' }) as never);
      const tasks = 4;
      const g = minhashGlobal(config, 'first');
      const scope = { workDir: dir, tasks };
      // Numbers are normalised away by the shingler: each text's own words are made of letters.
      const word = (n: number, w: number): string => String.fromCharCode(97 + (n % 26), 97 + (Math.floor(n / 26) % 26), 97 + w);
      const text = (n: number): string => Array.from({ length: 12 }, (_, w) => word(n, w)).join(' ');
      const texts = (t: number): Doc[] => Array.from({ length: 30 }, (_, i) => makeDoc({ text: text((t * 30 + i) % 50) }, `in-${t}.jsonl:${i + 1}`));
      for (let t = 0; t < tasks; t++) await drain(g.collect(scope, t).run(once(texts(t)), ctx([])));
      const [bands, cluster] = g.steps(tasks);
      const inBands = await metaReads(async () => {
        for (let b = 0; b < config.bands; b++) await bands.run(scope, b);
      });
      expect(inBands.length).toBe(config.bands * tasks);
      expect(await metaReads(async () => void (await cluster.run(scope, 0)))).toHaveLength(tasks);
      const rejected: string[] = [];
      const inApply = await metaReads(async () => {
        for (let t = 0; t < tasks; t++) await drain(g.apply(scope, t).run(once(texts(t)), ctx(rejected)));
      });
      expect(inApply).toHaveLength(tasks);
      // 120 records of 50 texts: 70 near (here: exact) duplicates dropped.
      expect(rejected).toHaveLength(70);

      // A meta changed in place, same size: refused by the band, naming the task that wrote it.
      const meta = join(dir, 'sigs', '000002.json');
      const b = readFileSync(meta);
      const at = b.indexOf('"records": ') + 11;
      b[at] = b[at] === 0x39 ? 0x38 : b[at] + 1;
      writeFileSync(meta, b);
      await expect(bands.run(scope, 0)).rejects.toThrow(/sigs\/000002\.json is damaged: its CRC-32 is not the one written/);
      await expect(cluster.run(scope, 0)).rejects.toMatchObject({ writer: { task: 2 } });
      rmSync(meta);
      await expect(drain(g.apply(scope, 2).run(once(texts(2)), ctx([])))).rejects.toThrow(/sigs\/000002\.json is damaged: it is gone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
