import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/doc.js';
import { pipeline } from '../../../src/core/pipeline.js';
import { resolveOptions } from '../../../src/core/options.js';
import type { Stage } from '../../../src/core/stage.js';
import { collect, fromRecords } from '../../../src/io/memory.js';
import { cascadeBackend } from '../../../src/stages/langid/cascade.js';
import { fastTextBackend, LID176_LABELS, lid176Asked, loadLid176 } from '../../../src/stages/langid/fasttext.js';
import { langId, langIdOptions, langIdStage } from '../../../src/stages/langid/langid.js';

// Issue #16 (speed26c): langid's create loaded fastText lid.176 (~0.2 s of CPU: the package, its
// WebAssembly, the model) in every process that built the stage, also when CLD2 or the script
// decided every text. It now loads when a text first needs it; decisions are the eager
// backends'. This file runs in its own module graph: nothing has loaded the model before it.

const fixture = (name: string): { text: string; iso639_1?: string }[] =>
  readFileSync(new URL(`../../../fixtures/langid/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string; iso639_1?: string });
const samples = [...fixture('leipzig_slice.jsonl'), ...fixture('leipzig_more.jsonl')];
const of = (...langs: string[]): JsonObject[] => samples.filter((s) => langs.includes(s.iso639_1!)).map(({ text }) => ({ text }));

/** What the stage decided for each record, kept or rejected, in input order, and its counters. */
async function decisions(stage: Stage, records: JsonObject[]): Promise<{ rows: unknown[]; counters: Record<string, number> }> {
  const sink = collect();
  const rows: unknown[] = [];
  const stats = await pipeline({
    source: fromRecords(records.map((r) => ({ ...r }))),
    stages: [stage],
    sink,
    rejects: { push: (r) => void rows.push([r.reason, r.record?.text, r.attrs, r.detail]), async close() {}, async abort() {} },
  });
  for (const d of sink.docs) rows.push(['kept', d.data.text, d.attrs]);
  rows.sort((a, b) => String((a as unknown[])[1]).localeCompare(String((b as unknown[])[1])));
  return { rows, counters: stats.stages[0].counters };
}

describe('langid loads fastText lid.176 when a text first needs it', () => {
  const options = resolveOptions('langid', langIdOptions, { keep: ['en', 'zh', 'de', 'nb', 'hr', 'ja'], minScore: 0.65 });

  it('not at create, nor for texts the script or a sure CLD2 decide; the first unsure text loads it, mid-batch, and every decision is the eager cascade\'s', async () => {
    const stage = await langId.create(options);
    expect(lid176Asked()).toBe(false);
    // Chinese, Japanese, Korean: the script decides; German and English: CLD2 is sure.
    const sure = [...of('zh', 'ja', 'ko'), ...of('de', 'en')];
    const first = await decisions(stage, sure);
    expect(lid176Asked()).toBe(false);
    expect(first.counters['by:model']).toBeGreaterThan(0);
    // Norwegian and Croatian are confusable for CLD2 alone: fastText is asked, after sure texts in the same batch.
    const mixed = [...of('en').slice(0, 5), ...of('nb', 'hr', 'fr', 'ru'), ...of('de').slice(0, 5)];
    const lazy = await decisions(stage, mixed);
    expect(lid176Asked()).toBe(true);
    const eager = langIdStage(options as never, await cascadeBackend(), await fastTextBackend());
    expect(lazy).toEqual(await decisions(eager, mixed));
    expect(first).toEqual(await decisions(langIdStage(options as never, await cascadeBackend(), await fastTextBackend()), sure));
  });

  it('the fasttext backend and the Cantonese judge decide as the eager model', async () => {
    const yue = fixture('zh_yue.jsonl').map(({ text }) => ({ text }));
    const records = [...yue, ...of('en', 'nb', 'ja')];
    const lazyFt = await langId.create(resolveOptions('langid', langIdOptions, { backend: 'fasttext', minScore: null }));
    const ft = await fastTextBackend();
    expect(await decisions(lazyFt, records)).toEqual(await decisions(langIdStage(resolveOptions('langid', langIdOptions, { minScore: null }) as never, ft, ft), records));
    const lazyCascade = await langId.create(resolveOptions('langid', langIdOptions, { minScore: null }));
    const judged = await decisions(lazyCascade, yue);
    expect(judged.rows.map((r) => ((r as unknown[])[2] as { lang: string }).lang)).toEqual(yue.map(() => 'yue'));
  });

  it("LID176_LABELS, the codes known without the model, are the model's labels", async () => {
    const core = (await loadLid176() as unknown as { ft: { getLabels(): [{ size(): number; get(i: number): string }] } }).ft;
    const labels = core.getLabels()[0];
    const got: string[] = [];
    for (let i = 0; i < labels.size(); i++) got.push(labels.get(i).replace(/^__label__/, ''));
    expect(LID176_LABELS).toEqual(got);
  });
});
