import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { showPath } from '../core/fsname.js';

/**
 * Named pipes (FIFOs) this process writes an output to (`--stats st.fifo`). Opening one for
 * writing waits, in a thread of libuv's pool, until a reader opens it; Node joins those threads
 * when the process exits, so a signal while nobody reads the pipe printed its message and then
 * the process never ended (new-user review 15 F19: alive minutes later, a second signal ignored).
 *
 * Each is held from the start by what stays the same pipe whatever becomes of its name: on Linux
 * a descriptor opened with O_PATH (it names the pipe without being one of its ends, so it neither
 * reads nor lets a writer's open end), elsewhere its device and inode. Hostile review 22 H5: the
 * pipe was let go by opening its *path* again, so once a script's clean-up had removed or moved
 * it (or put a new FIFO there) the waiting open went on for ever, and SIGTERM and SIGINT no longer
 * ended the command (only kill -9).
 */
interface HeldFifo {
  /** The path as the output names it (the fallback when no descriptor is held). */
  path: string;
  /** An O_PATH descriptor of the pipe (Linux), or undefined. */
  fd: number | undefined;
  /** The pipe's identity when it was noted, `dev:ino`; '' when it could not be taken. */
  id: string;
  /** True once a writer's open of it ended before any release: a reader had opened it, and may hold what was written. */
  opened: boolean;
  /** True once the process let its waiting opens go (releaseFifoWriters): an open ending after that had no reader. */
  released: boolean;
}

const fifos = new Map<string, HeldFifo>();

/**
 * O_PATH (Linux): open a name without opening the file itself. Its value is the generic one
 * (asm-generic/fcntl.h), shared by x86, ARM, RISC-V and PowerPC; Node does not export it.
 */
const oPath = (): number => (process.platform === 'linux' && ['x64', 'ia32', 'arm', 'arm64', 'riscv64', 'ppc64', 's390x'].includes(process.arch) ? 0o10000000 : 0);

function identity(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

/** `path` is a FIFO an output is written to (called by `outputTarget`). */
export function noteFifoOutput(path: string): void {
  if (fifos.has(path)) return;
  let fd: number | undefined;
  let id = '';
  const O_PATH = oPath();
  if (O_PATH !== 0) {
    try {
      fd = openSync(path, O_PATH);
      const st = fstatSync(fd);
      if (st.isFIFO()) id = identity(st);
      else {
        closeSync(fd);
        fd = undefined;
      }
    } catch {
      fd = undefined;
    }
  }
  if (fd === undefined) {
    try {
      const st = statSync(path);
      if (st.isFIFO()) id = identity(st);
    } catch {
      // gone already: its open fails on its own
    }
  }
  fifos.set(path, { path, fd, id, opened: false, released: false });
}

/** Called with the path of an output FIFO when a reader first opens it (see `fifoReaderOpened`). */
const openedListeners: ((path: string) => void)[] = [];

/**
 * Whether a reader ever opened the output FIFO `path` (a writer's open of it ended before the
 * process let its waiting opens go): false for a FIFO no writer got to open yet, or whose open
 * still waits, so nothing written can have reached a reader (fix22d's note: a signal then said
 * 'its reader may have them'). True for a path not noted as an output FIFO.
 */
export function fifoReaderOpened(path: string): boolean {
  const f = fifos.get(path);
  return f === undefined ? isNotFifo(path) : f.opened;
}

function isNotFifo(path: string): boolean {
  try {
    return !statSync(path).isFIFO();
  } catch {
    return true;
  }
}

/** Call `f` with an output FIFO's path when a reader first opens it; returns the function that stops it. */
export function onFifoReaderOpened(f: (path: string) => void): () => void {
  openedListeners.push(f);
  return () => {
    const i = openedListeners.indexOf(f);
    if (i >= 0) openedListeners.splice(i, 1);
  };
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
    const v = await op;
    const f = fifos.get(path);
    if (f !== undefined && !f.released && !f.opened) {
      f.opened = true;
      for (const l of [...openedListeners]) l(path);
    }
    return v;
  } finally {
    clearTimeout(t);
  }
}

/** Open the pipe for reading without waiting, and close it at once: a writer's open waiting on it ends. */
function release(f: HeldFifo): void {
  f.released = true;
  if (f.fd !== undefined) {
    // The same pipe whatever its name is now (removed, moved, replaced).
    try {
      closeSync(openSync(`/proc/self/fd/${f.fd}`, constants.O_RDONLY | constants.O_NONBLOCK));
      return;
    } catch {
      // no /proc: by its path below
    }
  }
  try {
    // By its path only while the path is still that pipe: a new FIFO put there is another's.
    if (f.id !== '' && identity(statSync(f.path)) !== f.id) return;
    closeSync(openSync(f.path, constants.O_RDONLY | constants.O_NONBLOCK));
  } catch {
    // gone, or not a FIFO any more: nothing of ours waits on it
  }
}

/**
 * Let every open of an output FIFO that waits for a reader end, so the process can exit: each is
 * opened for reading without waiting and closed at once (its writer then fails with EPIPE, and
 * nothing is read from it). For a process that is stopping only.
 */
export function releaseFifoWriters(): void {
  for (const f of fifos.values()) release(f);
}
