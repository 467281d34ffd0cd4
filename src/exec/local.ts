/**
 * The local executor: the plan's phases in order, the units of each phase on `workers` threads
 * (or child processes), skipping units that are already done. One worker runs everything in
 * the calling thread. The first failing unit stops the run: units in flight finish, nothing
 * of a later phase starts, and the error names the task and its input.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Stage } from '../core/stage.js';
import { statSync } from 'node:fs';
import { planPath, spillPath } from './layout.js';
import { isDone } from './markers.js';
import type { Plan } from './plan.js';
import { describeTask } from './plan.js';
import type { PhaseFigures } from './progress.js';
import { PhaseProgress } from './progress.js';
import { inputBytesOnDiskEvery } from './inputBytes.js';
import { PhaseClock, timeUnit, type Timeline } from './timing.js';
import { runUnit, stopUnits } from './unit.js';
import type { FromWorker, ToWorker } from './worker.js';
import { errorCode, failureText, STAGE_THREW } from '../core/errors.js';
import { tuneV8 } from './v8.js';
import { damagedFile } from './redo.js';
import { WORKER_FILE as WORKER } from './entries.js';
import { EXIT0_HINT, whileAtWork } from '../core/exitGuard.js';

/** How local workers are made: threads (default) or child processes. */
export type WorkerKind = 'thread' | 'process';

/** Options of `runLocal`. */
export interface LocalOptions {
  workers: number;
  kind?: WorkerKind;
  progress: boolean;
}

/** At most this many local workers per core, whatever is asked: more only cost memory and switching. */
export const WORKERS_PER_CORE = 4;

/**
 * How many workers a local run of `plan` uses. Asked for (`--workers`, `executor.workers`): that
 * many, but at most WORKERS_PER_CORE per core, decided before anything is sized by it (an ask of
 * 1e9 once sized an array of a billion slots); an ask over the cores comes with a note saying
 * what is started (the pool never starts more workers than a phase has units). Not asked: every
 * core, but no more than one worker per 16 MB of input (starting a worker, its stages and
 * models, costs more than a small input takes).
 */
export function localWorkers(asked: number | undefined, plan: Plan, cores: number, flag = '--workers'): { workers: number; note?: string } {
  if (asked === undefined) {
    let bytes = 0;
    for (const t of plan.tasks) bytes += t.bytes;
    return { workers: Math.max(1, Math.min(cores, Math.ceil(bytes / 16e6))) };
  }
  const workers = Math.min(asked, WORKERS_PER_CORE * cores);
  if (asked <= cores) return { workers };
  let units = 1;
  for (const ph of plan.phases) units = Math.max(units, ph.units);
  const started = Math.min(workers, units);
  const why = started < workers ? `one per task of the ${units}` : `at most ${WORKERS_PER_CORE} per core`;
  return { workers, note: `note: ${flag} ${asked} is more than the ${cores} cores here; starting ${started} worker${started === 1 ? '' : 's'} (${why})` };
}

/**
 * A unit that failed: the run stops with this. `code` is its error's code (`ERR_INPUT_CHANGED`:
 * a rerun cannot resume it); `damaged`, the file in `_work/` it found damaged and had its writer
 * un-marked for (see redo.ts).
 */
export class UnitFailure extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly damaged?: string,
    readonly where?: StoppedAt,
  ) {
    super(message);
  }
}

/**
 * How far the phase that failed had got: its index, its units done, and the records and input
 * bytes its units had gone through (the finished ones and those at work, the failed one with
 * them), for the line that says where the run stopped (new-user review 20 F3).
 */
/** What a signal did to the tasks under way of a local run (or dedup-disk): stopped, their unfinished files removed; the finished ones stay. */
export const RUN_STOPPED = 'the tasks under way were stopped and their unfinished files removed';

export interface StoppedAt {
  phase: number;
  done: number;
  units: number;
  records: number;
  bytes: number;
  totalBytes: number;
}

