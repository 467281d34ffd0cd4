import type { Doc, JsonObject } from '../core/doc.js';
import { makeDoc } from '../core/doc.js';
import type { DocSink, DocSource } from '../core/pipeline.js';

/** A source over records in memory; `source` of each is `name:index+1`. Batches of `batchSize` (default 1000). */
export function fromRecords(records: readonly JsonObject[], name = 'memory', batchSize = 1000): DocSource {
  return {
    async *read(events) {
      events.file(name);
      for (let i = 0; i < records.length; i += batchSize) {
        const batch: Doc[] = [];
        for (let j = i; j < Math.min(records.length, i + batchSize); j++) batch.push(makeDoc(structuredClone(records[j]), `${name}:${j + 1}`));
        events.read(batch.length, 0);
        yield batch;
      }
    },
  };
}

/** A sink that keeps what it is given, for tests and library use: `sink.docs` after the run. */
export function collect(): DocSink & { docs: Doc[] } {
  const docs: Doc[] = [];
  return {
    docs,
    write(batch) {
      for (const d of batch) docs.push(d);
    },
    async close() {},
    async abort() {},
  };
}
