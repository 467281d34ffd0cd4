import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/doc.js';
import { dedupOnDisk, filterShard, loadRemovals } from '../../../src/stages/dedup/index.js';
import { buildBuckets } from '../../../src/stages/dedup/disk/buckets.js';
import { BUCKET_ENTRY, BucketDamage, bandFilePath, bucketPath, edgePath, sigMetaPath, type ShardMeta } from '../../../src/stages/dedup/disk/files.js';
import type { MemShard } from './helpers.js';
import { readJsonl, runDedup } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'dedup-disk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Copies of real texts with a fraction of their words replaced. */
function edited(texts: string[], copies: number, seed: number): JsonObject[] {
  const r = rng(seed);
  const out: JsonObject[] = [];
  for (const t of texts) {
    out.push({ text: t });
    for (let c = 0; c < copies; c++) {
      const rate = r() * 0.3;
      out.push({ text: t.split(' ').map((w) => (r() < rate ? `w${Math.floor(r() * 1e6)}` : w)).join(' ') });
    }
  }
  return out;
}

const licenses = readJsonl('fixtures/dedup/licenses.jsonl');
const demo = readJsonl('fixtures/dedup/datajuicer_demo.jsonl');
const words = demo.filter((d) => String(d.text).length > 2000).map((d) => String(d.text));
const synthetic = edited([...words, ...licenses.slice(12).map((d) => String(d.text))], 3, 7);
// Interleave so that duplicates cross shard boundaries.
const all = [...licenses, ...demo, ...synthetic];
const shardRecords: JsonObject[][] = [[], [], []];
all.forEach((rec, i) => shardRecords[(i * 7) % 3].push(rec));

function writeShards(dir: string, attrs?: (i: number) => unknown): string[] {
  let n = 0;
  return shardRecords.map((recs, s) => {
    const p = join(dir, `part-${s}.jsonl`);
    writeFileSync(p, recs.map((r) => JSON.stringify(attrs ? { ...r, attrs: attrs(n++) } : r)).join('\n') + '\n');
    return p;
  });
}

async function inMemory(paths: string[], options: Record<string, unknown>): Promise<Record<string, unknown>> {
  const shards: MemShard[] = [...paths].sort().map((p) => {
    const recs = readJsonl(p);
    return { name: p, records: recs.map(({ attrs: _a, ...r }) => r), attrs: recs.map((r) => (r.attrs ?? {}) as Record<string, unknown>) };
  });
  const { rejects } = await runDedup(shards, options);
  return Object.fromEntries(rejects.map((r) => [r.source, r.detail]));
}

function onDiskRemovals(workDir: string, shards: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  shards.forEach((p, i) => {
    for (const r of loadRemovals(workDir, i).values()) out[`${p}:${r.line}`] = { survivor: r.survivor, similarity: r.similarity };
  });
  return out;
}

