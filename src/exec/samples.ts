/**
 * The report's sample candidates of one task segment, kept by the worker as it writes the
 * segment's rejects: the merge chooses among them (SampleCandidates again, over the segments in
 * the rejects file's order) and the report takes its samples from the few lines chosen, instead
 * of reading the joined rejects file in one thread after every worker has finished.
 */
import { open } from 'node:fs/promises';
import type { ClosableRejectSink } from '../core/pipeline.js';
import type { Reject } from '../core/stage.js';
import { serialiseReject } from '../io/writers/rejects.js';
import { writeAtomic } from '../io/writers/atomic.js';
import { SampleCandidates, sampleFileOf } from '../report/collect.js';
import { pairKeys } from '../core/stats.js';

/** A candidate in a segment's stats: its `stage/reason`, its input file as the report tells it, and its line's length in bytes in the segment's samples file. */
export type SampleEntry = [key: string, file: string, bytes: number];

/** A rejects sink that passes every reject on to `out` and keeps the sample candidates among them. */
export class SampleLinesSink implements ClosableRejectSink {
  /** The candidates: key, file and the bytes of the rejects line as written (without its newline). */
  readonly lines: [key: string, file: string, line: Buffer][] = [];
  private readonly candidates = new SampleCandidates();
  /** `stage/reason`, one string per pair (not one made and hashed per reject). */
  private readonly keyOf = pairKeys('/');
  /** The input file of the last reject, when its source named one (`file:line`). */
  private lastFile = '';

  /** `out` may hand over the bytes it wrote for the last reject (RejectsWriter's `lastLineBytes`). */
  constructor(private readonly out: ClosableRejectSink & { lastLineBytes?(): Buffer | undefined }) {}

  /** As `out` (the candidates' lines are its bytes, or `serialiseReject`'s, which writes a lean reject as slim). */
  get takesLeanRejects(): boolean {
    return this.out.takesLeanRejects === true;
  }

  push(r: Reject): void {
    this.out.push(r);
    const key = this.keyOf(r.stage, r.reason);
    const file = this.fileOf(r.source);
    // The line as the rejects file has it (the writer's own bytes, else serialised again).
    if (this.candidates.offer(key, file)) this.lines.push([key, file, this.out.lastLineBytes?.() ?? Buffer.from(serialiseReject(r))]);
  }

  /** `sampleFileOf(source)`: the last reject's file when this one comes from it too (most do), without cutting it out again. */
  private fileOf(source: unknown): string {
    const last = this.lastFile;
    if (last !== '' && typeof source === 'string' && source.lastIndexOf(':') === last.length && source.startsWith(last)) return last;
    const file = sampleFileOf(source);
    this.lastFile = typeof source === 'string' && file !== source ? file : '';
    return file;
  }

  flush(): Promise<void> {
    return this.out.flush?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }

  /** Write the candidates' lines to `path` (none: no file); returns their entries for the segment's stats. */
  async write(path: string): Promise<SampleEntry[]> {
    const entries: SampleEntry[] = this.lines.map(([key, file, line]) => [key, file, line.length + 1]);
    const nl = Buffer.from('\n');
    // A file of the run's `_work/` (see writeAtomic's `own`).
    if (entries.length > 0) await writeAtomic(path, Buffer.concat(this.lines.flatMap((x) => [x[2], nl])), true);
    return entries;
  }
}

/**
 * The candidates of segments (in the rejects file's order) that can still be samples, read
 * through SampleCandidates once more: at most a few per reason, as [segment, entry] pairs.
 */
export function chooseSampleLines(segments: readonly (readonly SampleEntry[])[]): [number, number][] {
  const c = new SampleCandidates();
  const out: [number, number][] = [];
  segments.forEach((entries, s) => entries.forEach(([key, file], i) => c.offer(key, file) && out.push([s, i])));
  return out;
}

/** The lines `chooseSampleLines` chooses, read from the segments' samples files (`paths`, in the same order). */
export async function readSampleLines(paths: readonly string[], segments: readonly (readonly SampleEntry[])[]): Promise<string[]> {
  const chosen = chooseSampleLines(segments);
  const out: string[] = [];
  for (let k = 0; k < chosen.length; ) {
    const s = chosen[k][0];
    const h = await open(paths[s], 'r');
    try {
      const starts: number[] = [];
      let at = 0;
      for (const e of segments[s]) starts.push(at), (at += e[2]);
      for (; k < chosen.length && chosen[k][0] === s; k++) {
        const i = chosen[k][1];
        const b = Buffer.alloc(segments[s][i][2]);
        const { bytesRead } = await h.read(b, 0, b.length, starts[i]);
        if (bytesRead !== b.length || b[b.length - 1] !== 10) throw new Error(`${paths[s]}: sample line ${i} is not where the segment's stats put it`);
        out.push(b.toString('utf8', 0, b.length - 1));
      }
    } finally {
      await h.close();
    }
  }
  return out;
}
