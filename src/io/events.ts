import type { Readable } from 'node:stream';

/**
 * Items of an object stream as batches, in order, with the items emitted before an error
 * still delivered (an async iterator over a stream throws away what was buffered when the
 * stream fails). `take` turns each item into zero or one batch entry; `onEnd` receives the
 * error, if any. The stream is paused while a full batch waits to be consumed.
 */
export async function* batchesOf<T, U>(
  stream: Readable,
  take: (item: T) => U | undefined,
  batchSize: number,
  onEnd: (error: Error | null) => void,
  /** Other events that stand for an input item (e.g. fast-csv's `data-invalid`): counted as seen, in order. */
  others: Record<string, (...args: unknown[]) => void> = {},
): AsyncGenerator<{ items: U[]; seen: number }> {
  let items: U[] = [];
  let seen = 0;
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  stream.on('data', (item: T) => {
    seen++;
    const u = take(item);
    if (u !== undefined) items.push(u);
    if (seen >= batchSize) stream.pause();
    poke();
  });
  for (const [event, handle] of Object.entries(others)) {
    stream.on(event, (...args: unknown[]) => {
      seen++;
      handle(...args);
    });
  }
  stream.on('end', () => {
    done = true;
    poke();
  });
  stream.on('error', (e: Error) => {
    failure = e;
    done = true;
    poke();
  });
  for (;;) {
    if (seen >= batchSize || (done && seen > 0)) {
      const out = { items, seen };
      items = [];
      seen = 0;
      yield out;
      if (!done && stream.isPaused()) stream.resume();
      continue;
    }
    if (done) break;
    await new Promise<void>((r) => (wake = r));
  }
  onEnd(failure);
}
