#!/usr/bin/env node
import { writeStdoutSync } from '../io/stdout.js';
import { debugWanted, ExitCode, failureText, UsageError } from '../core/errors.js';
import { holdLimit } from '../io/holdback.js';
import { tuneCommandV8 } from '../exec/v8.js';
import { didYouMean } from '../core/suggest.js';
import { VERSION } from '../version.js';
import type { Command } from './command.js';
import { commandOnly, FIXED_COMMANDS } from './commandModules.js';
import { commandBegun, guardStart, handleLandedSignals, outputClosed, stopping } from './interrupt.js';
import { showText } from '../core/show.js';
import { guardThisProcess } from '../core/exitGuard.js';

/** The stack frames of an error, one escaped line each (CORPUS_CLEAN_DEBUG=1). */
function stackLines(e: Error): string {
  return (e.stack ?? '').split('\n').slice(1).map((l) => showText(l) + '\n').join('');
}

/**
 * All subcommands, in the order the help lists them: the fixed ones (commandModules.ts), the
 * stages after `export`. Loaded on demand, so `cat` (the I/O path) starts without the stage
 * modules and their models.
 */
export async function commands(): Promise<Command[]> {
  const [{ defaultRegistry }, { stageCommand }, fixed] = await Promise.all([
    import('../stages/index.js'),
    import('./commands/stage.js'),
    Promise.all(Object.keys(FIXED_COMMANDS).map((n) => FIXED_COMMANDS[n]())),
  ]);
  const registry = defaultRegistry();
  const stages = registry.names().map((n) => stageCommand(registry.get(n), registry));
  const after = fixed.findIndex((c) => c.name === 'export') + 1;
  return [...fixed.slice(0, after), ...stages, ...fixed.slice(after)];
}

/** Top-level help. */
export function mainHelp(list: readonly Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length)) + 2;
  return `corpus-clean ${VERSION}: turn raw text corpora into clean training shards (InternEvo, XTuner)

Usage: corpus-clean <command> [inputs...] [options]
       corpus-clean <command> --help   (or: corpus-clean help <command>)

Commands:
${list.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Examples:
  zcat raw.jsonl.gz | corpus-clean quality | corpus-clean dedup > clean.jsonl
  corpus-clean run rules/recipes/sample.yaml --output out/sample
  corpus-clean cat data/ --output shards/ --shard-size 256MB --compress gzip
  corpus-clean bench shards/ --stages normalize,quality

Exit codes: 0 success; 1 bad input over --max-reject-rate, a damaged input file, an I/O
failure (everything readable is still written; with --overwrite the earlier output is put back
instead), or no record written (--allow-empty: 0);
2 usage error; 130, 143, 129 stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP, its unfinished
output removed; status: 3 while the run is at work.

Environment: CORPUS_CLEAN_PROGRESS_MS=MS  milliseconds between progress lines on stderr (default:
500 on a terminal; off a terminal, in a log, 30000, the first after 30 s; 0: at every change);
=off: no progress lines off a terminal (--quiet: none anywhere).
`;
}

/**
 * Refuse to start in a current folder that was deleted: `run` failed on it with 'ENOENT: no such
 * file or directory, uv_cwd' after making its folder (new-user review 23b C9); other commands
 * failed wherever a relative path was first resolved.
 */
function currentFolder(): void {
  try {
    process.cwd();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new UsageError('the current folder was deleted (the shell is still in it): cd to a folder that exists, then run the command again');
  }
}

