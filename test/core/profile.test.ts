import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClosableRejectSink } from '../../src/core/pipeline.js';
import { pipeline } from '../../src/core/pipeline.js';
import type { Reject, Stage } from '../../src/core/stage.js';
import { collect, fromRecords } from '../../src/io/memory.js';
import { defaultRegistry } from '../../src/stages/index.js';

/** Records of every kind the quality stage meets: English and Chinese, short and long, kept and dropped. */
function records(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync('fixtures/sample/licenses.jsonl', 'utf8').split('\n')) if (line.trim() !== '') out.push(JSON.parse(line) as Record<string, unknown>);
  const zh = '今天天气很好，我们去公园散步。公园里有很多人在跑步和打太极拳。';
  for (let n = 1; n <= 12; n++) {
    out.push({ text: zh.slice(0, n * 3) });
    out.push({ text: zh.repeat(n), attrs: { lang: 'zh', lang_score: 0.9 } });
    out.push({ text: `short post ${n} #tag`.repeat(n) });
    out.push({ text: `${zh}\n`.repeat(n) + 'The end... {x}', attrs: { lang: n % 2 === 0 ? 'zh' : 'en' } });
  }
  return out;
}

function memoryRejects(): ClosableRejectSink {
  return { push(_r: Reject) {}, async close() {}, async abort() {} };
}

describe('report profiler: quality signals', () => {
  it("counts a reject's signals from the stage's values (Stage.rejecting) exactly as from its attrs: same histograms, same key order", async () => {
    const input = records();
    const signalsOf = async (withValues: boolean, rejectAttrs: 'failing' | 'all', rejects: boolean): Promise<string> => {
      const made = await defaultRegistry().create('quality', { preset: 'auto' });
      // Without `rejecting`, the profiler reads every reject's attrs.quality by name.
      const stage: Stage = withValues ? made : { ...made, rejecting: undefined };
      const stats = await pipeline({ source: fromRecords(input), stages: [stage], sink: collect(), profile: true, rejectAttrs, ...(rejects ? { rejects: memoryRejects() } : {}) });
      return JSON.stringify(stats.stages[0].signals);
    };
    for (const rejectAttrs of ['failing', 'all'] as const) {
      for (const rejects of [true, false]) {
        const byAttrs = await signalsOf(false, rejectAttrs, rejects);
        expect(byAttrs).toContain('"web-zh/chars"');
        expect(byAttrs).toContain('"web-en/score"');
        expect(await signalsOf(true, rejectAttrs, rejects)).toBe(byAttrs);
      }
    }
  });

  it('the quality stage says which record it is rejecting only while the reject runs', async () => {
    const stage = await defaultRegistry().create('quality', { preset: 'auto' });
    const seen: unknown[] = [];
    const rejects: ClosableRejectSink = { push: (r) => void seen.push(stage.rejecting?.record === r.record && r.record !== undefined), async close() {}, async abort() {} };
    await pipeline({ source: fromRecords([{ text: 'short' }, { text: '短' }]), stages: [stage], sink: collect(), rejects });
    expect(seen).toEqual([true, true]);
    expect(stage.rejecting?.record).toBeUndefined();
  });
});
