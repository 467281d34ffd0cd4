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
