import { closeSync, constants, openSync } from 'node:fs';

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