interface PoolWorker {
  send(m: ToWorker): void;
  on(f: (m: FromWorker) => void): void;
  kill(): Promise<void>;
  ready: Promise<void>;
}

/** The unit the calling thread runs (for the line of an exit while it works: `whileAtWork`), and how units are named. */
interface Here {
  unit: string | undefined;
  name(p: number, u: number): string;
}

/**
 * The calling thread as one of the pool's workers: it runs the units it is handed with the
 * stages the run built already, while the other workers start (their modules and stages take
 * about a second each, which the run used to wait for with every core idle), and it handles the
 * other workers' messages between its own batches.
 */
function callingThread(run: string, plan: Plan, stages: readonly Stage[], here: Here): PoolWorker {
  let onMsg: (m: FromWorker) => void = () => {};
  return {
    send(m) {
      if ('exit' in m) return;
      const { phase, unit } = m;
      const onDisk = inputBytesOnDiskEvery(100);
      here.unit = here.name(phase, unit);
      void timeUnit(() => runUnit(run, plan, stages, phase, unit, (s) => onMsg({ type: 'progress', unit, records: s.read, bytes: onDisk(s) }))).then(
        ([, times]) => ((here.unit = undefined), onMsg({ type: 'done', unit, times })),
        (e) => ((here.unit = undefined), onMsg({ type: 'error', unit, message: failureText(e), code: errorCode(e), damaged: damagedFile(e) })),
      );
    },
    on: (f) => (onMsg = f),
    kill: async () => {},
    ready: Promise.resolve(),
  };
}

/**
 * How a worker process ended, for the run's error. SIGKILL is not sent by corpus-clean (it stops
 * workers with SIGTERM or an exit message): when nobody killed it by hand, it is most often the
 * kernel's out-of-memory killer, so the message says where to look and what uses less memory.
 */
export function workerExit(pid: number | undefined, code: number | null, signal: NodeJS.Signals | null): string {
  // A worker stopped by a signal sent to it exits 128+N after removing its temporaries (worker.ts).
  const by = code === 130 ? 'SIGINT' : code === 143 ? 'SIGTERM' : code === 129 ? 'SIGHUP' : undefined;
  // Code 0 before it was told to stop: nothing of corpus-clean exits so (hostile review 23b X1).
  if (signal === null && code === 0) return `worker process (PID ${pid}) exited with code 0 before it finished its work: ${EXIT0_HINT}`;
  // Another code than corpus-clean's own (1: a worker that cannot go on; 128+N: a signal) is a stage's process.exit(N) (new-user review 24 N13).
  if (signal === null && by === undefined && code !== 1) return `worker process (PID ${pid}) exited with code ${code} before it finished its work: ${EXIT0_HINT.replace('process.exit?', `process.exit(${code})?`)}`;
  if (signal === null) return `worker process (PID ${pid}) exited with code ${code}${by === undefined ? '' : ` (stopped by ${by})`}`;
  const oom = signal === 'SIGKILL' ? ' (not by corpus-clean: when nobody killed it, this is most often the kernel out of memory, see dmesg or journalctl -k; fewer --workers or a smaller --task-size use less)' : '';
  return `worker process (PID ${pid}) was killed by ${signal}${oom}`;
}

/**
 * The failure of a worker that died between units: which unit it last finished (or that it had
 * run none), so the message says where the run was. `last` is `unitName` of that unit.
 */
export function idleWorkerFailure(message: string, last: string | undefined): string {
  return `a worker failed while it ran no unit (${last === undefined ? 'before its first unit' : `after ${last}, which it finished`}): ${message}`;
}

/** The glibc tunable a worker process gets (see `workerEnv`). */
export const WORKER_MALLOC_TUNABLE = 'glibc.malloc.hugetlb=1';

