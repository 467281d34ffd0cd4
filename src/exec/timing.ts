/**
 * Where the time of a run went: each phase's wall time, the time its units ran and the CPU time
 * of the threads that ran them, for `_stats.json` (`executor.timeline`) and bench/exec.ts.
 *
 * Two efficiencies per phase, both `work / (wall x workers)`:
 * - `busy`: units' wall time over the phase's wall time. Below 1 when workers wait at the
 *   barrier (a phase's last units running alone, a step with fewer units than workers) or
 *   between phases. On a machine shared with other work it reads high: a unit that waits for a
 *   core counts as busy, and a unit left alone in a phase's tail gets more of the machine.
 * - `schedule`: the units' CPU time (of the thread that ran each, from /proc/thread-self) laid
 *   out on `workers` idle cores in the order they were handed out; the phase's shortest possible
 *   wall time given its units. It does not depend on other load, so it compares runs measured
 *   at different times: 1 means the units split evenly, 0.5 on 2 workers means one unit did all
 *   the work.
 */
import { readFileSync } from 'node:fs';

/** CPU time and run-queue wait of the calling thread so far, in ms (NaN where /proc is missing). */
export function threadTimes(): { cpu: number; wait: number } {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { cpu: cpu / 1e6, wait: wait / 1e6 };
  } catch {
    return { cpu: NaN, wait: NaN };
  }
}

/** What one unit took: wall, CPU and run-queue wait of its thread, in ms. */
export interface UnitTimes {
  ms: number;
  cpu: number;
  wait: number;
}

/** Measure `f` as one unit. */
export async function timeUnit<T>(f: () => Promise<T>): Promise<[T, UnitTimes]> {
  const t0 = performance.now();
  const a = threadTimes();
  const r = await f();
  const b = threadTimes();
  return [r, { ms: performance.now() - t0, cpu: b.cpu - a.cpu, wait: b.wait - a.wait }];
}

/**
 * The shortest wall time of units costing `costs` (in the order they are handed out) on
 * `workers` idle workers, each taking the next unit when it is free.
 */
export function listSchedule(costs: readonly number[], workers: number): number {
  // Workers beyond the number of units never get one: no slot for them (and no spread of a
  // large array into Math.max, which overflows the stack past ~100k arguments).
  const free = new Array<number>(Math.max(1, Math.min(workers, costs.length))).fill(0);
  for (const c of costs) {
    let k = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[k]) k = i;
    free[k] += c;
  }
  let most = 0;
  for (const f of free) most = Math.max(most, f);
  return most;
}

/** Where the time of one phase went, for this attempt of the run. */
export interface PhaseTiming {
  id: string;
  /** Units of the phase, and those run in this attempt (the others were done before). */
  units: number;
  ran: number;
  /** When the phase started, from the start of the executor. */
  start_ms: number;
  wall_ms: number;
  /** Sum of the units' wall times. */
  busy_ms: number;
  /** Sum of the CPU time of the threads running the units. */
  cpu_ms: number;
  /** Sum of the time those threads waited for a core (other load). */
  wait_ms: number;
  /** The longest unit (wall). */
  longest_ms: number;
  /** The units' CPU times laid out on the workers in hand-out order (see `listSchedule`). */
  ideal_ms: number;
}

/** The timeline of an executor's attempt: starting the workers, then each phase. */
export interface Timeline {
  workers: number;
  /** From the process's start to the executor's start (reading the recipe, planning). */
  before_ms: number;
  /**
   * From starting the other workers until every one of them was ready (its modules and stages
   * built); the calling thread runs units meanwhile. 0 with one worker (only the calling thread).
   */
  workers_ready_ms: number;
  phases: PhaseTiming[];
  /** Everything the executor took. */
  total_ms: number;
}

/** A phase's timing as its units come in. */
export class PhaseClock {
  readonly timing: PhaseTiming;
  private readonly costs: number[] = [];
  private t0 = 0;

  constructor(id: string, units: number, ran: number, private readonly origin: number, private readonly workers: number) {
    this.timing = { id, units, ran, start_ms: 0, wall_ms: 0, busy_ms: 0, cpu_ms: 0, wait_ms: 0, longest_ms: 0, ideal_ms: 0 };
  }

  start(): void {
    this.t0 = performance.now();
    this.timing.start_ms = this.t0 - this.origin;
  }

  /** A unit is done; `order` is its place in the hand-out order. */
  unit(order: number, t: UnitTimes): void {
    const x = this.timing;
    x.busy_ms += t.ms;
    x.cpu_ms += t.cpu;
    x.wait_ms += t.wait;
    x.longest_ms = Math.max(x.longest_ms, t.ms);
    this.costs[order] = t.cpu;
  }

  end(): PhaseTiming {
    this.timing.wall_ms = performance.now() - this.t0;
    this.timing.ideal_ms = listSchedule(this.costs.filter((c) => c !== undefined), this.workers);
    return this.timing;
  }
}

/** Parallel efficiency: work / (wall x workers). */
export function efficiency(workMs: number, wallMs: number, workers: number): number {
  return wallMs > 0 ? workMs / (wallMs * workers) : 1;
}

/** A timeline with whole milliseconds, for `_stats.json`. */
export function roundTimeline(t: Timeline): Timeline {
  const r = (x: number): number => (Number.isFinite(x) ? Math.round(x) : -1);
  return {
    ...t,
    before_ms: r(t.before_ms),
    workers_ready_ms: r(t.workers_ready_ms),
    total_ms: r(t.total_ms),
    phases: t.phases.map((p) => ({ ...p, start_ms: r(p.start_ms), wall_ms: r(p.wall_ms), busy_ms: r(p.busy_ms), cpu_ms: r(p.cpu_ms), wait_ms: r(p.wait_ms), longest_ms: r(p.longest_ms), ideal_ms: r(p.ideal_ms) })),
  };
}
