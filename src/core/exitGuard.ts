/**
 * Work under way in this process whose end by `process.exit` must not pass unsaid (hostile review
 * 23b X1: a stage of one's own that called process.exit(0), or a library of its that did, ended
 * `run` with exit 0 and no word, the run unfinished; `run && next-step` went on; new-user review 24
 * N2: the same from a module's top level or its create(), before the first task; N13: a
 * process.exit(3) ended `run` with exit 3 and no line). While some work is registered, an exit with
 * code 0 becomes exit code 1, a `process.exit(N)` with another code keeps N, and a line on stderr
 * says what was at work. corpus-clean never ends a process with code 0 while it works, and its own
 * exits while it works (a signal's, 128+N; a closed stdout) are told apart by `ownExitNow`.
 */
import { writeSync } from 'node:fs';

/** Why a process at work would exit 0 unasked: for the lines that say so. */
export const EXIT0_HINT = "a stage called process.exit? (a stage of one's own, or a library it uses; a stage must return or throw)";

/** The lines of the work under way, by registration (the newest one, the innermost work, is said), given the exit code. */
const atWork: ((code: number) => string)[] = [];

/** The code a `process.exit` called while work was registered gave (undefined: none was called). */
let called: number | undefined;
let realExit: typeof process.exit | undefined;
/** True when the exit under way is corpus-clean's own (a signal stopping the command). */
let ownExit: () => boolean = () => false;

/** Tell the guard how to know corpus-clean's own exits (cli/interrupt's `stopping`). */
export function ownExitNow(f: () => boolean): void {
  ownExit = f;
}

function onExit(code: number): void {
  if (atWork.length === 0) return;
  // A non-zero exit nobody asked for by process.exit (an uncaught error: Node said it) is left as it is.
  if (code !== 0 && called === undefined) return;
  if (called !== undefined && ownExit()) return;
  process.exitCode = code === 0 ? 1 : code;
  const line = atWork[atWork.length - 1];
  try {
    writeSync(2, line(code) + '\n');
  } catch {
    // stderr closed: the exit code says it
  }
}

/**
 * Register work under way: until the returned function is called, a `process.exit(N)` (or an
 * exit with code 0 for any other reason) writes `line(N)` to stderr and ends the process with code
 * N, or 1 for 0.
 */
export function whileAtWork(line: (code: number) => string): () => void {
  if (atWork.length === 0) {
    process.on('exit', onExit);
    called = undefined;
    const exit = (realExit = process.exit);
    process.exit = function (this: NodeJS.Process, code?: number | string | null) {
      if (atWork.length > 0) called = Number(code ?? process.exitCode ?? 0) || 0;
      return exit.call(this, code as number);
    } as typeof process.exit;
  }
  atWork.push(line);
  return () => {
    const i = atWork.lastIndexOf(line);
    if (i >= 0) atWork.splice(i, 1);
    if (atWork.length === 0) {
      process.off('exit', onExit);
      if (realExit !== undefined) process.exit = realExit;
      realExit = undefined;
    }
  };
}
