import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/**
 * WebAssembly that cannot start for want of address space. 64-bit V8 reserves ~8-10 GiB of
 * address space for every WebAssembly memory, whatever its size, so under `ulimit -v` of a few GB
 * making one throws a RangeError ("WebAssembly.Memory(): could not allocate memory",
 * "WebAssembly.instantiate(): Out of memory: Cannot allocate Wasm memory for new instance"), which
 * an Emscripten build reports as "Aborted(RangeError: ...)".
 */
export function isWasmMemoryFailure(e: unknown): boolean {
  return e instanceof Error && /WebAssembly\.\w+\(\): (?:Out of memory|could not allocate)|Cannot allocate Wasm memory/i.test(e.message);
}

/** The address-space limit of this process as `ulimit -v` shows it (KB), when /proc says. */
function addressLimitKb(): number | undefined {
  try {
    const m = /^Max address space\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null ? undefined : Math.floor(Number(m[1]) / 1024);
  } catch {
    return undefined;
  }
}

/**
 * The one-line usage error (exit 2) for `what` (a WebAssembly module a command needs, with no
 * fallback) failing to start: the limit that stops it, and what to do (`instead`: the options
 * that do without it, from ", or ...").
 */
export function wasmLimitError(what: string, instead: string): UsageError {
  const kb = addressLimitKb();
  return new UsageError(`${what} runs in WebAssembly, which cannot reserve its memory here: the address space is limited${kb !== undefined ? ` (ulimit -v ${kb})` : ''} and every WebAssembly memory reserves about 10 GB of it; raise the limit (ulimit -v unlimited)${instead}`);
}

/**
 * The usage error (exit 2) for `what` (a WebAssembly module with no fallback) in a Node without
 * WebAssembly, or null when it has it. `--jitless` (V8 without its compilers) removes the
 * WebAssembly global: fastText's Emscripten start-up then died on "ReferenceError: WebAssembly is
 * not defined" with ten frames of stack, exit 1 (hostile review 23 E1).
 */
export function wasmMissingError(what: string, instead: string): UsageError | null {
  if (!wasmMissing()) return null;
  const jitless = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--jitless$/.test(a.replace(/_/g, '-')));
  return new UsageError(`${what} runs in WebAssembly, which this Node does not have (${jitless ? '--jitless is set, in NODE_OPTIONS or on the node command line' : 'the WebAssembly global is missing: --jitless in NODE_OPTIONS?'}): run without --jitless${instead}`);
}

/** Whether this Node has no WebAssembly at all (`--jitless`). */
export function wasmMissing(): boolean {
  return (globalThis as { WebAssembly?: unknown }).WebAssembly === undefined;
}
