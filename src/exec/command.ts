/**
 * The command line that began or last resumed a run, kept in `_work/command.json` (removed with
 * `_work/` by the merge), so that `corpus-clean status` can print the exact command that resumes
 * an unfinished run (or starts it over with --overwrite), with the folder it was run from.
 */
import { readFile } from 'node:fs/promises';
import { writeWorkFile } from '../io/writers/workFile.js';
import { join } from 'node:path';
import { workDir } from './layout.js';
import { makeDir } from '../io/dirs.js';

export interface RecordedCommand {
  /** The working folder it ran in: the command's relative paths start there. */
  cwd: string;
  /** The arguments after the program name, e.g. `['run', 'r.yaml', '-o', 'out/r']`. */
  argv: string[];
}

const commandPath = (dir: string): string => join(workDir(dir), 'command.json');

/** Keep the command of this invocation (a resume replaces the first one's: both work). */
export async function recordCommand(dir: string, argv: readonly string[], cwd = process.cwd()): Promise<void> {
  await makeDir(workDir(dir), 'work folder');
  // Named on a full disk, no partial file left (writeWorkFile).
  writeWorkFile(commandPath(dir), JSON.stringify({ cwd, argv: [...argv] } satisfies RecordedCommand) + '\n');
}

/** The recorded command of a run, or undefined (a run begun by an older version, or finished). */
export async function recordedCommand(dir: string): Promise<RecordedCommand | undefined> {
  try {
    const v = JSON.parse(await readFile(commandPath(dir), 'utf8')) as Partial<RecordedCommand>;
    if (typeof v.cwd === 'string' && Array.isArray(v.argv) && v.argv.every((a) => typeof a === 'string')) return { cwd: v.cwd, argv: v.argv };
  } catch {
    // none recorded
  }
  return undefined;
}

// Control characters (C0, DEL, C1) and bidi controls, as core/show.ts escapes them in messages.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const ESCAPED = /[\\'\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One word for a POSIX shell: as it is when it needs no quoting, else in single quotes; a word
 * holding a control or bidi character (a newline, ESC) in bash's `$'...'` with it as `\xHH` or `\uHHHH`, so
 * that the line is one line, shows no raw escape and still means the same word.
 */
export function shellWord(w: string): string {
  if (w !== '' && /^[A-Za-z0-9_/.,:=+@%^-]+$/.test(w)) return w;
  if (!UNSAFE.test(w)) return `'${w.replace(/'/g, `'\\''`)}'`;
  return `$'${w.replace(ESCAPED, (c) => (c === '\\' || c === "'" ? '\\' + c : c.charCodeAt(0) < 0x80 ? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0') : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')))}'`;
}

/** `--overwrite` in a recorded command line. */
function isOverwrite(arg: string): boolean {
  return arg === '--overwrite' || arg.startsWith('--overwrite=');
}

/**
 * The recorded command as it resumes: without `--overwrite`, with which the same command starts
 * over, its finished units removed (new-user review 26 R-1), and whether it held one.
 */
export function resumingCommand(c: RecordedCommand): { command: RecordedCommand; dropped: boolean } {
  const argv = c.argv.filter((a) => !isOverwrite(a));
  return { command: argv.length === c.argv.length ? c : { ...c, argv }, dropped: argv.length !== c.argv.length };
}

/**
 * The command as a shell line: `corpus-clean ARGS`, with `extra` added unless already there, and
 * `cd DIR && ` before it when it ran in another folder than `here`.
 */
export function commandLine(c: RecordedCommand, extra: readonly string[] = [], here = process.cwd()): string {
  const args = [...c.argv, ...extra.filter((e) => !c.argv.includes(e))];
  const line = ['corpus-clean', ...args].map((a, i) => (i === 0 ? a : shellWord(a))).join(' ');
  return c.cwd === here ? line : `cd ${shellWord(c.cwd)} && ${line}`;
}
