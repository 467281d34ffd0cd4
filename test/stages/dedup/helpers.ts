import { readFileSync } from 'node:fs';
import type { Doc, JsonObject } from '../../../src/core/doc.js';
import { makeDoc } from '../../../src/core/doc.js';
import type { DocSource } from '../../../src/core/pipeline.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { Reject } from '../../../src/core/stage.js';
import type { RunStats } from '../../../src/core/stats.js';
import { collect } from '../../../src/io/memory.js';
import { defaultRegistryWithDedup } from './registry.js';

/** Records of a JSONL fixture. */
export function readJsonl(path: string): JsonObject[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JsonObject);
}

/** A shard in memory: records with `source` = `name:line`. */
export interface MemShard {
  name: string;
  records: JsonObject[];
  /** attrs per record (e.g. quality scores), by index. */
  attrs?: Record<string, unknown>[];
}

/** A source that yields the shards one after the other, in the order given, in small batches. */
export function shardSource(shards: readonly MemShard[], batchSize = 7): DocSource {
  return {
    async *read(events) {
      for (const s of shards) {
        events.file(s.name);
        for (let i = 0; i < s.records.length; i += batchSize) {
          const batch: Doc[] = [];
          for (let j = i; j < Math.min(i + batchSize, s.records.length); j++) {
            const d = makeDoc(structuredClone(s.records[j]), `${s.name}:${j + 1}`);
            if (s.attrs?.[j]) d.attrs = structuredClone(s.attrs[j]);
            batch.push(d);
          }
          events.read(batch.length, 0);
          yield batch;
        }
      }
    },
  };
}

/** Run the `dedup` stage with `options` over `shards`; returns kept docs, rejects and stats. */
export async function runDedup(
  shards: readonly MemShard[],
  options: Record<string, unknown> = {},
): Promise<{ kept: Doc[]; rejects: Reject[]; stats: RunStats }> {
  const stage = await defaultRegistryWithDedup().create('dedup', options);
  const sink = collect();
  const rejects: Reject[] = [];
  const stats = await pipeline({
    source: shardSource(shards),
    stages: [stage],
    sink,
    rejects: { push: (r) => rejects.push(r), async close() {}, async abort() {} },
  });
  return { kept: sink.docs, rejects, stats };
}
