import { errorText } from './show.js';
import { inodesHint } from './space.js';

/** A mistake in how the tool was called (bad flag, unknown stage, bad option): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /**
   * Lines shown after the message (`see 'corpus-clean run --help'`, a YAML code frame): the only
   * line breaks the CLI prints; a newline inside the message itself (from a path or an OS error
   * text) is shown escaped.
   */
  readonly more: readonly string[];
  constructor(message: string, more: readonly string[] = []) {
    super(message);
    this.more = more;
  }
}

/** Exit codes scripts can rely on. */
export const ExitCode = {
  /** Everything read was written or rejected, within the limits. */
  ok: 0,
  /** Data errors over the limit, a damaged input file, or an I/O failure. */
  dataOrIo: 1,
  /** Usage error: bad flag, unknown stage or option, unreadable recipe. */
  usage: 2,
} as const;

/** JavaScript's own errors: thrown by a bug in corpus-clean, never raised on purpose. */
const BUGS = ['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'AssertionError', 'EvalError', 'URIError'];

/** True when `e` is a bug (a JavaScript error or a failed assertion), not a failure we raised or the system reported. */
export function isBug(e: unknown): boolean {
  // A built-in stage that threw is a bug of corpus-clean when what it threw is one; a stage of one's
  // own that threw is told in one line naming it, its module and the record (new-user review 22 A5).
  if (isStageThrew(e)) return e.module === undefined && isBug(e.cause);
  return e instanceof Error && (BUGS.includes(e.name) || (e as NodeJS.ErrnoException).code === 'ERR_ASSERTION');
}

/**
 * Whether `e` is a `StageThrew`, of this copy of corpus-clean or another: told by its name and
 * fields, not by `instanceof`, as a stage module may load another copy than the CLI's (its own
 * install, the unbundled build).
 */
export function isStageThrew(e: unknown): e is StageThrew {
  return e instanceof Error && e.name === 'StageThrew' && typeof (e as StageThrew).stage === 'string' && typeof (e as StageThrew).record === 'string';
}

/** The code of a `StageThrew` from a stage of one's own: its fix is in the stage, then the same command resumes. */
export const STAGE_THREW = 'ERR_STAGE_THREW';

/**
 * What a stage's own code threw, with the stage and the record it was on: `stage boom threw on
 * a.jsonl:5000: Error: my bug` (the error thrown is `cause`, its stack after this one's first
 * line). `docStage` throws it for the record its `apply` threw on; for a stage of one's own
 * (`- module: ./x.mjs`) the message also names the module and `stages[i]`, and the code is
 * `ERR_STAGE_THREW`.
 */
export class StageThrew extends Error {
  override name = 'StageThrew';
  /** `ERR_STAGE_THREW` for a stage of one's own (a module's). */
  code?: string;
  constructor(
    /** The stage's name. */
    readonly stage: string,
    /** What it was on: `FILE:LINE` of the record, or the words for several or none. */
    readonly record: string,
    cause: unknown,
    /** For a stage of one's own: its module (as shown) and `stages[i]`. */
    readonly module?: string,
  ) {
    super(stageThrewText(stage, record, cause, module), { cause });
    if (module !== undefined) this.code = STAGE_THREW;
    const below = cause instanceof Error && typeof cause.stack === 'string' ? cause.stack : undefined;
    if (below !== undefined) this.stack = `${this.name}: ${this.message}\n${below}`;
  }
}

/**
 * What a `docStage`'s `apply` answered that is neither a reason string nor undefined/null (a
 * Promise, a boolean): the cause of the `StageThrew` that fails the run at the first such record.
 */
export class NotVerdict extends Error {
  override name = 'NotVerdict';
  constructor(
    /** What it returned, as said: `a Promise`, `true`, `a number (3)`. */
    readonly what: string,
    /** What to do instead. */
    readonly advice: string,
  ) {
    super(`returned ${what} from its apply: ${advice}`);
  }
}

function stageThrewText(stage: string, record: string, cause: unknown, module: string | undefined): string {
  if (cause instanceof Error && cause.name === 'NotVerdict' && typeof (cause as NotVerdict).what === 'string') {
    const c = cause as NotVerdict;
    return `stage ${stage}${module !== undefined ? ` (${module})` : ''} returned ${c.what} from its apply on ${record}: ${c.advice}`;
  }
  const what = cause instanceof Error ? `${cause.name}: ${errorText(cause)}` : errorText(cause);
  // The stack says where in the stage's code: shown only on asking (as every failure's), so the line says how.
  const how = module !== undefined && !debugWanted() ? ' (CORPUS_CLEAN_DEBUG=1 shows its stack)' : '';
  return `stage ${stage}${module !== undefined ? ` (${module})` : ''} threw on ${record}: ${what}${how}`;
}

/** True when stacks are wanted (`CORPUS_CLEAN_DEBUG=1`): every failure then carries its stack. */
export function debugWanted(): boolean {
  const d = process.env.CORPUS_CLEAN_DEBUG;
  return d !== undefined && d !== '' && d !== '0';
}

/**
 * How a failure is told, by the CLI and by a failed task: one line, its message (the paths a
 * system error carries escaped, see errorText), without the "Error: " of its stack. A bug (a
 * TypeError and its kin, a failed assertion) is told with its stack so that it can be found;
 * with CORPUS_CLEAN_DEBUG=1 every failure is.
 */
export function failureText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (isBug(e) || debugWanted()) return e.stack ?? `${e.name}: ${e.message}`;
  noteInodes(e);
  return errorText(e);
}

