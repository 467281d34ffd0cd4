import { describe, expect, it } from 'vitest';
import { docStage, pipeline, type Stage } from '../../src/index.js';
import { collect, fromRecords } from '../../src/io/memory.js';
import { isBug, StageThrew } from '../../src/core/errors.js';

/** A docStage whose rule throws, in the library (new-user review 22 A5): the stage and the record are named, what it threw is kept. */
describe('docStage: a rule that throws', () => {
  it('fails the pipeline naming the stage and the record; the error thrown is its cause', async () => {
    const bug = new RangeError('my bug');
    const broken: Stage = docStage({ name: 'broken', apply: (doc) => { if (doc.data.n === 3) throw bug; } });
    const e = await pipeline({ source: fromRecords([1, 2, 3, 4].map((n) => ({ text: 'x', n }))), stages: [broken], sink: collect() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StageThrew);
    expect((e as Error).message).toBe('stage broken threw on memory:3: RangeError: my bug');
    expect((e as Error).cause).toBe(bug);
    expect((e as Error).stack).toContain('RangeError: my bug\n    at ');
    // A built-in stage's bug stays a bug (the CLI shows its stack); a stage that threw on purpose does not.
    expect(isBug(e)).toBe(true);
    expect(isBug(new StageThrew('x', 'a:1', new Error('no')))).toBe(false);
    expect(isBug(new StageThrew('x', 'a:1', new TypeError('no'), './x.mjs, stages[0]'))).toBe(false);
  });
});
