/**
 * On-disk step 4: drop the removed records of a shard. `filterShard` does it file to file;
 * `removalsStage` does it inside a pipeline that reads the shards again.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Stage } from '../../../core/stage.js';
import { MINHASH_REASON } from '../filter.js';
import type { Removal } from './cluster.js';
import { removedPath } from './files.js';
import { loadMetas } from './buckets.js';
import { readLines } from './lines.js';

/** The removals of one shard, by 1-based line. */
export function loadRemovals(workDir: string, shardIndex: number): Map<number, Removal> {
  const p = removedPath(workDir, shardIndex);
  const m = new Map<number, Removal>();
  if (!existsSync(p)) throw new Error(`loadRemovals: ${p} is missing; run clusterBuckets first`);
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as Removal;
    m.set(r.line, r);
  }
  return m;
}

/** What `filterShard` did. */
export interface FilterResult {
  kept: number;
  removed: number;
}

/**
 * Copy `shardPath` to `outPath` without its removed lines; each removed record is written to
 * `rejectsPath` (when given) as a rejects line `{stage, reason, source, record, detail}`.
 * Lines are copied byte for byte otherwise (blank and unparsable lines included: they are not
 * this step's business).
 */
export async function filterShard(
  shardPath: string,
  workDir: string,
  shardIndex: number,
  outPath: string,
  rejectsPath?: string,
): Promise<FilterResult> {
  const removals = loadRemovals(workDir, shardIndex);
  const meta = loadMetas(workDir).find((m) => m.shardIndex === shardIndex);
  const source = meta?.path ?? shardPath;
  const out = createWriteStream(outPath);
  const rej = rejectsPath === undefined ? undefined : createWriteStream(rejectsPath);
  const result: FilterResult = { kept: 0, removed: 0 };
  for await (const [line, text] of readLines(shardPath)) {
    const r = removals.get(line);
    if (r === undefined) {
      if (!out.write(text + '\n')) await once(out, 'drain');
      if (text.trim() !== '') result.kept++;
      continue;
    }
    result.removed++;
    if (rej !== undefined) {
      const reject = {
        stage: 'dedup',
        reason: MINHASH_REASON,
        source: `${source}:${line}`,
        record: JSON.parse(text) as unknown,
        detail: { survivor: r.survivor, similarity: r.similarity },
      };
      if (!rej.write(JSON.stringify(reject) + '\n')) await once(rej, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  if (rej !== undefined) {
    rej.end();
    await once(rej, 'finish');
  }
  return result;
}

/**
 * A stage that drops the records `clusterBuckets` listed, matched by `source` (`path:line`, the
 * path as given to `computeSignatures`): how an executor applies the on-disk decisions while
 * re-reading the shards through a pipeline.
 */
export function removalsStage(workDir: string): Stage {
  const bySource = new Map<string, Removal>();
  for (const m of loadMetas(workDir)) for (const r of loadRemovals(workDir, m.shardIndex).values()) bySource.set(`${m.path}:${r.line}`, r);
  return {
    name: 'dedup',
    needsText: false,
    options: Object.freeze({ method: 'minhash', workDir }),
    async *run(batches, ctx) {
      for await (const batch of batches) {
        const out = [];
        for (const doc of batch) {
          const r = bySource.get(doc.source);
          if (r === undefined) out.push(doc);
          else ctx.reject(doc, MINHASH_REASON, { survivor: r.survivor, similarity: r.similarity });
        }
        if (out.length > 0) yield out;
      }
    },
  };
}
