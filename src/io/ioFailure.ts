/**
 * Damaged bytes versus a failing file system.
 *
 * Readers turn input damage (a cut gzip, a bad zstd block, a broken Parquet footer) into a
 * `fileError` and keep what they read before it: the data is bad, the run goes on. An error of
 * the operating system itself (it carries a `syscall`: ENOENT when a file vanished mid-run, EIO,
 * EACCES, ESTALE) is not damage of the data: reading the same file again may well work. Such an
 * error is thrown on, so the task fails (no completion marker, nothing downstream, a rerun redoes
 * it) and a single command stops with exit 1 naming the path, instead of a run that looks
 * finished with a whole input missing.
 */
export function rethrowIoFailure(e: unknown): void {
  if (e !== null && typeof e === 'object' && typeof (e as { syscall?: unknown }).syscall === 'string') throw e;
}

/**
 * The next chunk of an input (or the next WARC record), or the damage that stopped it (an Error):
 * what every reader's loop needs. A failure of the operating system is thrown on (see above); only
 * reading and decoding are caught, so a failure in the reader's own handling of a chunk propagates
 * as the bug it is. A loop that stops before the end closes the input with `it.return()`, as a
 * `for await` would.
 */
export async function nextChunk<T = Buffer>(it: AsyncIterator<T>): Promise<IteratorResult<T> | Error> {
  try {
    return await it.next();
  } catch (e) {
    rethrowIoFailure(e);
    return e instanceof Error ? e : new Error(String(e));
  }
}
