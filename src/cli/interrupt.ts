import { haltAtomicWrites } from '../io/writers/atomic.js';

/**
 * What happens when a run is cut short from outside: Ctrl-C (SIGINT), a kill (SIGTERM), a hang-up
 * (SIGHUP: the terminal or ssh session closed), or the reader of stdout going away (EPIPE,
 * `| head`). The writers of the running job are aborted, so no temporary file is left and no
 * shard that looks complete is half written, then the process exits: 130 for SIGINT, 143 for
 * SIGTERM, 129 for SIGHUP, 0 when the reader closed the pipe (it had what it wanted).
 */
let cleanup: (() => Promise<void>) | null = null;
/** Said after the interruption message (e.g. how to resume). */
let afterwards = '';
let installed = false;
let stoppingNow = false;

function stop(code: number, message: string): void {
  if (stoppingNow) return;
  stoppingNow = true;
  // A marker or stats file being written is not completed now (its temporary goes at exit).
  haltAtomicWrites();
  // Taken now: the job may unregister itself (and its note) while its output is being removed.
  const note = afterwards;
  const done = (): void => {
    process.stderr.write(message === '' || note === '' ? message : message.replace(/\n$/, `; ${note}\n`));
    process.exit(code);
  };
  (cleanup ?? (async () => {}))().then(done, done);
}

/** True once a signal (or a closed stdout) is stopping the process. */
export function stopping(): boolean {
  return stoppingNow;
}

/**
 * Register the abort of the running job's writers; returns the function that unregisters it.
 * `note` is added to the message of a signal (a planned run: how to resume it).
 */
export function whileRunning(abort: () => Promise<void>, note = ''): () => void {
  if (!installed) {
    installed = true;
    process.on('SIGINT', () => stop(130, 'corpus-clean: interrupted; unfinished output removed\n'));
    process.on('SIGTERM', () => stop(143, 'corpus-clean: terminated; unfinished output removed\n'));
    // Without a handler a hang-up kills the process where it stands (exit 129, no word), leaving
    // the lock and temporaries as kill -9 does; it is the signal a long job most often gets.
    process.on('SIGHUP', () => stop(129, 'corpus-clean: hung up (SIGHUP: its terminal or session closed); unfinished output removed\n'));
  }
  cleanup = abort;
  afterwards = note;
  return () => {
    if (cleanup === abort) {
      cleanup = null;
      afterwards = '';
    }
  };
}

let closedHandler: (() => void) | null = null;

/**
 * Register what a run writing to stdout does when its reader goes away (`| head`): it stops
 * reading and finishes its rejects and stats. Returns the function that unregisters it.
 */
export function onOutputClosed(handler: () => void): () => void {
  closedHandler = handler;
  return () => {
    if (closedHandler === handler) closedHandler = null;
  };
}

/**
 * stdout closed by its reader: the running job finishes quietly when it registered a handler
 * (`onOutputClosed`), else the process stops quietly with exit 0, removing unfinished files.
 */
export function outputClosed(): void {
  const h = closedHandler;
  if (h !== null) {
    closedHandler = null;
    h();
    return;
  }
  stop(0, '');
}
