/**
 * Work under way in this process whose end by `process.exit(0)` must not pass for success
 * (hostile review 23b X1: a stage of one's own that called process.exit(0), or a library of its
 * that did, ended `run` with exit 0 and no word, the run unfinished; `run && next-step` went on).
 * While some work is registered, an exit with code 0 becomes exit code 1 and a line on stderr
 * says what was at work. corpus-clean never ends a process with code 0 while it works: a signal
 * exits 128+N, a finished command once its work is over.
 */
import { writeSync } from 'node:fs';

/** Why a process at work would exit 0 unasked: for the lines that say so. */
export const EXIT0_HINT = "a stage called process.exit? (a stage of one's own, or a library it uses; a stage must return or throw)";

/** The lines of the work under way, by registration (the oldest one is said). */
const atWork = new Set<() => string>();

function onExit(code: number): void {
  if (code !== 0 || atWork.size === 0) return;
  process.exitCode = 1;
  const [line] = atWork;
  try {
    writeSync(2, line() + '\n');
  } catch {
    // stderr closed: the exit code says it
  }
}

/**
 * Register work under way: until the returned function is called, a `process.exit(0)` (or an
 * exit with code 0 for any other reason) ends the process with code 1 after `line()` is written
 * to stderr.
 */
export function whileAtWork(line: () => string): () => void {
  if (atWork.size === 0) process.on('exit', onExit);
  atWork.add(line);
  return () => {
    atWork.delete(line);
    if (atWork.size === 0) process.off('exit', onExit);
  };
}
