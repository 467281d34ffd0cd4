/**
 * MinHash dedup in phases, for executors, built from the on-disk steps: collect = step 1
 * (`SignatureWriter`, one shard per task, fed from the task's records), then step 2 per band
 * (`buildBuckets`), step 3 once (`clusterBuckets`), and apply = each task drops the records of
 * its own removal list. The on-disk steps make the in-memory stage's decisions (survival
 * order: the run's order, or quality then order), so the output is the same for any number of
 * tasks or workers.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { getText } from '../../../core/doc.js';
import type { GlobalScope, GlobalStage, GlobalStep } from '../../../core/global.js';
import type { Stage } from '../../../core/stage.js';
import { count, emptySummary, observe } from '../../../core/stats.js';
import { buildBuckets } from '../disk/buckets.js';
import { clusterBuckets } from '../disk/cluster.js';
import { loadRemovals } from '../disk/filter.js';
import type { ShardMeta } from '../disk/files.js';
import { BucketDamage, bucketPath, edgePath, linesPath, RecordDamage, recordCrcPath, removedPath, setOffsetsPath, setPath, sigMetaPath, sigPath, sourcesPath } from '../disk/files.js';
import { checkSeal, readSealed, sealFiles, sealPath, WorkDamage, type SealEntries } from '../../../core/workSeal.js';
import { join, relative, sep } from 'node:path';
import { SignatureWriter } from '../disk/signatures.js';
import { MINHASH_REASON } from '../filter.js';
import type { MinHashConfig } from '../options.js';
import type { KeepPolicy } from '../policy.js';
import { docScore } from '../policy.js';

/** Whether a path a task's seal lists is its shard's meta (`sigs/<shard>.json`). */
const isMeta = (rel: string): boolean => rel.startsWith(`sigs${sep}`) && rel.endsWith('.json');

/** Task `task`'s shard meta, read once and checked against its seal's entry (`sealed`, from `checkSeal`) in that read. */
function sealedMeta(workDir: string, task: number, sealed: SealEntries | undefined): ShardMeta {
  return JSON.parse(readSealed(workDir, { task }, sealed, sigMetaPath(workDir, task)).toString('utf8')) as ShardMeta;
}

