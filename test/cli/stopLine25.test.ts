import { describe, expect, it } from 'vitest';
import { stoppedRunLine } from '../../src/cli/commands/run.js';
import { markDone } from '../../src/exec/markers.js';
import type { Plan } from '../../src/exec/plan.js';
import { tempDir } from '../helpers/run.js';

/**
 * Hostile review 24 N2 (23b N2): the line that says where a failed run stopped counted the run's
 * units on disk after the units under way had finished, and the phase's from when the failure came:
 * 'stopped with 4 of 5 units done, in phase 1 of 1 (...): 3 of 5 tasks done, 241 records'. Now one
 * count (the units done on disk, the phase's as the run's), the figures of when the failure came
 * said as such; a run of one phase says its units once.
 */
describe("the line of where a failed run stopped", () => {
  const plan = { stages: [{ stage: 'boom', options: {} }], globals: [], segments: [[0]], phases: [{ id: '0-tasks', kind: 'tasks', units: 5, segment: 0 }] } as unknown as Plan;
  const where = { phase: 0, done: 3, units: 5, records: 241, bytes: 2_000_000, totalBytes: 3_200_000 };

  it('one count of units done; a unit finished after the failure is said as such', async () => {
    const dir = await tempDir();
    for (const u of [0, 2, 3, 4]) await markDone(dir, '0-tasks', u);
    expect(stoppedRunLine(dir, plan, where)).toBe("corpus-clean run: stopped with 4 of 5 units done (3 when the failure came, 1 more before the run stopped); when the failure came, the run's tasks had read at least 241 records (2.0 of 3.2 MB of input)");
  });

  it('no unit finished after it: the counts and the records as they were', async () => {
    const dir = await tempDir();
    for (const u of [0, 2, 3]) await markDone(dir, '0-tasks', u);
    expect(stoppedRunLine(dir, plan, where)).toBe("corpus-clean run: stopped with 3 of 5 units done; when the failure came, the run's tasks had read at least 241 records (2.0 of 3.2 MB of input)");
  });
});