/** Run the CLI with arguments (without `node` and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // A signal while the command's modules load is said (new-user review 23b C9: no word at all).
  guardStart(name);
  const version = name === '--version' || name === '-V';
  // --version loads no command (a failure to write it is handled below, as help's).
  const one = name === undefined || version ? undefined : await commandOnly(name);
  const list = one !== undefined ? [one] : version ? [] : await commands();
  if (name === undefined) {
    // No command is a usage error: the help goes to stderr, so `corpus-clean > x` does not fill x.
    process.stderr.write(mainHelp(list));
    return ExitCode.usage;
  }
  if (name === 'help' && rest.length > 0) return main([rest[0], '--help']);
  const cmd = list.find((c) => c.name === name);
  try {
    if (name === '--help' || name === '-h' || name === 'help') {
      writeStdoutSync(mainHelp(list));
      return ExitCode.ok;
    }
    if (version) {
      writeStdoutSync(VERSION + '\n');
      return ExitCode.ok;
    }
    if (!cmd) throw new UsageError(`unknown command '${showText(name)}'${didYouMean(name, list.map((c) => c.name))}; commands: ${list.map((c) => c.name).join(', ')}`);

    currentFolder();
    holdLimit(); // a bad CORPUS_CLEAN_HOLD_UNCHECKED is a usage error before anything is read
    // A single command's V8 settings (exec/v8.ts: V8's defaults; `run`'s units set their own);
    // a GC-threading flag in CORPUS_CLEAN_V8_FLAGS is a usage error here, before anything is read
    // (V8 can abort on it).
    tuneCommandV8();
    commandBegun();
    return await cmd.run(rest);
  } catch (e) {
    // One line per message: a newline inside it (from a path, a value, an OS error text) is shown
    // escaped, as every control character; only the lines an error declares (`more`) and a bug's
    // stack are lines of their own.
    if (e instanceof UsageError) {
      process.stderr.write(`corpus-clean: ${showText(e.message)}\n${e.more.map((l) => showText(l) + '\n').join('')}${debugWanted() ? stackLines(e) : ''}`);
      return ExitCode.usage;
    }
    // Cut short by a signal: the interrupt handler is removing the output and will exit.
    if (stopping()) return await new Promise<number>(() => {});
    // A failure we raised or the system reported (full disk, no permission, a worker killed) is
    // one line that names the path; a bug keeps its stack (and every failure with CORPUS_CLEAN_DEBUG=1).
    const text = failureText(e);
    const [first, ...frames] = text.split('\n');
    // Lines that follow from the failure (the earlier output kept as it was) come after it.
    const after = (e as { after?: unknown } | null)?.after;
    process.stderr.write(`corpus-clean${cmd ? ' ' + cmd.name : ''}: error: ${showText(first)}\n${frames.map((l) => showText(l) + '\n').join('')}${Array.isArray(after) ? after.map((l) => showText(String(l)) + '\n').join('') : ''}`);
    return ExitCode.dataOrIo;
  }
}

// Closing stdout early (`| head`) is not an error: stop, removing unfinished files.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') outputClosed();
});

// stderr closed by its reader (`2>&1 >/dev/null | true`): the run's result does not depend on it.
process.stderr.on('error', () => {});

// This process is the CLI's own: a stage's process.exit or uncaught error while a command works is
// said and never passes for success (core/exitGuard.ts; a library's caller is left alone).
guardThisProcess();

const code = await main(process.argv.slice(2));
// A signal that came while the command ended is handled (and said) before the exit, whether or
// not a last step of the command gave the event loop a turn (hostile review 22 H6).
await handleLandedSignals();
// A signal is stopping the command (its abort is removing the output, or waiting for the commit):
// the signal's handler says what is left and exits with its code, never this one (hostile review
// 21 G0: the command's own exit 0 came first, beside an output the abort had removed).
if (stopping()) await new Promise<never>(() => {});
// The command is over: its output finished (or removed) and its last line said. Leaving by
// process.exit keeps the signal handlers in place to the end: a SIGINT/SIGTERM that lands while
// Node tears down (tens of ms after the 'exit' event, once it has closed the handlers) killed the
// process by the default action, exit 130/143 with no word beside a whole, published output
// (hostile review 15 F11). Only when stdout and stderr have nothing left to write: a pipe whose
// reader is slow is let drain by the natural exit (a late signal can still land there).
if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
process.exitCode = code;
