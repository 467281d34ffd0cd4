import { haltAtomicWrites } from '../io/writers/atomic.js';
import { releaseFifoWriters } from '../io/fifos.js';
import { quiesceEarlierOutputs, settleEarlierOutputs } from '../io/earlierOutput.js';

/**
 * What happens when a run is cut short from outside: Ctrl-C (SIGINT), a kill (SIGTERM), a hang-up
 * (SIGHUP: the terminal or ssh session closed), or the reader of stdout going away (EPIPE,
 * `| head`). The writers of the running job are aborted, so no temporary file is left and no
 * shard that looks complete is half written, then the process exits: 130 for SIGINT, 143 for
 * SIGTERM, 129 for SIGHUP, 0 when the reader closed the pipe (it had what it wanted).
 */
let cleanup: (() => Promise<void | string>) | null = null;
/** Said after the interruption message (e.g. how to resume); a function is asked at the signal. */
let afterwards: string | (() => string) = '';
/** What the interruption did to the output, as said (the records already sent to stdout cannot be taken back). */
let removedWords = 'unfinished output removed';
/** A line said after the message (how far the reading got), asked once the clean-up is over; '' for none. */
let report: (() => string) | null = null;
let installed = false;
let stoppingNow = false;
/**
 * Set once the job's output is finished and in place (`outputFinished`): a signal from then on,
 * before the process has exited, removes nothing, and its message says so (hostile review 7 F13:
 * "terminated; unfinished output removed" beside a whole, published output).
 */
let finishedOutput: string | null = null;
/** The command whose job is running (`nameCommand`), named in the message: two in a pipe were told apart by the next line only. */
let commandName = '';

/** Name the running command in what a signal says ('corpus-clean quality: interrupted; ...'). */
export function nameCommand(name: string): void {
  commandName = name;
}

/**
 * Stop the command: the job's abort (its workers stopped, its unfinished files removed), then what
 * happened is said and the process exits with `code`. `failed`: the lines of a failure that came
 * from outside the command's own steps (an error nobody caught: exitGuard), asked once the abort
 * is over, said instead of a signal's words.
 */
function stop(code: number, did: string, failed?: () => string[]): void {
  if (stoppingNow) return;
  stoppingNow = true;
  // This exit is corpus-clean's own: the guard of a stage's process.exit lets its code stand (a
  // command that did not tell it so, dedup-disk, got exit 1 for a Ctrl-C's 130).
  ownExitNow(stopping);
  // A stage module's own handler of this signal (or error) that calls process.exit(0) before the
  // stop is over ends with this code and line, not 0 (hostile review 25 X1f).
  stopBegun(code, failed !== undefined || did === '' ? '' : `${commandWho()}: ${did}`, commandWho());
  // A marker or stats file being written is not completed now (its temporary goes at exit).
  haltAtomicWrites();
  // An output FIFO nobody reads holds its writer in the open, and the writers' abort below waits
  // for that writer: let the opens end first (new-user review 16 F6: -o or --rejects a FIFO, the
  // signal ignored again and again), and again at the exit for any begun meanwhile.
  releaseFifoWriters();
  // Taken now: the job may unregister itself (and its note) while its output is being removed.
  const after = afterwards;
  const removed = removedWords;
  const line = report;
  // The job goes on while its output is removed, and may reach its end: only a finish before the
  // signal counts (outputFinished is ignored from now on), or the clean-up's own word.
  const before = finishedOutput;
  const done = (found?: void | string): void => {
    const finished = typeof found === 'string' ? found : before;
    // Asked now, once the clean-up is over: what is kept is known (a task marking itself done when
    // the signal came has finished, or not).
    const note = typeof after === 'function' ? after() : after;
    let message = '';
    if (failed !== undefined) {
      let lines: string[];
      try {
        lines = failed();
      } catch (e) {
        lines = [`corpus-clean: error: ${String(e)}`];
      }
      process.stderr.write(lines.map((l) => l + '\n').join(''));
      settleEarlierOutputs();
      releaseFifoWriters();
      exitingOwn();
      process.exit(code);
    }
    // New-user review 20 F8: 'corpus-clean: interrupted' twice in a pipe of two commands.
    const who = commandName === '' ? 'corpus-clean' : `corpus-clean ${commandName}`;
    // Bytes Node still holds for stdout (a slow reader of a pipe): the exit drops them, so the
    // records there are cut short, whatever the job finished (hostile review 19 F5: "written in
    // full" beside 56 records lost).
    const unsent = process.stdout.writableLength;
    if (finished !== null && unsent > 0) message = `${who}: ${did} while stdout still held up to ${unsent} bytes of the output, not yet taken by its reader: the records on stdout are incomplete (discard them)\n`;
    else if (finished !== null) message = `${who}: ${did} after ${finished}\n`;
    else if (did !== '') {
      message = `${who}: ${did}; ${removed}${note === '' ? '' : `; ${note}`}\n`;
      // How far it got, as a write failure says it (new-user review 19 F11).
      const far = line?.() ?? '';
      if (far !== '') message += `${far}\n`;
    }
    process.stderr.write(message);
    // An earlier output --overwrite set aside and nobody has put back or removed yet (the signal
    // came while it was being set aside, put back or removed: hostile review 16 F5, F8).
    settleEarlierOutputs();
    // An output FIFO nobody reads holds a thread that the exit would wait for, for ever (F19).
    releaseFifoWriters();
    exitingOwn();
    process.exit(code);
  };
  // The exit settles the earlier output --overwrite set aside once no rename of it is under way.
  const quiet = (found?: void | string): Promise<void> => quiesceEarlierOutputs().then(() => done(found), () => done(found));
  (cleanup ?? (async () => {}))().then(quiet, () => quiet());
}

