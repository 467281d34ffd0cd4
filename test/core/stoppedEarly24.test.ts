import { describe, expect, it } from 'vitest';
import { docStage, pipeline, type Stage } from '../../src/index.js';
import { collect, fromRecords } from '../../src/io/memory.js';
import { STAGE_THREW, StageStoppedEarly } from '../../src/core/errors.js';
import { ownStage } from '../../src/core/registry.js';
import type { Doc } from '../../src/core/doc.js';

/**
 * A stage that stops taking records before its input ends (hostile review 23b M3): what it never
 * took was in neither the output nor the rejects, and the counts agreed ('read 4728 = written
 * 4728' of 200,000 records). The pipeline fails instead, naming the stage, the last record it took
 * and the first not read; a stage that read to its end (or a source cut on purpose) is fine.
 */
const records = (n: number): { text: string; n: number }[] => Array.from({ length: n }, (_, i) => ({ text: `record ${i + 1}`, n: i + 1 }));
const stage = (name: string, run: Stage['run']): Stage => ({ name, needsText: false, options: {}, run });

/** Takes the first `k` batches, then returns (a take-first stage). */
const takeFirst = (k: number): Stage =>
  stage('first', async function* (batches) {
    let i = 0;
    for await (const b of batches) {
      yield b;
      if (++i >= k) return;
    }
  });

describe('pipeline: a stage that stops taking records', () => {
  it('fails when the source held more, naming the stage, its last record and the first unread', async () => {
    const sink = collect();
    const e = await pipeline({ source: fromRecords(records(10), 'm', 3), stages: [docStage({ name: 'keep', apply: () => undefined }), takeFirst(1)], sink }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StageStoppedEarly);
    expect((e as Error).message).toBe(
      'stage first stopped taking records before the end of its input (it ended after m:3, the last record it was given): the input from m:4 on was not read (3 records, 0.0 MB read before it) and would be in neither the output nor the rejects; a stage must read its input to its end (a record it does not want is rejected with ctx.reject, or left out of what it yields)',
    );
    // A library stage is not one of a recipe's modules: no code of those.
    expect((e as { code?: string }).code).toBeUndefined();
    expect((e as { stats?: { read: number } }).stats?.read).toBeGreaterThanOrEqual(3);
  });

  it('a stage that never reads its input, over records: fails; over an empty source: fine', async () => {
    const never = stage('never', async function* () {});
    const e = await pipeline({ source: fromRecords(records(2)), stages: [never], sink: collect() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StageStoppedEarly);
    expect((e as Error).message).toContain('stage never stopped taking records before the end of its input (it ended before it took any record): the input from memory:1 on was not read (nothing was read before it)');
    const s = await pipeline({ source: fromRecords([]), stages: [never], sink: collect() });
    expect(s.read).toBe(0);
  });

  it('a stage of one\'s own is named with its module and stages[i], with the code of a stage to fix', async () => {
    const own = ownStage(takeFirst(1), './part.mjs, stages[1]');
    const e = await pipeline({ source: fromRecords(records(5), 'a.jsonl', 2), stages: [own], sink: collect() }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/^stage first \(\.\/part\.mjs, stages\[1\]\) stopped taking records before the end of its input \(it ended after a\.jsonl:2, the last record it was given\): the input from a\.jsonl:3 on was not read/);
    expect((e as { code?: string }).code).toBe(STAGE_THREW);
  });

  it('the stage that stopped is named, not the stages before it (closed) or after it (their input ended)', async () => {
    const pass = (name: string): Stage => stage(name, async function* (batches) {
      for await (const b of batches) yield b;
    });
    const e = await pipeline({ source: fromRecords(records(9), 'm', 2), stages: [pass('before'), takeFirst(2), pass('after')], sink: collect() }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/^stage first stopped taking records .*after m:4, the last record it was given\): the input from m:\d+ on was not read/);
  });

  it('reading to the last record, or a last batch that was the input\'s end, is no stop', async () => {
    // Takes its one batch and returns: the source had no more.
    const sink = collect();
    const s = await pipeline({ source: fromRecords(records(3), 'm', 3), stages: [takeFirst(1)], sink });
    expect([s.read, s.written, s.rejected]).toEqual([3, 3, 0]);
    // Reads by hand exactly as many batches as there are, never asking past the last.
    const byHand = stage('hand', async function* (batches) {
      const it = batches[Symbol.asyncIterator]();
      for (let i = 0; i < 2; i++) {
        const r = await it.next();
        if (r.done !== true) yield r.value as Doc[];
      }
    });
    const t = await pipeline({ source: fromRecords(records(4), 'm', 2), stages: [byHand], sink: collect() });
    expect([t.read, t.written]).toEqual([4, 4]);
  });

  it('the source is closed when a stage stops early, as when it fails', async () => {
    let closed = 0;
    const source = {
      async *read(events: Parameters<ReturnType<typeof fromRecords>['read']>[0]) {
        try {
          yield* fromRecords(records(6), 'm', 2).read(events);
        } finally {
          closed++;
        }
      },
    };
    await pipeline({ source, stages: [takeFirst(1)], sink: collect() }).catch(() => {});
    expect(closed).toBe(1);
  });
});
