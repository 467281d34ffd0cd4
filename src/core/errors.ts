import { errorText } from './show.js';

/** A mistake in how the tool was called (bad flag, unknown stage, bad option): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes scripts can rely on. */
export const ExitCode = {
  /** Everything read was written or rejected, within the limits. */
  ok: 0,
  /** Data errors over the limit, a damaged input file, or an I/O failure. */
  dataOrIo: 1,
  /** Usage error: bad flag, unknown stage or option, unreadable recipe. */
  usage: 2,
} as const;

/**
 * How a failure is told, by the CLI and by a failed task: an error with a code (ENOSPC, EACCES,
 * ENOENT, also when wrapped with the path, as OutputError is; Node's own ERR_* codes) is its
 * one-line message; anything else (and a failed assertion) is a bug, told with its stack so
 * that it can be found.
 */
export function failureText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code !== 'ERR_ASSERTION' ? errorText(e) : (e.stack ?? e.message);
}
