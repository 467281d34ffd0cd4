import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { spawned, type Spawned } from './spawn.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DocSource, ReadEvents } from '../../src/core/pipeline.js';
import type { Doc } from '../../src/core/doc.js';
import type { Reject } from '../../src/core/stage.js';
import type { FileError } from '../../src/core/stats.js';

/** The bytes of a file, decompressed as its name says (.gz, .zst or plain). */
export async function readDecoded(path: string): Promise<Buffer> {
  const { openDecoded } = await import('../../src/io/decode.js');
  const chunks: Buffer[] = [];
  for await (const c of openDecoded(path)) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/**
 * The larger real data (../shared/data beside the repository). Tests that read it are an opt-in:
 * set CORPUS_CLEAN_DATA=../shared/data (CI does). Guard such tests with
 * `describe.runIf(HAS_SHARED)` / `it.runIf(HAS_SHARED)`; a plain clone skips them.
 */
export const HAS_SHARED = Boolean(process.env.CORPUS_CLEAN_DATA);
/** Where the shared real data is (only read when HAS_SHARED). */
export const SHARED = resolve(ROOT, process.env.CORPUS_CLEAN_DATA ?? '../shared/data');
/** The InternLM2 SentencePiece model, committed in fixtures/ (Apache-2.0, see its README). */
export const TOKENIZER_MODEL = join(ROOT, 'fixtures/tokenizer/internlm2.model');
/** The built CLI, bundled as users run it (npm test builds it first; scripts/bundle.mjs). */
export const CLI = join(ROOT, 'dist/bundle/main.js');

/** Whether the Slurm client (sbatch) is on PATH: the tests of Slurm submissions that fail run wherever it is. */
export const HAS_SBATCH = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v sbatch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const made: string[] = [];
/**
 * Remove the folders tempDir() made. test/helpers/setup.ts (vitest's setupFiles, run before every
 * test file) registers it as an afterAll of each file: a hook registered here, at this module's
 * top level, would belong to the first file only where files share their modules (isolate: false,
 * vitest.config.ts).
 */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A fresh temporary directory, removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'corpus-clean-test-'));
  made.push(d);
  return d;
}

/**
 * Spawn the CLI; resolves with exit code, stdout and stderr. With `timeoutMs` the child is killed
 * (SIGKILL) when it runs longer, and `signal` says so: a generous bound on work for tests of
 * linear-time behaviour, never a speed assertion.
 */
export function runCli(args: string[], opts: { input?: string | Buffer; cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string; signal?: NodeJS.Signals | null }> {
  return runNode([CLI, ...args], opts);
}

/**
 * Spawn the CLI once per argument list, at most `parallel` at a time; the results in the order of
 * `calls`. For checks that are independent of each other (usage errors, messages): on 2 cores a
 * lone spawn leaves a core idle while node starts.
 */
export async function runCliAll(calls: string[][], opts: Parameters<typeof runCli>[1] = {}, parallel = 4): Promise<Awaited<ReturnType<typeof runCli>>[]> {
  const results: Awaited<ReturnType<typeof runCli>>[] = new Array(calls.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, calls.length) }, async () => {
      for (let i = next++; i < calls.length; i = next++) results[i] = await runCli(calls[i], opts);
    }),
  );
  return results;
}

/**
 * The environment of a spawned CLI: the test's, with the progress lines a run writes off a
 * terminal every 30 s turned off (CORPUS_CLEAN_PROGRESS_MS=off), so what a test reads on stderr
 * does not depend on how long the run took; a test may set the variable itself.
 */
function childEnv(env: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return { CORPUS_CLEAN_PROGRESS_MS: 'off', ...process.env, ...env };
}

/** Spawn `node ARGS` (see runCli). */
export function runNode(args: string[], opts: { input?: string | Buffer; cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string; signal?: NodeJS.Signals | null }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, args, { cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs, killSignal: 'SIGKILL', env: childEnv(opts.env) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', rej);
    p.on('close', (code, signal) => res({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ...(signal ? { signal } : {}) }));
    p.stdin.end(opts.input ?? '');
  });
}

/** Everything a source produced: records, rejects, file errors and the read count. */
export interface Drained {
  docs: Doc[];
  rejects: Omit<Reject, 'stage'>[];
  fileErrors: FileError[];
  read: number;
  bytes: number;
}

/** Read a source to the end outside a pipeline. */
export async function drain(source: DocSource): Promise<Drained> {
  const d: Drained = { docs: [], rejects: [], fileErrors: [], read: 0, bytes: 0 };
  const events: ReadEvents = {
    read(n, b) {
      d.read += n;
      d.bytes += b;
    },
    reject(r, n = 1) {
      // A run of blank lines is one reject standing for n lines: keep one entry per line.
      for (let i = 0; i < n; i++) d.rejects.push(r);
    },
    file() {},
    fileError(e) {
      d.fileErrors.push(e);
    },
  };
  for await (const batch of source.read(events)) d.docs.push(...batch);
  return d;
}

/** Split a buffer into chunks of `size` bytes, as an async iterable. */
export async function* chunked(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/**
 * Start the CLI with `args` and send it `signal` once `ready` says yes to the names in the folder
 * `watched` (polled every 2 ms): a signal that lands while output is being written.
 */
export function signalWhen(args: string[], watched: string, ready: (names: string[]) => boolean, signal: NodeJS.Signals, env?: Record<string, string>): Promise<Spawned> {
  return spawned(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env,
    during: (p) => {
      let sent = false;
      const poll = setInterval(async () => {
        const names = await readdir(watched).catch(() => [] as string[]);
        if (!sent && ready(names)) {
          sent = true;
          p.kill(signal);
        }
      }, 2);
      return () => clearInterval(poll);
    },
  });
}

/**
 * `args` with the single-value option `flag` set to `value`: replaced where it is given, added
 * otherwise (a single-value option given twice is a usage error: hostile review 10 F45).
 */
export function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  return i < 0 ? [...args, flag, value] : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}
