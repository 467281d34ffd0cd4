import type { FileError } from '../core/stats.js';

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

/**
 * Damage of an input's bytes, with where it showed: the byte offset in the file (compressed, for
 * a `.gz`/`.zst`), the decoded bytes dropped because the check covering them failed, and whether
 * the file merely ends early (`cut`: a partial last line then stands for the loss). The reader
 * turns it into a `fileError` and the pipeline into one `read/damaged_input` reject.
 */
export class InputDamage extends Error {
  override name = 'InputDamage';
  constructor(
    message: string,
    readonly info: DamageInfo = {},
  ) {
    super(message);
  }
}

/** Where damage showed (compressed byte), decoded bytes dropped, a mere early end, and where reading went on after it (a zstd frame, a gzip member: `unit`). */
export interface DamageInfo {
  offset?: number;
  heldBack?: number;
  cut?: boolean;
  resumedAt?: number;
  unit?: 'zstd' | 'gzip';
}

/** Where an error says the damage is, for a reject's detail (empty for other errors). */
export function damageInfo(e: unknown): DamageInfo {
  return e instanceof InputDamage ? e.info : {};
}

/**
 * The `fileError` of a reader stopped by `e`. `partialRejected`: the reader has rejected the
 * partial last record (`truncated_input`); when the file merely ends early, that reject stands
 * for the loss and no `damaged_input` is added (`rejected`).
 */
export function fileErrorOf(file: string, e: Error, recordsBefore: number, partialRejected = false, verifiedBefore = true): FileError {
  const info = damageInfo(e);
  const what = kept(info, verifiedBefore);
  return {
    file,
    message: e.message,
    recordsBefore,
    ...(info.offset !== undefined ? { offset: info.offset } : {}),
    ...(info.heldBack !== undefined ? { heldBack: info.heldBack } : {}),
    ...(info.resumedAt !== undefined ? { resumedAt: info.resumedAt } : {}),
    ...(what !== undefined ? { kept: what } : {}),
    ...(partialRejected && info.cut === true ? { rejected: true } : {}),
  };
}

/**
 * What of a damaged input was kept, when more than "what was read before the damage" is to say.
 * `verifiedBefore` false: the reader had no verified byte before it (a `.gz` cut before its
 * first check), so nothing was kept (new-user review 20 F7: "kept what was verified" was said).
 */
function kept(info: DamageInfo, verifiedBefore: boolean): string | undefined {
  const held = info.heldBack !== undefined && info.heldBack > 0;
  const unverified = held ? ' (the lines decoded since the last good check are in the rejects: read/unverified)' : '';
  const before = held && !verifiedBefore ? 'nothing before the damage could be verified: its lines are all in the rejects as read/unverified' : `kept what was verified before the damage${unverified}`;
  if (info.resumedAt !== undefined) {
    const next = info.unit === 'gzip' ? 'the next gzip member that decodes whole with a valid CRC' : 'the next zstd frame that decodes with a valid checksum';
    return `${before}, and read on from byte ${info.resumedAt}, ${next}`;
  }
  if (held) return before;
  return undefined;
}

/**
 * The damage of a `.zst` that a reader does not read on after (CSV/TSV, a JSON array: JSON Lines
 * and text lines do, at the next frame whose checksum verifies): its message says so, and why.
 */
export function stopsHere(e: Error, why: string): Error {
  if (!/^zstd: /.test(e.message) || damageInfo(e).cut === true) return e;
  return new InputDamage(`${e.message}; reading stops here: ${why}`, damageInfo(e));
}
