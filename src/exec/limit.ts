/**
 * `run --limit N`: the first N records of the inputs, in input order, for any number of workers.
 * Tasks are read in parallel, so which records are "first" is settled when the plan is made: the
 * tasks are counted in order (each read only as far as needed, through the same reader the task
 * uses) and the plan keeps those that hold the first N records, the last of them marked to stop
 * after its share (`TaskSpec.limit`). The output is then the same for 1, 2 or 7 workers, and the
 * limit is part of the plan (a rerun with another limit is another run).
 */
import type { DocSource, ReadEvents } from '../core/pipeline.js';
import type { Plan, TaskSpec } from './plan.js';
import { limitRecords } from '../io/readers/limit.js';

/** Records `source` reads, counting at most `max` (and reading no further). */
export async function countRecords(source: DocSource, max: number): Promise<number> {
  let n = 0;
  const events: ReadEvents = {
    read(records) {
      n += records;
    },
    reject() {},
    file() {},
    fileError() {},
  };
  for await (const batch of limitRecords(source, max).read(events)) void batch;
  return n;
}

/**
 * The tasks holding the first `n` records (`tasks` in input order), the last one limited to its
 * share, and whether the inputs hold more. `source` gives a task's records as the task reads them
 * (from the plan's settings and stages: the first stage decides how HTML is read).
 */
export async function limitTasks(plan: Pick<Plan, 'settings' | 'stages'>, tasks: readonly TaskSpec[], n: number, source: (plan: Plan, t: TaskSpec) => DocSource): Promise<{ tasks: TaskSpec[]; reached: boolean }> {
  const out: TaskSpec[] = [];
  let left = n;
  for (const t of tasks) {
    // One more than is left: a task holding more than that ends the limited run.
    const count = await countRecords(source(plan as Plan, t), left + 1);
    if (count <= left) {
      // An empty task after the limit was reached changes nothing: left out.
      if (left > 0) out.push(t);
      left -= count;
      continue;
    }
    if (left > 0) out.push({ ...t, limit: left });
    return { tasks: out, reached: true };
  }
  return { tasks: out, reached: false };
}
