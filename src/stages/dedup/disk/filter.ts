/**
 * On-disk step 4: drop the removed records. `filterShard` does it file to file for one shard of
 * `dedupOnDisk`; `removalsStage` does it inside a pipeline that reads the inputs again (what
 * `corpus-clean dedup-disk` does after its signature tasks), holding one task's removals at a
 * time. Both read through the readers of every command (`src/io/readers`): a BOM, a damaged
 * gzip, blank and malformed lines are handled and counted as everywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pipeline } from '../../../core/pipeline.js';
import type { Stage } from '../../../core/stage.js';
import { emptySummary, observe } from '../../../core/stats.js';
import { readFiles } from '../../../io/readers/index.js';
import { JsonlWriter } from '../../../io/writers/jsonl.js';
import { RejectsWriter } from '../../../io/writers/rejects.js';
import { MINHASH_REASON } from '../filter.js';
import type { Removal } from './cluster.js';
import type { ShardMeta } from './files.js';
import { linesPath, removedPath, sigMetaPath, sourcesPath } from './files.js';

/** The removals of one shard, by 1-based line (or record number, for an executor's task). */
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

/**
 * The removals of one task signed by an executor (`SignatureWriter` with `keepSources`), by the
 * source (`file:line`) of the removed record.
 */
export function loadTaskRemovals(workDir: string, task: number): Map<string, Removal> {
  const byRecord = loadRemovals(workDir, task);
  const out = new Map<string, Removal>();
  if (byRecord.size === 0) return out;
  const b = readFileSync(linesPath(workDir, task));
  const lines = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
  const sources = readFileSync(sourcesPath(workDir, task), 'utf8').split('\n');
  for (let j = 0; j < lines.length; j++) {
    const r = byRecord.get(lines[j]);
    if (r !== undefined) out.set(JSON.parse(sources[j]) as string, r);
  }
  if (out.size !== byRecord.size) throw new Error(`loadTaskRemovals: task ${task} lists ${byRecord.size} removals but ${out.size} have a source`);
  return out;
}

/** What `filterShard` did. */
export interface FilterResult {
  /** Records written. */
  kept: number;
  /** Records removed as near-duplicates. */
  removed: number;
  /** Lines the reader rejected (malformed, blank runs, ...), also written to the rejects. */
  bad: number;
}

const lineOf = (source: string): number => Number(source.slice(source.lastIndexOf(':') + 1));

/**
 * Copy the records of `shardPath` to `outPath` without its removed ones; each removed record is
 * written to `rejectsPath` (when given) as a rejects line `{stage, reason, source, record,
 * detail}`, as are the lines the reader rejects. Records are matched by line, as
 * `computeSignatures` numbered them.
 */
export async function filterShard(shardPath: string, workDir: string, shardIndex: number, outPath: string, rejectsPath?: string): Promise<FilterResult> {
  const removals = loadRemovals(workDir, shardIndex);
  const drop: Stage = {
    name: 'dedup',
    needsText: false,
    options: Object.freeze({ method: 'minhash', workDir }),
    // It keeps or drops records as they are: kept records are copied from their input bytes.
    keepsRecords: true,
    async *run(batches, ctx) {
      for await (const batch of batches) {
        const out = [];
        for (const doc of batch) {
          const r = removals.get(lineOf(doc.source));
          if (r === undefined) out.push(doc);
          else ctx.reject(doc, MINHASH_REASON, { survivor: r.survivor, similarity: r.similarity });
        }
        if (out.length > 0) yield out;
      }
    },
  };
  const stats = await pipeline({
    source: readFiles([shardPath], { format: 'jsonl' }),
    stages: [drop],
    sink: await JsonlWriter.create({ output: outPath }),
    rejects: rejectsPath === undefined ? undefined : new RejectsWriter(rejectsPath),
    requireText: false,
  });
  const removed = stats.stages[0].dropped[MINHASH_REASON] ?? 0;
  return { kept: stats.written, removed, bad: stats.rejected - removed };
}

/** A task of a plan, as `removalsStage` needs it (only their number and order matter). */
export interface TaskRange {
  file: string;
  linesBefore?: number;
}

/**
 * A stage that drops the records the cluster step listed, for a pipeline that reads the plan's
 * inputs again in order, through the same readers and with the same text field: the records
 * that reach it are those the signature tasks saw, task after task, in the same order. So each
 * task's records are the next `lines` of its signature meta (whatever the input format and
 * however a file was cut: byte ranges, Parquet row groups), only that task's removals are in
 * memory (loaded when its first record arrives), and each is matched by its source. A task
 * whose removals were not all met (an input changed since its signatures) stops the pass.
 */
export function removalsStage(workDir: string, tasks: readonly TaskRange[], lsh?: { bands: number; rows: number }): Stage {
  const recordsOf = (t: number): number => {
    const p = sigMetaPath(workDir, t);
    if (!existsSync(p)) throw new Error(`removalsStage: ${p} is missing; the signature task ${t} did not run`);
    return (JSON.parse(readFileSync(p, 'utf8')) as ShardMeta).lines;
  };
  return {
    name: 'dedup',
    needsText: false,
    options: Object.freeze({ method: 'minhash' }),
    // It keeps or drops records as they are.
    keepsRecords: true,
    async *run(batches, ctx) {
      let task = -1;
      let left = 0;
      let met = 0;
      let removals = new Map<string, Removal>();
      const finishTask = (): void => {
        if (task >= 0 && met !== removals.size) throw new Error(`removalsStage: task ${task} (${tasks[task].file}) lists ${removals.size} records to remove but ${met} of them were read again; did an input change since its signatures?`);
      };
      const summary = (ctx.stats.summaries.similarity ??= emptySummary());
      // The LSH the signatures were bucketed with, for the stats (new-user review 19 F5).
      if (lsh !== undefined) ctx.stats.lsh = { ...lsh };
      for await (const batch of batches) {
        const out = [];
        for (const doc of batch) {
          while (left === 0) {
            finishTask();
            if (++task >= tasks.length) throw new Error(`removalsStage: record ${doc.source} is past the records the signature tasks saw; did an input change since its signatures?`);
            left = recordsOf(task);
            removals = left > 0 ? loadTaskRemovals(workDir, task) : new Map();
            met = 0;
          }
          left--;
          const r = removals.get(doc.source);
          if (r === undefined) out.push(doc);
          else {
            met++;
            observe(summary, r.similarity);
            ctx.reject(doc, MINHASH_REASON, { survivor: r.survivor, similarity: r.similarity });
          }
        }
        if (out.length > 0) yield out;
      }
      if (left > 0) throw new Error(`removalsStage: the inputs ended ${left} records before the end of task ${task} (${tasks[task].file}); did an input change since its signatures?`);
      finishTask();
      // Tasks after the last record read must have had no records.
      for (let t = task + 1; t < tasks.length; t++) if (recordsOf(t) > 0) throw new Error(`removalsStage: the inputs ended before task ${t} (${tasks[t].file}); did an input change since its signatures?`);
    },
  };
}