/**
 * The environment of a worker process: the run's, with its unit data (`CORPUS_CLEAN_WORKER`),
 * and on Linux glibc's malloc told to madvise its heap for transparent huge pages
 * (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, glibc 2.35+; an older glibc, musl or THP off ignore
 * it). A page fault costs ~12 us on the VMs #16 measures on; the buffers Node takes from malloc
 * (chunks read, rejects and shards encoded, zstd's output) come in 2 MB pages instead of 4 KB
 * ones: 20-30 % fewer faults in such a process; the sample recipe over the 171 MB bench mix with
 * `--workers 2`: CPU median 27.7 -> 24.3 s, lower in 5 of 6 pairs on a loaded machine, peak RSS
 * +2 % (bench/RESULTS.md, "Issue 16, twenty-fifth pass, other threads"). Where memory comes from
 * changes no byte written. Only
 * worker processes get it: glibc reads the variable when a process starts, so the calling
 * process (the only one with `--workers 1`) and worker threads run as started. A
 * `glibc.malloc.hugetlb` of the user's own (`=0` turns it off) is kept, as are other tunables.
 */
export function workerEnv(data: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, CORPUS_CLEAN_WORKER: data };
  if (platform !== 'linux') return out;
  const t = env.GLIBC_TUNABLES;
  if (t === undefined || t === '') out.GLIBC_TUNABLES = WORKER_MALLOC_TUNABLE;
  else if (!/(?:^|:)glibc\.malloc\.hugetlb=/.test(t)) out.GLIBC_TUNABLES = `${t}:${WORKER_MALLOC_TUNABLE}`;
  return out;
}

function spawnWorker(kind: WorkerKind, run: string): PoolWorker {
  const data = { run, plan: planPath(run) };
  let onMsg: (m: FromWorker) => void = () => {};
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const readyP = new Promise<void>((res, rej) => ((ready = res), (failed = rej)));
  const dispatch = (m: FromWorker): void => (m.type === 'ready' ? ready() : onMsg(m));
  if (kind === 'thread') {
    const w = new Worker(WORKER, { workerData: data });
    let terminating = false;
    let errored = false;
    w.on('message', dispatch);
    w.on('error', (e) => {
      errored = true;
      failed(e);
      onMsg({ type: 'error', unit: -1, message: failureText(e) });
    });
    // A thread that ended unasked (process.exit in a worker thread ends the thread): its unit would
    // never report, and the run waited for ever or ended as if done (hostile review 23b X1).
    w.on('exit', (code) => {
      // Any code: a thread's own failure comes as its 'error' (errored), so an exit unasked is a
      // stage's process.exit(N), and its fix is in the stage (new-user review 26 X-1: exit(3) got
      // no hint, and "run the same command again to resume", which exits the same way).
      if (!terminating && !errored) onMsg({ type: 'error', unit: -1, message: `worker thread exited with code ${code} before it finished its work: ${code === 0 ? EXIT0_HINT : EXIT0_HINT.replace('process.exit?', `process.exit(${code})?`)}`, code: STAGE_THREW });
    });
    const kill = async (): Promise<void> => {
      terminating = true;
      await w.terminate();
    };
    return { send: (m) => w.postMessage(m), on: (f) => (onMsg = f), kill, ready: readyP };
  }
  const c: ChildProcess = fork(WORKER, [], { env: workerEnv(JSON.stringify(data)), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  endWithThisProcess(c);
  c.on('message', (m) => dispatch(m as FromWorker));
  // Handing a unit to a worker that has just died (killed between two units) fails here; its
  // exit, told below, stops the run: the failed send must not crash it (ERR_IPC_CHANNEL_CLOSED).
  c.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ERR_IPC_CHANNEL_CLOSED') onMsg({ type: 'error', unit: -1, message: failureText(e) });
  });
  // Every exit the run did not ask for is a failure, code 0 too: a worker process that exited 0
  // while it ran a task (a stage called process.exit(0)) left the run exit 0 with the task not
  // done (hostile review 23b X1: -w 2, rc 0 with 1 of 6 tasks done).
  let killed = false;
  c.on('exit', (code, signal) => {
    // Code 0 unasked is a stage's doing: its fix is in the stage, as for a throw (ERR_STAGE_THREW).
    // So is another code than corpus-clean's own (1; 128+N: a signal), said as a process.exit(N) (new-user review 26 X-1).
    const byStage = !killed && signal === null && (code === 0 || (code !== 1 && code !== 129 && code !== 130 && code !== 143));
    if (!killed || code !== 0) onMsg({ type: 'error', unit: -1, message: workerExit(c.pid, code, signal), ...(byStage ? { code: STAGE_THREW } : {}) });
  });
  // Resolves once the process is gone, so that what it was writing can be swept after it (stopWorkers).
  const kill = (): Promise<void> =>
    new Promise<void>((res) => {
      killed = true;
      if (c.exitCode !== null || c.signalCode !== null) return res();
      c.once('exit', () => res());
      c.kill();
    });
  return { send: (m) => c.send(m), on: (f) => (onMsg = f), kill, ready: readyP };
}

