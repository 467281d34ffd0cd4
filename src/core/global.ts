/**
 * Global stages: stages whose decisions need the whole run (exact and MinHash dedup: "the first
 * copy" is first in the run, not in one task). An executor cuts a recipe into phases at them:
 * every task runs the stages before the barrier and `collect`s what the global steps need; the
 * steps run over all tasks' collections (partitions, bands, a single cluster step); then every
 * task `apply`s the decisions to its own records and runs the stages after the barrier.
 * Decisions depend on the run's order (task order, then record order), never on how many
 * workers ran them.
 */
import type { Stage } from './stage.js';

/** Where a global stage keeps its files for one run, and how many tasks the run has. */
export interface GlobalScope {
  /** A folder of its own (the executor gives each global stage one). */
  workDir: string;
  /** Number of tasks in the run. */
  tasks: number;
}

/** One step between the two task phases of a global stage, split into independent units. */
export interface GlobalStep {
  /** Short name for logs and markers (`partitions`, `bands`, `cluster`). */
  name: string;
  /** Independent units of this step (partitions, bands; 1 for a single step). */
  units: number;
  /** Run one unit; returns counters added to the stage's stats. Must be safe to run again. */
  run(scope: GlobalScope, unit: number): Promise<Record<string, number>>;
}

/** What makes a stage global: its three parts. */
export interface GlobalStage {
  /**
   * A pass-through stage at the end of a task's phase before the barrier: it sees the task's
   * records in order (record `i` is the task's `i`-th record at the barrier) and writes what the
   * steps need under `scope.workDir`, finishing before its stream ends.
   */
  collect(scope: GlobalScope, task: number): Stage;
  /** The steps, in order, for a run of `tasks` tasks. */
  steps(tasks: number): GlobalStep[];
  /** The stage that drops a task's removed records (in the same record order) after the barrier. */
  apply(scope: GlobalScope, task: number): Stage;
}
