/**
 * The phased forms of `dedup` (global/exact.ts, global/minhash.ts and the on-disk steps under
 * disk/, 7 modules) loaded at their first run rather than with the stage: a one-process `dedup`,
 * every single command and `run` without an executor, never calls them, and loading them cost
 * each start ~10 ms CPU (issue #16, nineteenth pass). What an executor reads before running
 * anything (the stages' names and flags, the steps' names and units) is said here; the shapes
 * are pinned against the loaded forms by test/stages/dedup/lazyGlobal.test.ts.
 */
import type { GlobalScope, GlobalStage, GlobalStep } from '../../../core/global.js';
import type { Stage } from '../../../core/stage.js';

/** A step's name and units: what a plan lists before any step runs. */
export type StepShape = Pick<GlobalStep, 'name' | 'units'>;

/** Partitions of `dedup --exact`'s keys for a run of `tasks` tasks: a function of the input alone. */
export function exactPartitions(tasks: number): number {
  return Math.min(256, Math.max(1, Math.ceil(tasks / 2)));
}

/** The steps of `dedup --exact` for `tasks` tasks. */
export const exactSteps = (tasks: number): StepShape[] => [{ name: 'partitions', units: exactPartitions(tasks) }];

/** The steps of `dedup --minhash` with `bands` bands. */
export const minhashSteps = (bands: number): StepShape[] => [
  { name: 'bands', units: bands },
  { name: 'cluster', units: 1 },
];

// Both forms' collect and apply stages pass records on as they are (keepsRecords: a spill after
// collect may write them as read, apply's rejects may take a spilled record's JSON).
const COLLECT = { name: 'dedup-collect', needsText: true, keepsRecords: true } as const;
const APPLY = { name: 'dedup', needsText: false, keepsRecords: true } as const;

/** `load`'s global stage, loaded at the first run of one of its parts; `steps` gives its steps' shapes for `tasks` tasks. */
export function lazyGlobal(load: () => Promise<GlobalStage>, steps: (tasks: number) => StepShape[]): GlobalStage {
  let loaded: Promise<GlobalStage> | undefined;
  const real = (): Promise<GlobalStage> => (loaded ??= load());
  const part = (which: 'collect' | 'apply', scope: GlobalScope, task: number): Stage => ({
    ...(which === 'collect' ? COLLECT : APPLY),
    options: {},
    async *run(batches, ctx) {
      yield* (await real())[which](scope, task).run(batches, ctx);
    },
  });
  return {
    collect: (scope, task) => part('collect', scope, task),
    steps: (tasks) =>
      steps(tasks).map((shape, j) => ({
        ...shape,
        async run(scope, unit) {
          return (await real()).steps(tasks)[j].run(scope, unit);
        },
      })),
    apply: (scope, task) => part('apply', scope, task),
  };
}
