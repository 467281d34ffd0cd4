/**
 * Work under way in this process whose end by `process.exit` must not pass unsaid (hostile review
 * 23b X1: a stage of one's own that called process.exit(0), or a library of its that did, ended
 * `run` with exit 0 and no word, the run unfinished; `run && next-step` went on; new-user review 24
 * N2: the same from a module's top level or its create(), before the first task; N13: a
 * process.exit(3) ended `run` with exit 3 and no line). While some work is registered, a
 * `process.exit(N)` (or an exit with code 0 for any other reason) ends the process with the code a
 * stage's throw at the same point gives (`failCode`: 1, the documented code of a failed run; 2
 * while a recipe's modules load: hostile review 24 X1c, exit 2 read as a usage error by scripts),
 * and a line on stderr says what was at work. corpus-clean never ends a process with code 0 while
 * it works, and its own exits while it works (a signal's, 128+N; a closed stdout) are told apart by
 * `ownExitNow`.
 *
 * An error nobody catches while work is registered (a stage's timer, callback or an emitter's
 * 'error' nobody listens to: new-user review 24 N14, Node's raw crash text and no stage named) is
 * handed to the innermost work that takes it (`uncaught`), which stops the work the way a stage's
 * throw does; the stage is named from the error's stack when a frame lies in its module or a file
 * it imports (`knowStages`).
 *
 * And once some work was registered, an exit code decided as a failure stays one: a module's own
 * 'exit' listener that sets process.exitCode = 0 turned a failed run into exit 0 (hostile review 24
 * X1d); the code is put back after every listener ran.
 */
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ownStageWhere } from './registry.js';

/** Why a process at work would exit 0 unasked: for the lines that say so. */
export const EXIT0_HINT = "a stage called process.exit? A stage of one's own, or a library it uses, must return or throw";

/** Work under way: its line for an exit (given the code process.exit was called with), its failure code, and who takes an uncaught error. */
export interface AtWork {
  /** What is said when the process is ended by `process.exit(code)` (or exits 0) while this work is the innermost. */
  line(code: number): string;
  /** The exit code a stage's throw gives at this point (default 1). */
  failCode?(): number;
  /** An error nobody caught while this work is on, and its words (`uncaughtText`): stop the work, say it and exit. */
  uncaught?(e: unknown, text: string): void;
  /**
   * Called (synchronously) at such an exit with the line said and the stage of one's own that
   * called process.exit (its name, place and line, when the call's stack names one): to keep it for
   * status; the lines it returns are said after it (how far the work got, what to do).
   */
  ended?(said: string, by?: string): string[] | void;
  /** Without `uncaught`: the line that says such an error (given its words), the process then ending with the failure code. */
  failed?(text: string): string;
}

/**
 * Whether this process is corpus-clean's own (the CLI: `guardThisProcess`). Only there is the
 * process guarded: `process.exit`, `process.reallyExit` and `process.emit` wrapped, an
 * 'uncaughtException' listener put first. A program that calls the library (runRecipe) keeps its
 * process as it is: its own handlers of uncaught errors and its exit code are its own, and a stage
 * of its that exits ends its process as it says.
 */
let guarding = false;

/** Guard this process while work is registered: the CLI's, from its start (cli/main.ts). */
export function guardThisProcess(): void {
  guarding = true;
}

/** True in the CLI's process (`guardThisProcess`): only there are signals corpus-clean's to handle (cli/interrupt.ts). */
export function processGuarded(): boolean {
  return guarding;
}

/** The work under way, by registration (the newest one, the innermost work, is said). */
const atWork: AtWork[] = [];

/** The code a `process.exit` called while work was registered gave (undefined: none was called). */
let called: number | undefined;
/** Where that call came from (an Error made at the call: its stack). */
let exitCaller: Error | undefined;
let realExit: typeof process.exit | undefined;
/** True when the exit under way is corpus-clean's own (a signal stopping the command). */
let ownExit: () => boolean = () => false;
/** Set once an uncaught error is being handled: the process is stopping on it. */
let failing = false;

/**
 * A stop under way (a signal's, a closed stdout's or an uncaught error's): the code it ends with,
 * and its words (the signal's line; for an error, the error's words). A stage module's own handler
 * that calls process.exit(0) meanwhile (its 'uncaughtException' or SIGTERM/SIGINT handler: hostile
 * review 25 X1f) must not end the work as a success: the exit takes the stop's code and its line.
 */
let stopCode: number | undefined;
let stopWords = '';
/** The command's name as its lines begin ('corpus-clean run'), told by the stop. */
let stopWho = 'corpus-clean';
/** Set just before the stop's own exit (cli/interrupt): that one ends the process as it says. */
let ownFinal = false;