/** The phased form of `dedup --minhash`. */
export function minhashGlobal(config: MinHashConfig, keep: KeepPolicy): GlobalStage {
  return {
    collect(scope: GlobalScope, task: number): Stage {
      return {
        name: 'dedup-collect',
        needsText: true,
        options: {},
        // It reads the records and passes them on as they are: a spill after it may write them as read.
        keepsRecords: true,
        async *run(batches, ctx) {
          // A rerun of a killed task starts from nothing: its meta marks a finished shard.
          rmSync(sigMetaPath(scope.workDir, task), { force: true });
          const w = new SignatureWriter(scope.workDir, { shardIndex: task, config, textField: ctx.textField, sourcePath: '', keepSources: true });
          let done = false;
          try {
            let i = 0;
            for await (const batch of batches) {
              for (const doc of batch) await w.add(++i, getText(doc, ctx.textField), docScore(doc), doc.source);
              yield batch;
            }
            await w.finish();
            const dir = scope.workDir;
            const files = [sigMetaPath, sigPath, linesPath, sourcesPath, setPath, setOffsetsPath, recordCrcPath, bucketPath].map((f) => f(dir, task));
            sealFiles(dir, { task }, files.filter((f) => existsSync(f)));
            done = true;
          } finally {
            // A task that failed (a full disk) or was stopped leaves none of its files (H3).
            if (!done) w.abort();
          }
        },
      };
    },
    steps(): GlobalStep[] {
      return [
        {
          name: 'bands',
          units: config.bands,
          async run(scope, band) {
            // Each band reads its own section of every shard's bucket file and every shard's meta,
            // nothing else: the metas CRC-32 checked, the bucket files by size (a CRC-32 of the
            // whole file per band would read it once per band), each section read against its
            // own CRC-32 (in the meta).
            // A task signed by a version before the sections (a resumed run) has a file per band:
            // its own band's are read, and CRC-32 checked, as that version did.
            // Each meta is read once, checked against its seal in that read (it was read twice: its
            // CRC-32, then to be parsed; #16, seventeenth pass).
            const bands = `bands${sep}`;
            const mine = `${bands}${String(band).padStart(4, '0')}${sep}`;
            const sectioned = (rel: string): boolean => rel.startsWith(bands) && !rel.includes(sep, bands.length);
            const reads = (rel: string): boolean => sectioned(rel) || rel.startsWith(mine);
            const metas: ShardMeta[] = [];
            for (let t = 0; t < scope.tasks; t++) metas.push(sealedMeta(scope.workDir, t, checkSeal(scope.workDir, { task: t }, reads, (rel) => !sectioned(rel))));
            let r;
            try {
              r = buildBuckets(scope.workDir, band, { keep, metas });
            } catch (e) {
              // Its task wrote it (shard = task); redoing that task writes it again.
              if (e instanceof BucketDamage) throw new WorkDamage(e.path, e.what, { task: e.shard }, sealPath(scope.workDir, { task: e.shard }));
              throw e;
            }
            sealFiles(scope.workDir, { step: 0, unit: band }, [edgePath(scope.workDir, band)]);
            return { band_entries: r.entries };
          },
        },
        {
          name: 'cluster',
          units: 1,
          async run(scope) {
            for (let b = 0; b < config.bands; b++) checkSeal(scope.workDir, { step: 0, unit: b });
            // Signatures and shingle sets are read at the candidates only: here by size (a CRC-32
            // of the whole file would read it all), and each record read against its own CRC-32
            // (the `.crc` file, itself checked whole here).
            const metas: ShardMeta[] = [];
            for (let t = 0; t < scope.tasks; t++) {
              const sealed = checkSeal(scope.workDir, { task: t }, (rel) => rel.startsWith(`sigs${sep}`) && !isMeta(rel), (rel) => !rel.endsWith('.sig') && !rel.endsWith('.set'));
              metas.push(sealedMeta(scope.workDir, t, sealed));
            }
            let r;
            try {
              r = clusterBuckets(scope.workDir, config.bands, { keep, threshold: config.threshold, verify: config.verify, metas });
            } catch (e) {
              // A damaged record: its task wrote it (shard = task); redoing that task writes it again.
              if (e instanceof RecordDamage) throw new WorkDamage(e.path, e.what, { task: e.shard }, sealPath(scope.workDir, { task: e.shard }));
              throw e;
            }
            sealFiles(scope.workDir, { step: 1, unit: 0 }, Array.from({ length: scope.tasks }, (_, t) => removedPath(scope.workDir, t)).filter((f) => existsSync(f)));
            return { candidates: r.candidates, candidates_unverified: r.unverified };
          },
        },
      ];
    },
    apply(scope: GlobalScope, task: number): Stage {
      return {
        name: 'dedup',
        needsText: false,
        options: {},
        // It drops the records listed for it as they are: its rejects may take a spilled record's JSON.
        keepsRecords: true,
        async *run(batches, ctx) {
          const own = removedPath(scope.workDir, task);
          checkSeal(scope.workDir, { step: 1, unit: 0 }, (rel) => join(scope.workDir, rel) === own);
          const sealed = checkSeal(scope.workDir, { task }, () => false);
          const removals = loadRemovals(scope.workDir, task);
          // The meta as its seal lists it (one that is gone is damage), else as it is there.
          const meta = sigMetaPath(scope.workDir, task);
          if (sealed?.[relative(scope.workDir, meta)] !== undefined || existsSync(meta)) count(ctx.stats.counters, 'no_shingles', sealedMeta(scope.workDir, task, sealed).noShingles);
          const summary = (ctx.stats.summaries.similarity ??= emptySummary());
          let line = 0;
          for await (const batch of batches) {
            const out = [];
            for (const doc of batch) {
              const r = removals.get(++line);
              if (r === undefined) out.push(doc);
              else {
                observe(summary, r.similarity);
                ctx.reject(doc, MINHASH_REASON, { survivor: r.survivor, similarity: r.similarity });
              }
            }
            if (out.length > 0) yield out;
          }
        },
      };
    },
  };
}
