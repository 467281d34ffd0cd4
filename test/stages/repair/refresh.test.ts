import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipeline } from '../../../src/core/pipeline.js';
import { fromRecords, collect } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { runCli } from '../../helpers/run.js';

// New-user review 12 #6: repair filled counts only when missing, so WanJuan's char_num,
// cbytes_num and line_num went stale silently after pii or normalize changed the content.

const sample = JSON.parse(readFileSync(new URL('../../../fixtures/repair/wanjuan_cc_readme_sample.jsonl', import.meta.url), 'utf8'));

async function run(records: Record<string, unknown>[], options: Record<string, unknown>) {
  const sink = collect();
  const stats = await pipeline({ source: fromRecords(records), stages: [await defaultRegistry().create('repair', options)], sink });
  return { out: sink.docs.map((d) => d.data), counters: stats.stages[0].counters };
}

describe('repair: counts of the text a record holds already', () => {
  it("agree with WanJuan-CC's published sample: nothing is stale", async () => {
    const { out, counters } = await run([sample], { schema: 'wanjuan-cc' });
    expect(Object.keys(counters).filter((k) => k.endsWith(':stale') || k.endsWith(':refreshed'))).toEqual([]);
    expect(out[0].char_num).toBe(sample.char_num);
  });

  it('that disagree with a changed text are counted stale and kept, or recomputed with refresh', async () => {
    const changed = { ...sample, content: sample.content.replace(/\n/, ' ').slice(0, 200) + '。中文' };
    const kept = await run([changed], { schema: 'wanjuan-cc' });
    expect(kept.counters).toMatchObject({ 'char_num:stale': 1, 'cbytes_num:stale': 1, 'line_num:stale': 1 });
    expect(kept.out[0]).toMatchObject({ char_num: sample.char_num, cbytes_num: sample.cbytes_num, line_num: sample.line_num });
    const fresh = await run([changed], { schema: 'wanjuan-cc', refresh: true });
    expect(fresh.counters).toMatchObject({ 'char_num:refreshed': 1, 'cbytes_num:refreshed': 1, 'line_num:refreshed': 1 });
    expect(fresh.out[0]).toMatchObject({ char_num: 203, cbytes_num: Buffer.byteLength(changed.content), line_num: 1 });
  });

  it('CLI: pii | repair says so at the end, and --refresh recomputes them', async () => {
    const line = JSON.stringify({ id: 'a', content: '联系电话：13800138000，请拨打。', char_num: 20, line_num: 1, cbytes_num: 50 }) + '\n';
    const pii = await runCli(['pii', '-q'], { input: line });
    const r = await runCli(['repair', '--schema', 'wanjuan-cc'], { input: pii.stdout });
    expect(r.stderr).toContain("corpus-clean repair: note: repair kept counts that disagree with the record's text (cbytes_num in 1 record, char_num in 1 record): a stage before changed the text, or the input counts it otherwise; --refresh recomputes them");
    expect(JSON.parse(r.stdout)).toMatchObject({ content: '联系电话：<PHONE>，请拨打。', char_num: 20, cbytes_num: 50 });
    const f = await runCli(['repair', '--schema', 'wanjuan-cc', '--refresh'], { input: pii.stdout });
    expect(f.stderr).not.toContain('disagree');
    expect(JSON.parse(f.stdout)).toMatchObject({ char_num: 17, cbytes_num: Buffer.byteLength('联系电话：<PHONE>，请拨打。'), line_num: 1 });
  });
});
