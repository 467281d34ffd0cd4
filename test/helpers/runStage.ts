import type { Doc, JsonObject } from '../../src/core/doc.js';
import { makeDoc } from '../../src/core/doc.js';
import type { StageContext } from '../../src/core/stage.js';
import type { StageStats } from '../../src/core/stats.js';
import { count, emptyStageStats } from '../../src/core/stats.js';
import { defaultRegistry } from '../../src/stages/index.js';

/** What one stage did to a list of records: per record its reject reason (undefined = kept). */
export interface StageRun {
  docs: Doc[];
  reasons: (string | undefined)[];
  details: (Record<string, unknown> | undefined)[];
  kept: Doc[];
  stats: StageStats;
}

/** Run one registered stage over records outside a pipeline (records in one batch unless `batch` is given). */
export async function runStage(
  name: string,
  records: JsonObject[],
  options: Record<string, unknown> = {},
  opts: { textField?: string; attrs?: Record<string, unknown>[]; batch?: number } = {},
): Promise<StageRun> {
  const stage = await defaultRegistry().create(name, options);
  const stats = emptyStageStats(name);
  const docs = records.map((r, i) => {
    const d = makeDoc(r, `t:${i + 1}`);
    if (opts.attrs?.[i]) d.attrs = { ...opts.attrs[i] };
    return d;
  });
  const reasons = new Map<Doc, string>();
  const details = new Map<Doc, Record<string, unknown> | undefined>();
  const ctx: StageContext = {
    stats,
    textField: opts.textField,
    reject(doc, reason, detail) {
      count(stats.dropped, reason);
      reasons.set(doc, reason);
      details.set(doc, detail);
    },
  };
  const size = opts.batch ?? Math.max(1, docs.length);
  async function* batches(): AsyncIterable<Doc[]> {
    for (let i = 0; i < docs.length; i += size) yield docs.slice(i, i + size);
  }
  const kept: Doc[] = [];
  for await (const b of stage.run(batches(), ctx)) kept.push(...b);
  return { docs, reasons: docs.map((d) => reasons.get(d)), details: docs.map((d) => details.get(d)), kept, stats };
}