/**
 * When `e` is an ENOSPC (or caused by one) about a path whose file system has no free inodes
 * left, say so in its message, with df -i (new-user review 20 F10); an OutputError says it
 * itself. To be called as the failure happens: the folders a command made are removed after it,
 * which frees inodes again.
 */
export function noteInodes(e: unknown): void {
  if (!(e instanceof Error) || e.message.includes('free inodes')) return;
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 4; x = x.cause, depth++) {
    const path = (x as { path?: unknown }).path;
    if ((x as NodeJS.ErrnoException).code !== 'ENOSPC' || typeof path !== 'string') continue;
    e.message += inodesHint(path);
    return;
  }
}

/** The `code` an error carries (`ENOSPC`, `ERR_INPUT_CHANGED`), if it is a string. */
export function errorCode(e: unknown): string | undefined {
  const c = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  return typeof c === 'string' ? c : undefined;
}

/**
 * What to do after a task failed, for the line that follows its error: a task whose input
 * changed cannot be resumed (its finished tasks read the old file), so its error says
 * `--overwrite` and no "run the same command again" is added; any other failure keeps what
 * finished for a rerun.
 */
export function afterFailure(code: string | undefined, kept: string): string {
  return code === 'ERR_INPUT_CHANGED' ? 'stopped' : `stopped; ${kept}: run the same command again to resume`;
}

/**
 * A stage that ended before its input did: it stopped taking records (returned from `run` early,
 * or never read its input) while the input held more, which nothing read, wrote or rejected
 * (hostile review 23b M3: 'read 4728 = written 4728' of a 200,000-record file, exit 0). Nothing of
 * ours stops a stage's input on purpose (`--limit` and a closed stdout stop the reading itself),
 * so this is a bug of the stage. For a stage of one's own (`module` set) the code is
 * `ERR_STAGE_THREW`, as for a throw: fix the stage, then the same command.
 */
export class StageStoppedEarly extends Error {
  override name = 'StageStoppedEarly';
  code?: string;
  constructor(
    readonly stage: string,
    /** What it was given last: `FILE:LINE` of its last record, or undefined when it took none. */
    readonly last: string | undefined,
    /** The first record of the input not read (`FILE:LINE`). */
    readonly unread: string,
    /** The records and bytes read before the stop. */
    readonly read: { records: number; bytes: number },
    readonly module?: string,
  ) {
    super(stoppedEarlyText(stage, last, unread, read, module));
    if (module !== undefined) this.code = STAGE_THREW;
  }
}

function stoppedEarlyText(stage: string, last: string | undefined, unread: string, read: { records: number; bytes: number }, module: string | undefined): string {
  const took = last === undefined ? 'it ended before it took any record' : `it ended after ${last}, the last record it was given`;
  const before = read.records === 0 ? 'nothing was read before it' : `${read.records} record${read.records === 1 ? '' : 's'}, ${(read.bytes / 1e6).toFixed(1)} MB read before it`;
  const fix = 'a stage must read its input to its end (a record it does not want is rejected with ctx.reject, or left out of what it yields)';
  return `stage ${stage}${module !== undefined ? ` (${module})` : ''} stopped taking records before the end of its input (${took}): the input from ${unread} on was not read (${before}) and would be in neither the output nor the rejects; ${fix}`;
}
