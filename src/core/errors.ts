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
 * How a failure is told: an I/O failure (an error with a system code such as ENOSPC, EACCES,
 * ENOENT, also when wrapped with the path, as OutputError is) is its one-line message; anything
 * else is a bug, told with its stack so that it can be found.
 */
export function failureText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? e.message : (e.stack ?? e.message);
}