describe('on-disk MinHash', () => {
  it('makes the same decisions as the in-memory stage (keep first)', async () => {
    const dir = mkdtempSync(join(tmp, 'a-'));
    const paths = writeShards(dir);
    const run = await dedupOnDisk(paths, join(dir, 'work'), { options: { keep: 'first' } });
    const disk = onDiskRemovals(join(dir, 'work'), run.shards);
    const mem = await inMemory(paths, { keep: 'first' });
    expect(Object.keys(disk).length).toBeGreaterThan(20);
    expect(disk).toEqual(mem);
  });

  it.each(['signature', 'none'])("makes the same decisions as the in-memory stage with verify '%s'", async (verify) => {
    const dir = mkdtempSync(join(tmp, `v-${verify}-`));
    const paths = writeShards(dir);
    const run = await dedupOnDisk(paths, join(dir, 'work'), { options: { keep: 'first', verify } });
    const disk = onDiskRemovals(join(dir, 'work'), run.shards);
    expect(Object.keys(disk).length).toBeGreaterThan(20);
    expect(disk).toEqual(await inMemory(paths, { keep: 'first', verify }));
  });

  it('counts the same candidates and failed checks as the in-memory stage', async () => {
    const dir = mkdtempSync(join(tmp, 'n-'));
    const paths = writeShards(dir);
    const run = await dedupOnDisk(paths, join(dir, 'work'), { options: { keep: 'first' } });
    const shards: MemShard[] = [...paths].sort().map((p) => ({ name: p, records: readJsonl(p) }));
    const { stats } = await runDedup(shards, { keep: 'first' });
    expect(run.cluster.candidates).toBe(stats.stages[0].counters.candidates);
    expect(run.cluster.unverified).toBe(stats.stages[0].counters.candidates_unverified);
    expect(run.cluster.unverified).toBeGreaterThan(0);
  });

  it('gives the same result whatever order the shards are signed in', async () => {
    const dir = mkdtempSync(join(tmp, 'b-'));
    const paths = writeShards(dir);
    const a = await dedupOnDisk(paths, join(dir, 'w1'), { options: { keep: 'first' } });
    const b = await dedupOnDisk([...paths].reverse(), join(dir, 'w2'), { options: { keep: 'first' }, processingOrder: [2, 0, 1] });
    expect(onDiskRemovals(join(dir, 'w2'), b.shards)).toEqual(onDiskRemovals(join(dir, 'w1'), a.shards));
  });

  it('agrees with the in-memory stage on best-quality survivors', async () => {
    const dir = mkdtempSync(join(tmp, 'c-'));
    const r = rng(3);
    const paths = writeShards(dir, () => ({ quality: { score: Math.round(r() * 100) / 100 } }));
    const run = await dedupOnDisk(paths, join(dir, 'work'), { options: { keep: 'auto' } });
    const disk = onDiskRemovals(join(dir, 'work'), run.shards);
    const mem = await inMemory(paths, { keep: 'auto' });
    expect(Object.keys(disk).length).toBeGreaterThan(20);
    expect(disk).toEqual(mem);
    // Every survivor scores at least as well as what it replaced.
    const score = new Map<string, number>();
    for (const p of paths) readJsonl(p).forEach((rec, i) => score.set(`${p}:${i + 1}`, (rec.attrs as { quality: { score: number } }).quality.score));
    for (const [src, d] of Object.entries(disk)) expect(score.get((d as { survivor: string }).survivor)!).toBeGreaterThanOrEqual(score.get(src)!);
  });

  it('filters a shard, writing each removed record to rejects with its reason', async () => {
    const dir = mkdtempSync(join(tmp, 'd-'));
    const paths = writeShards(dir);
    const run = await dedupOnDisk(paths, join(dir, 'work'));
    const out = join(dir, 'out.jsonl');
    const rej = join(dir, 'rejects.jsonl');
    const last = run.shards.length - 1; // later shards hold more of the duplicates
    const res = await filterShard(run.shards[last], join(dir, 'work'), last, out, rej);
    const removed = loadRemovals(join(dir, 'work'), last);
    expect(removed.size).toBeGreaterThan(5);
    expect(res.removed).toBe(removed.size);
    expect(res.kept + res.removed).toBe(shardRecords[last].length);
    const rejects = readFileSync(rej, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; source: string; detail: object });
    expect(rejects.every((r) => r.reason === 'dedup:minhash')).toBe(true);
    expect(rejects.map((r) => r.source)).toEqual([...removed.keys()].map((l) => `${run.shards[last]}:${l}`));
  });
});

