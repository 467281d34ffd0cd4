import { closeSync, constants, openSync } from 'node:fs';
import { showPath } from '../core/fsname.js';

/**
 * Named pipes (FIFOs) this process writes an output to (`--stats st.fifo`). Opening one for
 * writing waits, in a thread of libuv's pool, until a reader opens it; Node joins those threads
 * when the process exits, so a signal while nobody reads the pipe printed its message and then
 * the process never ended (new-user review 15 F19: alive minutes later, a second signal ignored).
 */
const fifos = new Set<string>();

/** `path` is a FIFO an output is written to (called by `outputTarget`). */
export function noteFifoOutput(path: string): void {
  fifos.add(path);
}

/** How long an open of an output FIFO waits for a reader before the command says so. */
const WAIT_NOTE_MS = 1000;

/**
 * `op`, the writing of the output `path`; when `path` is a FIFO and nothing has read it after
 * WAIT_NOTE_MS, one line says what the command waits on (new-user review 16 F15: after its
 * accounting line a command waited on `--stats st.fifo` in silence, and looked hung).
 */
export async function whileWaitingForReader<T>(path: string, op: Promise<T>): Promise<T> {
  if (!fifos.has(path)) return op;
  const t = setTimeout(() => process.stderr.write(`corpus-clean: note: waiting for a reader of '${showPath(path)}' (a named pipe) to write to it: open it for reading (e.g. cat ${showPath(path)}), or stop the command (Ctrl-C)\n`), WAIT_NOTE_MS);
  t.unref();
  try {
    return await op;
  } finally {
    clearTimeout(t);
  }
}

/**
 * Let every open of an output FIFO that waits for a reader end, so the process can exit: each is
 * opened for reading without waiting and closed at once (its writer then fails with EPIPE, and
 * nothing is read from it). For a process that is stopping only.
 */
export function releaseFifoWriters(): void {
  for (const p of fifos) {
    try {
      closeSync(openSync(p, constants.O_RDONLY | constants.O_NONBLOCK));
    } catch {
      // gone, or not a FIFO any more: nothing waits on it
    }
  }
}
