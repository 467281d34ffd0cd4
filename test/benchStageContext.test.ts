import { describe, expect, it } from 'vitest';
import type { ClosableRejectSink } from '../src/core/pipeline.js';
import { pipeline } from '../src/core/pipeline.js';
import type { Stage, StageContext } from '../src/core/stage.js';
import { emptyStageStats } from '../src/core/stats.js';
import { collect, fromRecords } from '../src/io/memory.js';
import { commandContext } from '../bench/stageContext.js';

// bench/quality.ts runs the stage in-process with bench/stageContext.ts's context: what it measures
// is what `corpus-clean quality IN -o OUT [--rejects FILE]` does only while that context says what
// the pipeline's says. Until the twentieth pass the bench built every dropped record's signals
// (the pipeline builds none without a rejects file) and kept them all alive (bench/RESULTS.md).

/** What a stage's context says about its rejects, as the pipeline gives it. */
function flags(ctx: StageContext) {
  return { textField: ctx.textField, rejectAttrs: ctx.rejectAttrs, rejectRuleSignals: ctx.rejectRuleSignals, droppedReadByReject: ctx.droppedReadByReject };
}

async function pipelineContext(rejectsFile: boolean): Promise<StageContext> {
  let seen: StageContext | undefined;
  const probe: Stage = {
    name: 'quality',
    needsText: true,
    options: {},
    async *run(batches, ctx) {
      seen = ctx;
      for await (const b of batches) yield b;
    },
  };
  const rejects: ClosableRejectSink = { push() {}, async close() {}, async abort() {} };
  await pipeline({ source: fromRecords([{ text: 'a record' }]), stages: [probe], sink: collect(), ...(rejectsFile ? { rejects } : {}) });
  return seen!;
}

describe("bench/stageContext.ts: the context of a single command's stage", () => {
  for (const rejectsFile of [false, true]) {
    it(`says what the pipeline's says ${rejectsFile ? 'with' : 'without'} a rejects file`, async () => {
      expect(flags(commandContext(rejectsFile, emptyStageStats('quality')))).toEqual(flags(await pipelineContext(rejectsFile)));
    });
  }

  it('counts the rejects by reason, as the pipeline does', () => {
    const stats = emptyStageStats('quality');
    const ctx = commandContext(false, stats);
    ctx.reject({ data: { text: 'x' }, attrs: {} } as never, 'quality:a');
    ctx.reject({ data: { text: 'y' }, attrs: {} } as never, 'quality:a');
    expect(stats.dropped).toEqual({ 'quality:a': 2 });
  });
});