/** A stop began (cli/interrupt): the code it will exit with and its line ('' for an error the guard has already). The first one counts. */
export function stopBegun(code: number, words: string, who?: string): void {
  if (who !== undefined && stopWho === 'corpus-clean') stopWho = who;
  if (stopCode !== undefined) return;
  stopCode = code;
  stopWords = words;
}

/** The stop's own exit comes now (cli/interrupt, just before its process.exit). */
export function exitingOwn(): void {
  ownFinal = true;
}

/** Tell the guard how to know corpus-clean's own exits (cli/interrupt's `stopping`). */
export function ownExitNow(f: () => boolean): void {
  ownExit = f;
}

/** The innermost work's failure code. */
function failCode(): number {
  for (let i = atWork.length - 1; i >= 0; i--) {
    const f = atWork[i].failCode;
    if (f !== undefined) return f();
  }
  return 1;
}

function onExit(code: number): void {
  if (atWork.length === 0 || ownFinal) return;
  // A non-zero exit nobody asked for by process.exit (an uncaught error: Node said it) is left as it is.
  if (code !== 0 && called === undefined) return;
  if (stopCode !== undefined) return exitWhileStopping(code, stopCode);
  if (failing) return;
  if (called !== undefined && ownExit()) return;
  const final = failCode();
  process.exitCode = final;
  kept = final;
  // The exit code is said once, at the end: the one the process ends with (a line saying 'exit code 2' beside exit 1 would mislead).
  let said = atWork[atWork.length - 1].line(code).replace(/: exit code \d+$/, '');
  if (byReallyExit) said = said.replace(/process\.exit\((\d+)\)/, 'process.reallyExit($1)');
  // Kept for status, as a stage's throw is (hostile review 24 X1c: status said only 'run the same
  // command again'), and followed by how far the work got and what to do, as a throw's line is
  // (new-user review 25 L-2: one line, and status said 'fix the stage it names' where none was named).
  const by = exitCaller === undefined ? undefined : stageOf(exitCaller);
  let more: string[] = [];
  for (let i = atWork.length - 1; i >= 0; i--) {
    const keep = atWork[i].ended;
    if (keep === undefined) continue;
    try {
      more = keep(said, by === undefined ? undefined : `${stageWords(by.s)}, at ${by.at}`) ?? [];
    } catch {
      // status will not say it: the line below does
    }
    break;
  }
  try {
    writeSync(2, `${said}: exit code ${final}\n${more.map((l) => `${l}\n`).join('')}`);
  } catch {
    // stderr closed: the exit code says it
  }
}

/**
 * An exit while a stop is under way that is not the stop's own (X1f): a stage module's handler of
 * the same error or signal called process.exit before the stop finished. It ends with the stop's
 * code, and what the stop would have said is said now, with what cut it short.
 */
function exitWhileStopping(code: number, final: number): void {
  // A closed stdout's quiet stop: exit 0 is what it gives too.
  if (final === 0) return;
  process.exitCode = final;
  kept = final;
  const who = stopWho;
  const said = failing ? `${who}: error: ${stopWords}` : stopWords;
  const then = `${who}: error: a stage module's own ${failing ? "'uncaughtException'" : 'signal'} handler called process.exit(${code}) before corpus-clean had stopped the work: the work is not finished (files of the units under way may be left; the same command redoes them)`;
  try {
    writeSync(2, `${said === '' ? '' : `${said}\n`}${then}: exit code ${final}\n`);
  } catch {
    // stderr closed: the exit code says it
  }
}

/** The failure code the exit under way must keep (X1d), once decided; 0 for none. */
let kept = 0;
let keeping = false;
/** The code the process's 'exit' event was emitted with (undefined: not emitted yet). */
let exitBegan: number | undefined;
/** The 'exit' listeners of the event under way, and the index of the next one to call. */
let exitListeners: ((...a: unknown[]) => unknown)[] = [];
let exitNext = 0;

/** Set when the exit under way began with a stage's own call of process.reallyExit (X1e): said so. */
let byReallyExit = false;

type ReallyExit = (code?: number) => never;

