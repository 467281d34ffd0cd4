import type { ClosableRejectSink } from '../../core/pipeline.js';
import type { Reject } from '../../core/stage.js';
import type { ShardOptions } from './sharded.js';
import { ShardedWriter } from './sharded.js';
import { exactRaw } from '../json.js';

/** The gzip level of a compressed rejects file (the shards keep zlib's default, 6). */
export const REJECTS_GZIP_LEVEL = 1;

/**
 * The rejects file: one JSON line per rejected input with `stage`, `reason`, `source`
 * (`file:line`), and the record (or the raw line when it did not parse). Written atomically
 * like any other output. `push` buffers; `flush` writes, and the pipeline calls it after each
 * batch so memory stays bounded.
 */
export class RejectsWriter implements ClosableRejectSink {
  private readonly out: ShardedWriter;
  private buffer = '';
  private pending = 0;
  /** Writes started by `push` when the buffer grew large; awaited by `flush`. */
  private chain: Promise<void> = Promise.resolve();
  /** The first write failure; `flush` and `close` throw it (never an unhandled rejection). */
  private failure: Error | null = null;
  /** Rejects pushed so far. */
  count = 0;

  constructor(output: string | ShardOptions) {
    // gzip level 1 unless told otherwise: a run that drops most of a crawl writes more rejects
    // than shards, and level 6 costs about twice the CPU for a file 13 % smaller (bench/rejects-gzip.ts).
    this.out = new ShardedWriter({ gzipLevel: REJECTS_GZIP_LEVEL, ...(typeof output === 'string' ? { output } : output) }, false);
  }

  push(r: Reject): void {
    this.count++;
    // After a failure nothing more is kept: the run is about to stop with that failure.
    if (this.failure !== null) return;
    this.buffer += serialiseReject(r) + '\n';
    this.pending++;
    // A long run of rejects with no record written in between must not grow memory.
    if (this.buffer.length > 4 << 20) this.queue();
  }

  private queue(): void {
    this.chain = this.chain.then(() => this.writeBuffered()).catch((e: Error) => {
      this.failure ??= e;
      this.buffer = '';
      this.pending = 0;
    });
  }

  private writeBuffered(): Promise<void> {
    if (this.pending === 0 || this.failure !== null) return Promise.resolve();
    const b = this.buffer;
    const n = this.pending;
    this.buffer = '';
    this.pending = 0;
    return this.out.write(b, n);
  }

  /** True when enough is buffered that the reader should wait for `flush` before going on. */
  get full(): boolean {
    return this.buffer.length > 4 << 20;
  }

  async flush(): Promise<void> {
    this.queue();
    await this.chain;
    if (this.failure !== null) throw this.failure;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.out.close();
  }

  async abort(): Promise<void> {
    await this.chain;
    await this.out.abort();
  }
}

/**
 * One reject as a JSON line. A record that cannot be serialised (nested deeper than
 * `JSON.stringify` can go) is written without it, saying so: a reject never stops a run.
 */
export function serialiseReject(r: Reject): string {
  // The exact input line of a record whose numbers parsing changed, so the rejects lose nothing.
  const raw = r.raw === undefined ? exactRaw(r.record) : undefined;
  if (raw !== undefined) r = { ...r, raw };
  try {
    return JSON.stringify(r);
  } catch (e) {
    const { record: _r, attrs: _a, ...rest } = r;
    return JSON.stringify({ ...rest, detail: { ...(r.detail ?? {}), record_unserialisable: (e as Error).message } });
  }
}