/**
 * Let a signal that has landed but whose handler has not run yet be handled: two turns of the
 * event loop, so that one poll for events (where Node reads the signals that came) lies between
 * now and the return. A command whose last step ended in the same turn as the signal came (a
 * new output's _SUCCESS renamed, nothing after it) exited 0 without a word of the signal, where
 * the same signal with --overwrite (the earlier output still being removed) said "terminated
 * after the output was finished and published", exit 143 (hostile review 22 H6).
 */
export async function handleLandedSignals(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((done) => setImmediate(done));
}

// Kept apart from the import block above (other branches change its lines this session).
import { exitingOwn, ownExitNow, processGuarded, stopBegun } from '../core/exitGuard.js';

/**
 * Stop the command on a failure from outside its own steps (a stage's error nobody caught, said by
 * exitGuard): the job's abort runs as on a signal, then `lines()` are said (asked once the abort
 * is over: what is kept is known then) and the process exits with `code`. Nothing when a signal
 * is stopping it already.
 */
export function stopOnFailure(code: number, lines: () => string[]): void {
  stop(code, '', lines);
}

/** The command's name as its lines begin ('corpus-clean run'). */
export function commandWho(): string {
  return commandName === '' ? 'corpus-clean' : `corpus-clean ${commandName}`;
}

/** True once a signal (or a closed stdout) is stopping the process. */
export function stopping(): boolean {
  return stoppingNow;
}

/**
 * Handle SIGINT, SIGTERM and SIGHUP from now on in the CLI's process (once; they stay): a signal ends the process with
 * its exit code and message, and the exit releases the output locks and drops the temporaries of
 * atomic writes. Called before the first output lock is taken (hostile review 12 H4: a signal
 * between the lock and the job's whileRunning killed the process by the default action, no
 * message, the lock and temporaries left, as kill -9 does); whileRunning then adds the job's abort.
 */
export function guardSignals(): void {
  // A program that calls the library (runRecipe) keeps its signals: its own handlers run, and a
  // signal it does not handle ends it by the default action, as it would without corpus-clean. The
  // listeners here stayed for good and called process.exit: a SIGTERM after runRecipe resolved
  // ended the host with exit 143, cutting its own shutdown short (new-user review 26 A-2).
  if (installed || !processGuarded()) return;
  installed = true;
  // First of the listeners: a stage module's own handler that exits finds the stop begun (X1f).
  process.prependListener('SIGINT', () => stop(130, 'interrupted'));
  process.prependListener('SIGTERM', () => stop(143, 'terminated'));
  // Without a handler a hang-up kills the process where it stands (exit 129, no word), leaving
  // the lock and temporaries as kill -9 does; it is the signal a long job most often gets.
  process.prependListener('SIGHUP', () => stop(129, 'hung up (SIGHUP: its terminal or session closed)'));
}

/** Set once `main` hands over to the command (`commandBegun`): a signal is the command's to say from then on. */
let begun = false;

/** The command is starting (main calls it just before the command's own code runs). */
export function commandBegun(): void {
  begun = true;
}

/**
 * Say a signal that comes before the command has begun (its module, the stages' and the
 * recipe's still loading: `run` took 0.3-0.6 s there), and exit with its code: it exited 143/130
 * without a word (new-user review 23b C9). `name`: the command asked for. Once the command has
 * begun, its own handlers (guardSignals) say what a signal did; a command that has none dies by
 * the signal's default action, as it did before (the handlers here step aside and raise it again).
 */
export function guardStart(name: string | undefined): void {
  const who = name !== undefined && /^[a-z][a-z-]*$/.test(name) ? `corpus-clean ${name}` : 'corpus-clean';
  const signals: [NodeJS.Signals, number, string][] = [
    ['SIGINT', 130, 'interrupted'],
    ['SIGTERM', 143, 'terminated'],
    ['SIGHUP', 129, 'hung up (SIGHUP: its terminal or session closed)'],
  ];
  const handlers = signals.map(([signal, code, did]) => {
    const h = (): void => {
      // The command's own handlers took over: theirs is the word.
      if (installed) return;
      if (begun) {
        for (const [s, f] of handlers) process.off(s, f);
        process.kill(process.pid, signal);
        return;
      }
      process.stderr.write(`${who}: ${did} before starting; nothing was written\n`);
      process.exit(code);
    };
    process.on(signal, h);
    return [signal, h] as const;
  });
}

/**
 * Register the abort of the running job's writers; returns the function that unregisters it.
 * `note` is added to the message of a signal (a planned run: how to resume it); `far`, asked once
 * the abort is over, is a line printed after it ('' for none: how far the reading got).
 */
export function whileRunning(abort: () => Promise<void | string>, note: string | (() => string) = '', removed = 'unfinished output removed', far?: () => string): () => void {
  guardSignals();
  cleanup = abort;
  afterwards = note;
  removedWords = removed;
  report = far ?? null;
  finishedOutput = null;
  return () => {
    if (cleanup === abort) {
      cleanup = null;
      afterwards = '';
      removedWords = 'unfinished output removed';
      report = null;
    }
  };
}

/**
 * The running job's output is finished and in place (`what`: "the output was finished and
 * published"); call it where the job unregisters its abort, in the same step. (An abort that
 * finds the output finished returns those words instead.) A signal after it says "terminated after the output was
 * finished and published" (exit 143 all the same).
 */
export function outputFinished(what: string): void {
  if (!stoppingNow) finishedOutput = what;
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