/**
 * From the first work on: after every 'exit' listener ran (a module's own among them), an exit that
 * began with a failure code (or was given one by the guard) ends with it. Node emits 'exit' through
 * `process.emit` on both ways out (process.exit and the event loop's end) and reads the exit code
 * after it, so the code is put back there.
 *
 * And the process's last step, `process.reallyExit` (process.exit calls it after the 'exit' event),
 * is guarded too: a module's 'exit' listener that calls process.exit(0) ends the process there, in
 * the listener, with code 0 (new-user review 25 X-a: a failed `run` or `task` exited 0); and a stage
 * that calls process.reallyExit(0) itself skips the 'exit' event and its listeners (hostile review
 * 25 X1e: exit 0, no line, the run's lock left). Within the 'exit' event, the last step keeps the
 * failure code and first calls the listeners the exiting one cut short (the run's own clean-up
 * among them); outside it, while work is registered, it is taken as a process.exit(code): said,
 * the event emitted, the failure code kept.
 */
function keepFailureCode(): void {
  if (keeping) return;
  keeping = true;
  const emit = process.emit;
  process.emit = function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) {
    if (event !== 'exit') return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    const began = typeof args[0] === 'number' ? args[0] : 0;
    exitBegan ??= began;
    // Called one by one, as EventEmitter's emit does (a snapshot of them, in order): a listener
    // that exits lets the last step call the rest.
    exitListeners = process.rawListeners('exit') as ((...a: unknown[]) => unknown)[];
    exitNext = 0;
    while (exitNext < exitListeners.length) exitListeners[exitNext++].apply(this, args);
    const want = kept !== 0 ? kept : began;
    if (want !== 0 && !process.exitCode) process.exitCode = want;
    return exitListeners.length > 0;
  } as typeof process.emit;
  const proc = process as unknown as { reallyExit: ReallyExit };
  const really = proc.reallyExit;
  proc.reallyExit = function (this: NodeJS.Process, code?: number) {
    let c = Number(code ?? 0) || 0;
    // Called by a stage itself while work is on (X1e): as its process.exit(code).
    if (exitBegan === undefined && atWork.length > 0 && !ownFinal) {
      byReallyExit = true;
      return process.exit(c);
    }
    // Within the 'exit' event (a listener called process.exit): the listeners it cut short first.
    if (exitBegan !== undefined) {
      while (exitNext < exitListeners.length) {
        try {
          exitListeners[exitNext++].call(this, exitBegan);
        } catch {
          // The process is ending: a listener's error cannot stop that.
        }
      }
    }
    const want = kept !== 0 ? kept : (exitBegan ?? 0);
    if (want !== 0 && c === 0) c = want;
    process.exitCode = c;
    return really.call(this, c);
  } as ReallyExit;
}

/** A stage of one's own, for naming the one whose code threw outside a record: its name, recipe index, module, and the files it imports. */
export interface OwnStageFiles {
  stage: string;
  index: number;
  module: string;
  imports: readonly string[];
}

let stageFiles: OwnStageFiles[] = [];

/** The stages of one's own of the work under way (their modules and imports), for `uncaughtText`. */
export function knowStages(list: readonly OwnStageFiles[]): void {
  stageFiles = [...list];
}

/**
 * The stages of one's own of a plan (its stages with a module; the files each imports from its
 * side files, kept as 'a file the module of stage X imports').
 */
export function planStageFiles(stages: readonly { stage: string; module?: string }[], sideFiles: readonly { path: string; what: string }[] = []): OwnStageFiles[] {
  const out: OwnStageFiles[] = [];
  for (const [index, s] of stages.entries()) {
    if (s.module === undefined) continue;
    const imports = sideFiles.filter((f) => f.what === `a file the module of stage ${s.stage} imports`).map((f) => f.path);
    out.push({ stage: s.stage, index, module: s.module, imports });
  }
  return out;
}

/** The files and lines an error's stack names, in order (file: URLs made paths). */
/**
 * Read a property of a thrown value without letting it throw: a getter or a Proxy that throws
 * crashed the handler itself (hostile review 25 U1: exit 7, Node's raw stack, the lock left).
 */
function safely<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

function stackFrames(e: unknown): { file: string; at: string }[] {
  const stack = safely(() => {
    const s = e instanceof Error ? e.stack : undefined;
    return typeof s === 'string' ? s : '';
  }, '');
  const out: { file: string; at: string }[] = [];
  for (const m of stack.matchAll(/^\s+at (?:.*?\()?((?:file:\/\/)?\/[^():]*):(\d+)(?::\d+)?\)?\s*$/gm)) {
    let file = m[1];
    try {
      if (file.startsWith('file://')) file = fileURLToPath(file);
    } catch {
      continue;
    }
    out.push({ file, at: `${file}:${m[2]}` });
  }
  return out;
}