// Issue 16, sixteenth pass: a shard's bucket entries of every band in one file of sections
// (files made per task are what a task's fixed cost is made of, and a metadata round trip each on
// Lustre or NFS), each section checked against its CRC-32 in the meta.
describe('bucket files: one per shard, a section per band', () => {
  it('writes one bucket file per shard, with a CRC-32 per band in its meta', async () => {
    const dir = mkdtempSync(join(tmp, 'k-'));
    const work = join(dir, 'work');
    const run = await dedupOnDisk(writeShards(dir), work, { options: { keep: 'first' } });
    expect(readdirSync(join(work, 'bands')).sort()).toEqual(['000000.bkt', '000001.bkt', '000002.bkt']);
    // Nothing reads a `.scores` file (the scores are in the bucket entries): none is made.
    expect(readdirSync(join(work, 'sigs')).filter((f) => f.startsWith('000000.')).sort()).toEqual(['000000.crc', '000000.json', '000000.lines', '000000.set', '000000.setoff', '000000.sig']);
    const bands = run.bands.length;
    for (const m of run.metas) {
      expect(m.bucketCrcs).toHaveLength(bands);
      expect(readFileSync(bucketPath(work, m.shardIndex)).length).toBe(bands * m.records * BUCKET_ENTRY);
    }
  });

  it('reads the file per band and shard that versions before the sections wrote (a resumed run), to the same edges', async () => {
    const dir = mkdtempSync(join(tmp, 'l-'));
    const work = join(dir, 'work');
    const run = await dedupOnDisk(writeShards(dir), work, { options: { keep: 'first' } });
    const edges = run.bands.map((b) => readFileSync(edgePath(work, b.band)));
    // The older layout: bands/<band>/<shard>.bkt, metas without bucketCrcs.
    for (const m of run.metas) {
      const whole = readFileSync(bucketPath(work, m.shardIndex));
      for (let b = 0; b < run.bands.length; b++) {
        mkdirSync(join(work, 'bands', String(b).padStart(4, '0')), { recursive: true });
        writeFileSync(bandFilePath(work, b, m.shardIndex), whole.subarray(b * m.records * BUCKET_ENTRY, (b + 1) * m.records * BUCKET_ENTRY));
      }
      rmSync(bucketPath(work, m.shardIndex));
      const { bucketCrcs: _c, ...old } = JSON.parse(readFileSync(sigMetaPath(work, m.shardIndex), 'utf8')) as ShardMeta;
      writeFileSync(sigMetaPath(work, m.shardIndex), JSON.stringify(old));
    }
    for (const b of run.bands) {
      rmSync(edgePath(work, b.band));
      expect(buildBuckets(work, b.band, { keep: 'first' })).toEqual(b);
      expect(readFileSync(edgePath(work, b.band))).toEqual(edges[b.band]);
    }
  });

  it('a band whose section of a shard changed (same size) is refused, naming the shard, and writes no edges', async () => {
    const dir = mkdtempSync(join(tmp, 'm-'));
    const work = join(dir, 'work');
    const run = await dedupOnDisk(writeShards(dir), work, { options: { keep: 'first' } });
    const m = run.metas[1];
    const p = bucketPath(work, 1);
    const b = readFileSync(p);
    const at = 2 * m.records * BUCKET_ENTRY + 5;
    b[at] ^= 0xa5;
    writeFileSync(p, b);
    rmSync(edgePath(work, 2));
    let err: unknown;
    try {
      buildBuckets(work, 2, { keep: 'first' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BucketDamage);
    expect((err as BucketDamage).shard).toBe(1);
    expect(String(err)).toMatch(/bands\/000001\.bkt is damaged: band 2's section's CRC-32 is not the one written/);
    expect(existsSync(edgePath(work, 2))).toBe(false);
    // The other bands read other sections.
    expect(buildBuckets(work, 1, { keep: 'first' })).toEqual(run.bands[1]);
  });
});

describe('step 4 reads through the readers of every command', () => {
  const text = (i: number): string => licenses[[0, 10, 13][i]].text as string;

  it('filterShard: a BOM on the first line and a gzip cut short are read as every command reads them', async () => {
    const { gzipSync } = await import('node:zlib');
    const dir = mkdtempSync(join(tmp, 'bom-'));
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl.gz');
    // a: the first record (behind a BOM) is the original; b repeats it, then the file is cut.
    writeFileSync(a, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([text(0), text(1)].map((t) => JSON.stringify({ text: t })).join('\n') + '\n')]));
    const body = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: text(i % 3) })).join('\n') + '\n';
    // A whole first member (stored, so larger than the 64 KiB piece the gzip reader verifies by),
    // then a second member cut short: its lines were never checked, so they are read/unverified rejects.
    const cut = gzipSync(JSON.stringify({ text: text(2) }) + '\n' + JSON.stringify({ text: text(1) }) + '\n');
    writeFileSync(b, Buffer.concat([gzipSync(body, { level: 0 }), cut.subarray(0, cut.length - 12)]));
    const run = await dedupOnDisk([a, b], join(dir, 'work'));
    // b's removals: every record that repeats a or an earlier record of b.
    const res = await filterShard(b, join(dir, 'work'), 1, join(dir, 'b.out.jsonl'), join(dir, 'b.rej.jsonl'));
    expect(res.removed).toBe(loadRemovals(join(dir, 'work'), 1).size);
    expect(res.removed).toBeGreaterThan(40);
    const rejects = readFileSync(join(dir, 'b.rej.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stage: string; reason: string; detail?: { survivor: string } });
    expect(rejects.filter((r) => r.reason === 'dedup:minhash').every((r) => r.detail!.survivor.startsWith(a + ':') || r.detail!.survivor.startsWith(b + ':'))).toBe(true);
    expect(rejects.some((r) => r.stage === 'read')).toBe(true); // the damage, named as every reader names it
    // a: nothing removed, and the BOM record is kept as a record (not a line that fails to parse).
    const resA = await filterShard(a, join(dir, 'work'), 0, join(dir, 'a.out.jsonl'));
    expect(resA).toEqual({ kept: 2, removed: 0, bad: 0 });
    expect(readFileSync(join(dir, 'a.out.jsonl'), 'utf8').split('\n')[0]).toBe(JSON.stringify({ text: text(0) }));
    expect(run.shards).toEqual([a, b]);
  });
});