/** The worker processes alive, ended with this process (`endWithThisProcess`). */
const liveChildren = new Set<ChildProcess>();

/** Kill the worker processes still alive: this process is exiting. */
function killChildren(): void {
  for (const c of liveChildren) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

/**
 * A worker process ends with this one (hostile review 25 W1: after the main process ended abruptly,
 * a stage's process.exit, an uncaught error, a worker process lived on for a second or more, PPID
 * 1, and wrote into the run folder the next command was using; its 'disconnect' handler runs only
 * once its stage yields). The run stops its workers itself on every way out it takes (its end, a
 * failure, a signal: stopWorkers); a worker still alive when this process exits is killed at once,
 * SIGKILL, before the run's lock is released (its temporaries are swept by the next run, as a kill
 * -9's). The 'exit' listener is there only while a worker process is.
 */
function endWithThisProcess(c: ChildProcess): void {
  if (liveChildren.size === 0) process.prependListener('exit', killChildren);
  liveChildren.add(c);
  c.once('exit', () => {
    liveChildren.delete(c);
    if (liveChildren.size === 0) process.off('exit', killChildren);
  });
}

/** The workers of the run under way in this process (none when it runs in the calling thread only). */
let livePool: PoolWorker[] = [];

/**
 * Stop the workers of the run under way and wait until each is gone, and the units of this thread
 * (stopUnits): a signal's clean-up removes
 * the run's temporaries after this, so that no worker writes a new one behind the sweep (hostile
 * review 6 F19: `_work/spill/1/00002.jsonl.tmp` and its `.src.tmp`, or a rejects temporary, left
 * by a worker still running when `run` removed the temporaries and exited on Ctrl-C).
 */
export async function stopWorkers(): Promise<void> {
  // The calling thread's own units too: their writers aborted and no open of theirs in flight,
  // or a shard temporary could be made after the sweep (review 12 N3).
  await Promise.all([...livePool.map((w) => w.kill()), stopUnits()]);
}

/**
 * The order units of phase `p` are handed to workers: the largest task first (its input bytes,
 * or for a phase after a barrier the records its previous phase left it, by spill size), so
 * that the phase does not end with one large task running alone; ties and steps in unit order.
 * The order decides nothing in the output (each task writes its own files, merged in task order).
 */
export function handOutOrder(run: string, plan: Plan, p: number, todo: readonly number[]): number[] {
  const ph = plan.phases[p];
  if (ph.kind !== 'tasks') return [...todo];
  const k = ph.segment!;
  const size = (u: number): number => {
    if (k === 0) return plan.tasks[u].bytes;
    try {
      return statSync(spillPath(run, k - 1, u)).size;
    } catch {
      return plan.tasks[u].bytes;
    }
  };
  const w = new Map(todo.map((u) => [u, size(u)]));
  return [...todo].sort((a, b) => w.get(b)! - w.get(a)! || a - b);
}

/** Where the phase a local run is at stands (undefined: no run is at a phase). */
let phaseNow: (() => StoppedAt) | undefined;

/**
 * How far the local run at work in this process has got, now: for the line of a stop that comes
 * from outside its steps (a stage's process.exit: new-user review 25 L-2).
 */
export function stoppedNow(): StoppedAt | undefined {
  return phaseNow?.();
}

/** Run every phase of `plan` in `run`; resolves when all units are done, with where the time went. */
export async function runLocal(run: string, plan: Plan, stages: readonly Stage[], o: LocalOptions): Promise<Timeline> {
  let pool: PoolWorker[] = [];
  const t0 = performance.now();
  // Before any unit runs here, and inherited by every worker (threads share them, processes read the same environment).
  tuneV8();
  const workers = Math.max(1, o.workers);
  const timeline: Timeline = { workers, before_ms: t0, workers_ready_ms: 0, phases: [], total_ms: 0 };
  // The unit each pool worker last finished, across phases (for a worker that dies between units).
  const lastDone = new Map<PoolWorker, string>();
  const unitName = (p: number, u: number): string => {
    const ph = plan.phases[p];
    return ph.kind === 'tasks' ? `task ${u} of phase ${ph.id} (${describeTask(plan.tasks[u])})` : `unit ${u} of phase ${ph.id}`;
  };
  const here: Here = { unit: undefined, name: unitName };
  // A process.exit(0) in this process while the run works (a stage of one's own ran here) must not
  // end it as a success (hostile review 23b X1: exit 0, no line, the run unfinished).
  const unguard = whileAtWork((code) => `corpus-clean: error: the process was ended by process.exit(${code}) while ${here.unit ?? 'the run'} was at work, before the run finished: ${EXIT0_HINT}; the run is not finished (no _SUCCESS): exit code ${code || 1}`);
  try {
    for (let p = 0; p < plan.phases.length; p++) {
      const ph = plan.phases[p];
      const todo: number[] = [];
      for (let u = 0; u < ph.units; u++) if (!isDone(run, ph.id, u)) todo.push(u);
      const weight = (u: number): number => (ph.kind === 'tasks' ? plan.tasks[u].bytes : 0);
      const fig: PhaseFigures = { done: ph.units - todo.length, running: 0, units: ph.units, records: 0, bytes: 0, totalBytes: 0 };
      if (ph.kind === 'tasks') for (let u = 0; u < ph.units; u++) fig.totalBytes += weight(u);
      let doneBytes = 0;
      for (let u = 0; u < ph.units; u++) if (!todo.includes(u)) doneBytes += weight(u);
      fig.bytes = doneBytes;
      fig.bytesBefore = doneBytes;
      const live = new Map<number, { records: number; bytes: number }>();
      let doneRecords = 0;
      const bar = new PhaseProgress(o.progress, plan, p);
      // What the phase has gone through: the finished units and the units at work, each counted with what it had read.
      const sofar = (): { records: number; bytes: number } => {
        let bytes = doneBytes;
        let records = doneRecords;
        for (const [u, x] of live) {
          bytes += Math.min(x.bytes, weight(u) || x.bytes);
          records += x.records;
        }
        return { records, bytes };
      };
      // Where the phase stands, for a failure's 'stopped with ...' line.
      const stoppedAt = (): StoppedAt => ({ phase: p, done: fig.done, units: ph.units, ...sofar(), totalBytes: fig.totalBytes });
      phaseNow = stoppedAt;
      const refresh = (): void => {
        Object.assign(fig, sofar());
        fig.running = live.size;
        bar.update(fig);
      };
      if (todo.length === 0) continue;
      const clock = new PhaseClock(ph.id, ph.units, todo.length, t0, workers);
      if (o.workers <= 1 || todo.length === 1) {
        clock.start();
        for (const [order, u] of todo.entries()) {
          live.set(u, { records: 0, bytes: 0 });
          const onDisk = inputBytesOnDiskEvery(100);
          here.unit = unitName(p, u);
          try {
            const [, times] = await timeUnit(() =>
              runUnit(run, plan, stages, p, u, (s) => {
                live.set(u, { records: s.read, bytes: onDisk(s) });
                refresh();
              }),
            );
            clock.unit(order, times);
          } catch (e) {
            throw new UnitFailure(`${unitName(p, u)} failed: ${failureText(e)}`, errorCode(e), damagedFile(e), stoppedAt());
          }
          here.unit = undefined;
          doneRecords += live.get(u)!.records;
          live.delete(u);
          doneBytes += weight(u);
          fig.done++;
          refresh();
        }
        timeline.phases.push(clock.end());
        bar.done(fig);
        continue;
      }
      if (pool.length === 0) {
        // Never more workers than units to run at once: `--workers 1000` on a plan of 14 units
        // started 1000 threads (1.4 GB in 20 s) for nothing. The calling thread is the first
        // worker; the others are handed units as each becomes ready.
        let most = 1;
        for (const x of plan.phases) most = Math.max(most, x.units);
        const s0 = performance.now();
        pool = [callingThread(run, plan, stages, here), ...Array.from({ length: Math.min(o.workers, most) - 1 }, () => spawnWorker(o.kind ?? 'process', run))];
        livePool = pool;
        void Promise.all(pool.map((w) => w.ready)).then(
          () => (timeline.workers_ready_ms = performance.now() - s0),
          () => {},
        );
      }
      clock.start();
      const handedOut = new Map<number, number>();
      await new Promise<void>((resolve, reject) => {
        const queue = handOutOrder(run, plan, p, todo);
        // The unit each worker runs; a worker that died is handed no more.
        const running = new Map<PoolWorker, number>();
        const dead = new Set<PoolWorker>();
        let failure: string | undefined;
        let failureCode: string | undefined;
        let failureDamaged: string | undefined;
        let failedAt: StoppedAt | undefined;
        const settle = (): void => {
          if (running.size > 0) return;
          if (failure !== undefined) reject(new UnitFailure(failure, failureCode, failureDamaged, failedAt));
          else if (queue.length === 0) resolve();
          else if (pool.every((w) => dead.has(w))) reject(new UnitFailure('every worker failed'));
        };
        const next = (w: PoolWorker): void => {
          if (failure !== undefined || queue.length === 0 || dead.has(w) || running.has(w)) return settle();
          const u = queue.shift()!;
          handedOut.set(u, handedOut.size);
          running.set(w, u);
          live.set(u, { records: 0, bytes: 0 });
          w.send({ phase: p, unit: u });
        };
        for (const w of pool) {
          w.on((m) => {
            if (m.type === 'ready') return;
            if (m.type === 'progress') {
              live.set(m.unit, { records: m.records, bytes: m.bytes });
              refresh();
              return;
            }
            // A worker's own failure (unit -1: it could not start, or it died) fails the unit it ran, if any.
            const u = m.type === 'error' && m.unit < 0 ? running.get(w) : m.unit;
            // As the first failure came, before its unit leaves the figures.
            if (m.type === 'error' && failure === undefined) failedAt = stoppedAt();
            running.delete(w);
            if (m.type === 'done') {
              lastDone.set(w, unitName(p, m.unit));
              clock.unit(handedOut.get(m.unit)!, m.times);
              doneRecords += live.get(m.unit)?.records ?? 0;
              doneBytes += weight(m.unit);
              fig.done++;
            } else {
              if (m.unit < 0) dead.add(w);
              if (failure === undefined) {
                failureCode = m.code;
                failureDamaged = m.damaged;
              }
              failure ??= u === undefined ? idleWorkerFailure(m.message, lastDone.get(w)) : `${unitName(p, u)} failed: ${m.message}`;
            }
            if (u !== undefined) live.delete(u);
            refresh();
            next(w);
          });
        }
        for (const w of pool) {
          w.ready.then(
            () => next(w),
            () => {
              // The error itself comes as a message (a failed worker).
              dead.add(w);
              settle();
            },
          );
        }
      });
      timeline.phases.push(clock.end());
      bar.done(fig);
    }
    timeline.total_ms = performance.now() - t0;
    return timeline;
  } finally {
    phaseNow = undefined;
    unguard();
    await Promise.all(pool.map((w) => w.kill()));
    if (livePool === pool) livePool = [];
  }
}
