import { describe, expect, it } from 'vitest';
import { stoppedRunLine } from '../../src/cli/commands/run.js';
import { markDone } from '../../src/exec/markers.js';
import type { Plan } from '../../src/exec/plan.js';
import { tempDir } from '../helpers/run.js';

/**
 * New-user review 25 L-5: the line of where a failed run stopped said "5 of 6 tasks done (4 when the
 * failure came, 1 more before the run stopped; 13401 records (2.0 of 3.0 MB of input) had gone
 * through it by then)": 'it' (the phase) and 'then' (the failure, not the stop) left to guess. Now
 * the units' counts close their parenthesis, and the records are said as read by the phase's (or
 * the run's) tasks when the failure came.
 */
describe('the stop line says whose records and when', () => {
  const plan = {
    stages: [{ stage: 'normalize', options: {} }, { stage: 'dedup', options: {} }],
    globals: [1],
    segments: [[0], []],
    phases: [
      { id: '0-tasks', kind: 'tasks', units: 2, segment: 0 },
      { id: '1-tasks', kind: 'tasks', units: 6, segment: 1 },
    ],
  } as unknown as Plan;

  it('a later phase, a unit finished after the failure: the counts, then what the phase had read when the failure came', async () => {
    const dir = await tempDir();
    for (const u of [0, 1]) await markDone(dir, '0-tasks', u);
    for (const u of [0, 1, 2, 3, 4]) await markDone(dir, '1-tasks', u);
    const line = stoppedRunLine(dir, plan, { phase: 1, done: 4, units: 6, records: 13401, bytes: 2_000_000, totalBytes: 3_000_000 });
    expect(line).toMatch(/^corpus-clean run: stopped with 7 of 8 units done, in phase 2 of 2 \([^)]*\): 5 of 6 tasks done \(4 when the failure came, 1 more before the run stopped\); when the failure came, the phase's tasks had read at least 13401 records \(2\.0 of 3\.0 MB of input\)$/);
    expect(line).not.toMatch(/gone through|by then/);
  });
});