describe('removalsStage (dedup-disk step 4)', () => {
  it('holds only the removals of the task whose records arrive', async () => {
    const { SignatureWriter } = await import('../../../src/stages/dedup/disk/signatures.js');
    const { buildBuckets, clusterBuckets, removalsStage } = await import('../../../src/stages/dedup/disk/index.js');
    const { minHashConfig, dedupOptions } = await import('../../../src/stages/dedup/options.js');
    const { resolveOptions } = await import('../../../src/core/options.js');
    const { pipeline } = await import('../../../src/core/pipeline.js');
    const { collect } = await import('../../../src/io/memory.js');
    const { shardSource } = await import('./helpers.js');
    const { rmSync: rm } = await import('node:fs');
    const config = minHashConfig(resolveOptions('dedup', dedupOptions, { method: 'minhash' }) as never);
    const work = join(mkdtempSync(join(tmp, 'tasks-')), 'work');
    const shards: MemShard[] = [
      { name: 'x', records: licenses },
      { name: 'y', records: edited(licenses.map((r) => r.text as string), 1, 7) },
    ];
    for (const [i, s] of shards.entries()) {
      const w = new SignatureWriter(work, { shardIndex: i, config, sourcePath: '', keepSources: true });
      for (const [j, r] of s.records.entries()) await w.add(j + 1, r.text as string, NaN, `${s.name}:${j + 1}`);
      await w.finish();
    }
    for (let b = 0; b < config.bands; b++) buildBuckets(work, b, { keep: 'first' });
    clusterBuckets(work, config.bands, { keep: 'first', threshold: config.threshold, verify: config.verify });
    const expected = loadRemovals(work, 0).size + loadRemovals(work, 1).size;
    expect(loadRemovals(work, 1).size).toBeGreaterThan(5);
    // The records of both tasks in order (as step 4 reads the inputs again); task 1's list is
    // taken away while task 0's records pass (not loaded yet), task 0's once they have passed
    // (not needed any more).
    const both = shardSource(shards);
    const source = {
      async *read(events: Parameters<typeof both.read>[0]) {
        let n = 0;
        for await (const batch of both.read(events)) {
          if (n === 0) rm(join(work, 'removed', '000001.jsonl'), { force: true });
          if (n === shards[0].records.length) {
            rm(join(work, 'removed', '000000.jsonl'));
            await import('node:fs').then((fs) => fs.writeFileSync(join(work, 'removed', '000001.jsonl'), task1));
          }
          n += batch.length;
          yield batch;
        }
      },
    };
    const { readFileSync } = await import('node:fs');
    const task1 = readFileSync(join(work, 'removed', '000001.jsonl'));
    const rejects: string[] = [];
    const sink = collect();
    await pipeline({ source, stages: [removalsStage(work, [{ file: 'x' }, { file: 'y' }])], sink, rejects: { push: (r) => void rejects.push(r.source), async close() {}, async abort() {} } });
    expect(rejects.length).toBe(expected);
    expect(sink.docs.length + rejects.length).toBe(shards[0].records.length + shards[1].records.length);
  });
});
