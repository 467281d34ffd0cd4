import { createRequire } from 'node:module';

/**
 * Node built-ins that a command rarely needs, loaded at their first use instead of at start-up
 * (issue #16, twenty-second pass: `node:child_process` (with `node:net`, `node:dgram` and the
 * socket code it loads), `node:v8` (with its heap utilities) and `node:tty` were compiled by
 * every `quality` or `dedup` start, ~4-5 ms CPU, for a `spawnSync` and a `setFlagsFromString`
 * that run only when CORPUS_CLEAN_V8_FLAGS is set or a run starts units, and an `isatty` asked
 * only when stdout is a device). Each function here has the signature of the one it stands for,
 * so a module switches by its import line alone.
 */
type Lazy = {
  'node:child_process': typeof import('node:child_process');
  'node:crypto': typeof import('node:crypto');
  'node:v8': typeof import('node:v8');
  'node:tty': typeof import('node:tty');
};

let req: NodeJS.Require | undefined;

function builtin<K extends keyof Lazy>(id: K): Lazy[K] {
  // process.getBuiltinModule: Node 20.16 and later; a require of our own before that
  return (process.getBuiltinModule?.(id) ?? (req ??= createRequire(import.meta.url))(id)) as Lazy[K];
}

/** child_process.spawnSync, loading node:child_process on the first call. */
export const spawnSync = ((...a: Parameters<Lazy['node:child_process']['spawnSync']>) => builtin('node:child_process').spawnSync(...a)) as Lazy['node:child_process']['spawnSync'];

/**
 * crypto.createHash, loading node:crypto on the first call: a `run` hashes only the files its
 * stages read and its own stage modules (io/fileHash.ts), and a plain recipe has neither, yet
 * node:crypto and its ~20 internal modules were compiled at every run's start and in every worker
 * (~8-15 ms CPU each; issue #16, twenty-sixth pass).
 */
export const createHash = ((...a: Parameters<Lazy['node:crypto']['createHash']>) => builtin('node:crypto').createHash(...a)) as Lazy['node:crypto']['createHash'];

/** v8.setFlagsFromString, loading node:v8 on the first call. */
export const setFlagsFromString: Lazy['node:v8']['setFlagsFromString'] = (flags) => builtin('node:v8').setFlagsFromString(flags);

/** tty.isatty, loading node:tty on the first call. */
export const isatty: Lazy['node:tty']['isatty'] = (fd) => builtin('node:tty').isatty(fd);

/**
 * Milliseconds from an arbitrary moment, monotonic and finer than a millisecond, as
 * `performance.now()`: that global loads node:perf_hooks and its timing classes at first touch
 * (~2-4 ms CPU), which a short command paid for its pipeline's clock (core/pipeline.ts) and its
 * progress line (cli/report.ts). `run`'s units keep performance.now() (exec/timing.ts, progress.ts).
 */
export function now(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