/** What was thrown, in words: each read guarded on its own (a name that throws still lets the message be said). */
function errorWords(e: unknown): string {
  if (!safely(() => e instanceof Error, false)) return `${safely(() => String(e), '(a value that cannot be said)')} (thrown, not an Error)`;
  const err = e as Error;
  const name = safely(() => String(err.name), 'Error');
  const message = safely(() => String(err.message).split('\n')[0], '(its message could not be read: its getter threw)');
  return `${name}: ${message}`;
}

/** The first stage of one's own whose module (or a file it imports) an error's stack names, and where. */
function stageOf(e: unknown): { s: OwnStageFiles; at: string } | undefined {
  for (const f of stackFrames(e)) {
    const s = stageFiles.find((x) => x.module === f.file) ?? stageFiles.find((x) => x.imports.includes(f.file));
    if (s !== undefined) return { s, at: f.at };
  }
  return undefined;
}

/** A stage of one's own in words: 'stage NAME (./module.mjs, stages[I])'. */
function stageWords(s: OwnStageFiles): string {
  return `stage ${s.stage} (${ownStageWhere(s.module, [s.index])})`;
}

/**
 * An error nobody caught, in words: the stage of one's own whose module (or a file it imports)
 * its stack names, else 'a stage module's asynchronous code'; what was thrown and where.
 */
export function uncaughtText(e: unknown): string {
  const frames = stackFrames(e);
  const own = stageOf(e);
  const what = safely(() => errorWords(e), '(a value whose properties throw when read)');
  const at = own?.at ?? frames[0]?.at;
  const where = at === undefined ? '' : ` (at ${at})`;
  const who = own !== undefined ? stageWords(own.s) : "a stage module's asynchronous code (or a library it uses)";
  return `${who} threw outside a record, where no stage's call could catch it (in a timer, a callback, a promise nobody awaited, or an 'error' event nobody listened to): ${what}${where}; a stage must finish its work inside apply or run, and pass its errors on by throwing there`;
}

function onUncaught(e: unknown): void {
  // A second error while the first stops the process: the first is the news.
  if (failing) return;
  failing = true;
  stopBegun(failCode(), '');
  const text = safely(() => uncaughtText(e), "a stage module's asynchronous code (or a library it uses) threw outside a record, where no stage's call could catch it (what it threw could not be read)");
  stopWords = text;
  for (let i = atWork.length - 1; i >= 0; i--) {
    const take = atWork[i].uncaught;
    if (take === undefined) continue;
    try {
      take(e, text);
      return;
    } catch {
      break;
    }
  }
  const code = failCode();
  kept = code;
  const said = atWork.findLast((w) => w.failed !== undefined)?.failed?.(text) ?? `corpus-clean: error: ${text}`;
  try {
    writeSync(2, `${said}: exit code ${code}\n`);
  } catch {
    // stderr closed: the exit code says it
  }
  (realExit ?? process.exit).call(process, code);
}

/**
 * Register work under way: until the returned function is called, a `process.exit(N)` (or an
 * exit with code 0 for any other reason) writes the work's line to stderr and ends the process with
 * its failure code, and an error nobody caught is handed to the innermost work that takes it.
 */
export function whileAtWork(work: AtWork | ((code: number) => string)): () => void {
  // A library's caller keeps its process as it is (see `guardThisProcess`).
  if (!guarding) return () => {};
  const w: AtWork = typeof work === 'function' ? { line: work } : work;
  keepFailureCode();
  if (atWork.length === 0) {
    process.on('exit', onExit);
    // First of the listeners: a module's own handler that exits must find the stop begun (X1f).
    if (!failing) process.prependListener('uncaughtException', onUncaught);
    called = undefined;
    const exit = (realExit = process.exit);
    process.exit = function (this: NodeJS.Process, code?: number | string | null) {
      if (atWork.length > 0) {
        called = Number(code ?? process.exitCode ?? 0) || 0;
        // Its stack, to name the stage that called it (L-2).
        exitCaller = new Error('process.exit');
      }
      return exit.call(this, code as number);
    } as typeof process.exit;
  }
  atWork.push(w);
  return () => {
    const i = atWork.lastIndexOf(w);
    if (i >= 0) atWork.splice(i, 1);
    if (atWork.length === 0) {
      process.off('exit', onExit);
      // While an uncaught error stops the process, a second one must not crash it with Node's text.
      if (!failing) process.off('uncaughtException', onUncaught);
      if (realExit !== undefined) process.exit = realExit;
      realExit = undefined;
    }
  };
}

/** Whether an uncaught error is stopping the process (its work's handler is at it). */
export function failingOnUncaught(): boolean {
  return failing;
}
