/**
 * A local worker: a thread (or a child process) that builds the recipe's stages once, then runs
 * the units it is sent (`{phase, unit}`), reading its task's bytes itself: only unit numbers and
 * progress figures cross between workers and the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { lazyRegistry } from '../core/registry.js';
import { STAGE_MODULES } from '../cli/stageModules.js';
import type { Plan } from './plan.js';
import { timeUnit, type UnitTimes } from './timing.js';
import { buildStages, runUnit, stopUnits } from './unit.js';
import { errorCode, failureText } from '../core/errors.js';
import { damagedFile } from './redo.js';
import { tuneV8 } from './v8.js';
import { inputBytesOnDisk } from './inputBytes.js';

/** Messages from the main thread. */
export type ToWorker = { phase: number; unit: number } | { exit: true };
/** Messages to the main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; unit: number; records: number; bytes: number }
  | { type: 'done'; unit: number; times: UnitTimes }
  | { type: 'error'; unit: number; message: string; code?: string; damaged?: string };

tuneV8();
const data = (workerData ?? JSON.parse(process.env.CORPUS_CLEAN_WORKER ?? '{}')) as { run: string; plan: string };
// The main process died (kill -9, or it exited on a signal while this worker still loaded its
// stages): stop, do not keep writing into a run folder. Listened for before anything is awaited:
// a channel closed while the stages load gave the first send an ERR_IPC_CHANNEL_CLOSED trace.
// Its unit's writers are aborted first, as on a signal (below).
if (!parentPort) process.on('disconnect', () => void stopUnits().finally(() => process.exit(1)));
const send = (m: FromWorker): void => {
  if (parentPort) parentPort.postMessage(m);
  // A send on a closed channel is not an error to print: the process stops as on 'disconnect'.
  else if (!process.connected) process.exit(1);
  else process.send!(m, undefined, {}, (e: Error | null) => e && process.exit(1));
};

// A signal (the group's Ctrl-C or hang-up, or one sent to this process alone) ends the unit under
// way here as it ends the main process's: its writers aborted and their temporaries removed, then
// exit 128+N (review 12 N3: without a handler a worker died where it stood, leaving its temporaries
// to the main process's sweep, or, when it was signalled alone, to the rerun).
let stopping = false;
if (!parentPort) {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void stopUnits().finally(() => process.exit(code));
    });
  }
}

const plan = JSON.parse(await readFile(data.plan, 'utf8')) as Plan;

// Stages that cannot be built here (a module changed since the plan, an import or a create() that
// throws) are the run's error, said as such: a worker process printed an uncaught stack and the run
// said only that it 'exited with code 1'. A thread's failure reaches the main thread as its 'error'.
const stages = await buildStages(plan, lazyRegistry(STAGE_MODULES)).catch((e: unknown) => {
  if (parentPort) throw e;
  const m: FromWorker = { type: 'error', unit: -1, message: failureText(e), code: errorCode(e) };
  if (!process.connected) process.exit(1);
  process.send!(m, undefined, {}, () => process.exit(1));
  return new Promise<never>(() => {});
});

// An error a stage throws outside its apply/run (a timer, a callback, an 'error' event nobody
// listens to) fails the unit at work here as its throw does, with the stage named and the code of
// a stage's throw (new-user review 24 N14: a worker process printed Node's crash text and the run
// said only that it 'exited with code 1'; a thread's error named no stage). The unit's writers are
// aborted, as on a signal, then the worker ends: nothing of it is trusted after such an error.
// Listened for once the stages are built: a module that fails to load here is said as before.
let atUnit: number | undefined;
knowStages(planStageFiles(plan.stages, plan.sideFiles));
// First of the listeners: a module's own handler that exits comes after the unit's failure is sent (X1f).
process.prependListener('uncaughtException', (e) => {
  if (stopping) return;
  stopping = true;
  const m: FromWorker = { type: 'error', unit: atUnit ?? -1, message: uncaughtText(e), code: STAGE_THREW };
  const told = new Promise<void>((done) => {
    if (parentPort) parentPort.postMessage(m);
    else if (process.connected) return void process.send!(m, undefined, {}, () => done());
    done();
  });
  void Promise.allSettled([told, stopUnits()]).finally(() => process.exit(1));
});

async function handle(m: ToWorker): Promise<void> {
  if ('exit' in m) {
    if (parentPort) parentPort.close();
    else process.exit(0);
    return;
  }
  // A fault for tests of failure handling: a worker process killed by a signal as it takes a unit.
  if (!parentPort && process.env.CORPUS_CLEAN_KILL_WORKER !== undefined) process.kill(process.pid, process.env.CORPUS_CLEAN_KILL_WORKER as NodeJS.Signals);
  let last = 0;
  atUnit = m.unit;
  try {
    const [, times] = await timeUnit(() => runUnit(data.run, plan, stages, m.phase, m.unit, (s) => {
      const t = performance.now();
      if (t - last < 250) return;
      last = t;
      send({ type: 'progress', unit: m.unit, records: s.read, bytes: inputBytesOnDisk(s) });
    }));
    send({ type: 'done', unit: m.unit, times });
  } catch (e) {
    // Stopped by a signal: the unit's failure (its writers aborted) is not the news; the exit code says it.
    if (stopping) return;
    send({ type: 'error', unit: m.unit, message: failureText(e), code: errorCode(e), damaged: damagedFile(e) });
  } finally {
    atUnit = undefined;
  }
}

// Kept apart from the import block above (other branches change its lines this session).
import { knowStages, planStageFiles, uncaughtText } from '../core/exitGuard.js';
import { STAGE_THREW } from '../core/errors.js';

if (parentPort) parentPort.on('message', (m: ToWorker) => void handle(m));
else process.on('message', (m: ToWorker) => void handle(m));
send({ type: 'ready' });
