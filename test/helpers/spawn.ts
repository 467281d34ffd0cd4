import { spawn, type ChildProcess } from 'node:child_process';

/** What a spawned process left: its exit code (null when a signal ended it), the signal, and its stderr. */
export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Spawn `command` with `args` in `cwd`, stdin and stdout closed (`onStdout`: stdout piped to it
 * instead), stderr collected, and resolve when it has closed. `during` is called once it is
 * spawned, with the child (to watch a folder and send a signal, say); the function it returns, if
 * any, is called when the child has closed (to clear a timer).
 */
export function spawned(command: string, args: readonly string[], opts: { cwd: string; env?: Record<string, string>; onStdout?: (b: Buffer, child: ChildProcess) => void; during?: (child: ChildProcess) => (() => void) | void }): Promise<Spawned> {
  return new Promise((res, rej) => {
    const p = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', opts.onStdout === undefined ? 'ignore' : 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    const err: Buffer[] = [];
    p.stderr!.on('data', (b: Buffer) => err.push(b));
    if (opts.onStdout !== undefined) p.stdout!.on('data', (b: Buffer) => opts.onStdout!(b, p));
    p.on('error', rej);
    const after = opts.during?.(p);
    p.on('close', (code, signal) => {
      if (typeof after === 'function') after();
      res({ code, signal, stderr: Buffer.concat(err).toString() });
    });
  });
}

/** `bash -c SCRIPT` in `cwd` (with `env` added to the test's): exit code (-1 for a signal) and stderr. */
export async function sh(script: string, cwd: string, env?: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const r = await spawned('bash', ['-c', script], { cwd, env });
  return { code: r.code ?? -1, stderr: r.stderr };
}

/** `bash -c SCRIPT` in `cwd`: its stdout (what a script echoes, e.g. the CLI's exit code last). */
export async function shStdout(script: string, cwd: string): Promise<string> {
  const out: Buffer[] = [];
  await spawned('bash', ['-c', script], { cwd, onStdout: (b) => out.push(b) });
  return Buffer.concat(out).toString();
}
