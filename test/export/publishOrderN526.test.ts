import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/core/doc.js';
import { HoldoutSink, loadHoldoutKey } from '../../src/export/holdout.js';
import { InternEvoWriter } from '../../src/export/internevo-writer.js';
import { tempDir } from '../helpers/run.js';

// Hostile review 25 N5: a hold-out export killed -9 while it published train/ left train/en
// complete-looking and valid/en only temporaries. The hold-out now publishes valid/ before train/:
// when the first train/ shard is renamed into place, every valid/ shard is in place already, so a
// train/ that looks complete has its hold-out complete beside it. (Each rename is journaled in its
// folder's lock first, which the next export settles: test/cli/placedShardsEa26.test.ts.)

describe('a hold-out over two InternEvo writers (N5)', () => {
  it('renames every valid/ shard into place before the first train/ shard', async () => {
    const out = await tempDir();
    const order: string[] = [];
    // At each train/ rename, what valid/ holds under final names.
    const validSeen: boolean[] = [];
    const writers = {
      train: new InternEvoWriter({ outDir: out, split: 'train', maxShardBytes: 40, onShard: (name) => (order.push(relative(out, name)), validSeen.push(existsSync(join(out, 'valid/en/part-00001.bin')))) }),
      valid: new InternEvoWriter({ outDir: out, split: 'valid', maxShardBytes: 40, onShard: (name) => void order.push(relative(out, name)) }),
    };
    const sink = new HoldoutSink(writers, await loadHoldoutKey(), { fraction: 0.5 });
    const docs = Array.from({ length: 24 }, (_, i) => ({ data: { text: `record number ${i}` }, attrs: { tokens: [1, 2, 3, i] }, source: `r${i}` }) as unknown as Doc);
    for (let i = 0; i < docs.length; i += 4) await sink.write(docs.slice(i, i + 4));
    await sink.close();
    expect(sink.counts.train).toBeGreaterThan(2);
    expect(sink.counts.valid).toBeGreaterThan(2);
    const firstTrain = order.findIndex((n) => n.startsWith('train/'));
    const lastValid = order.map((n) => n.startsWith('valid/')).lastIndexOf(true);
    expect(lastValid).toBeGreaterThanOrEqual(0);
    expect(firstTrain).toBeGreaterThan(lastValid);
    expect(validSeen.every(Boolean)).toBe(true);
    expect(writers.train.shards.length + writers.valid.shards.length).toBe(order.length / 2);
  });
});
