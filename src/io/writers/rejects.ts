import type { ClosableRejectSink } from '../../core/pipeline.js';
import type { Reject } from '../../core/stage.js';
import type { ShardOptions } from './sharded.js';
import { ShardedWriter } from './sharded.js';

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
  /** Rejects pushed so far. */
  count = 0;

  constructor(output: string | ShardOptions) {
    this.out = new ShardedWriter(typeof output === 'string' ? { output } : output, false);
  }

  push(r: Reject): void {
    this.buffer += JSON.stringify(r) + '\n';
    this.pending++;
    this.count++;
    // A long run of rejects with no record written in between must not grow memory.
    if (this.buffer.length > 4 << 20) this.chain = this.chain.then(() => this.writeBuffered());
  }

  private writeBuffered(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    const b = this.buffer;
    const n = this.pending;
    this.buffer = '';
    this.pending = 0;
    return this.out.write(b, n);
  }

  async flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeBuffered());
    await this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}
