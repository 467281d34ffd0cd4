import { describe, expect, it } from 'vitest';
import { pipeline } from '../../../src/core/pipeline.js';
import { UsageError } from '../../../src/core/errors.js';
import { fromRecords, collect } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { fixFor } from '../../../src/cli/report.js';

async function run(records: Record<string, unknown>[], options: Record<string, unknown> = {}) {
  const stage = await defaultRegistry().create('normalize', options);
  const sink = collect();
  const stats = await pipeline({ source: fromRecords(records), stages: [stage], sink });
  return { out: sink.docs.map((d) => d.data), stats: stats.stages[0] };
}

describe('normalize stage', () => {
  it('normalises the text field and counts each kind of change', async () => {
    const { out, stats } = await run([
      { id: 1, text: 'cafÃ©  \r\n\r\n\r\nnext\u200B' },
      { id: 2, text: 'clean' },
      { id: 3, content: 'e\u0301' },
    ]);
    expect(out).toEqual([{ id: 1, text: 'café\n\nnext' }, { id: 2, text: 'clean' }, { id: 3, content: 'é' }]);
    expect(stats.counters).toEqual({
      records_changed: 2,
      'text:mojibake': 1,
      'text:newlines': 1,
      'text:zero_width': 1,
      'text:trailing_space': 1,
      'text:blank_lines': 1,
      'text:unicode': 1,
    });
    expect(stats.out).toBe(3);
  });

  it('a text it empties (only NULs, control or zero-width characters) is rejected as text_empty, not written as "" (review 3 N4)', async () => {
    const { out, stats } = await run([{ text: '\u0000\u0000\u0000' }, { text: '\u200b\u0007' }, { text: 'kept\u0000' }, { content: '\u0000', id: 4 }]);
    expect(out).toEqual([{ text: 'kept' }]);
    expect(stats.dropped).toEqual({ text_empty: 3 });
    // Named fields: the text field emptied is rejected too; other fields may be empty.
    const named = await run([{ text: '\u0000', title: 'x' }, { text: 'ok', title: '\u0000' }], { fields: ['text', 'title'] });
    expect(named.out).toEqual([{ text: 'ok', title: '' }]);
    expect(named.stats.dropped).toEqual({ text_empty: 1 });
    // The per-file advice: not the reader's "name the field with --text-field".
    expect(fixFor('normalize/text_empty', ['text'], undefined)).toMatch(/characters normalize removes/);
    expect(fixFor('read/text_empty', ['text'], undefined)).toMatch(/--text-field/);
  });

  it('normalises named fields, strings nested in conversations included', async () => {
    const { out } = await run(
      [{ instruction: 'Ｑ１ ', input: '', output: 'a\r\nb', conversations: [{ from: 'human', value: 'x\u00A0' }] }],
      { fields: ['instruction', 'output', 'conversations'], fullwidth: true },
    );
    expect(out[0]).toEqual({ instruction: 'Q1', input: '', output: 'a\nb', conversations: [{ from: 'human', value: 'x' }] });
  });

  it('coerces typed fields by schema and rewrites dates to ISO 8601', async () => {
    const { out, stats } = await run(
      [{ id: 'a', content: 'x', date: '2018-06-18 18:54:52', char_num: '1', toxic_score: '0.5', token_num: 'n/a' }],
      { schema: 'wanjuan-cc' },
    );
    expect(out[0]).toEqual({ id: 'a', content: 'x', date: '2018-06-18T18:54:52', char_num: 1, toxic_score: 0.5, token_num: 'n/a' });
    expect(stats.counters).toMatchObject({ 'date:date': 1, 'coerce:char_num': 1, 'coerce:toxic_score': 1 });
  });

  it('rewrites date fields named without a schema, leaving ambiguous ones', async () => {
    const { out, stats } = await run([{ text: 'x', d: '2024年1月2日' }, { text: 'y', d: '01/02/2024' }], { dateFields: ['d'] });
    expect(out.map((r) => r.d)).toEqual(['2024-01-02', '01/02/2024']);
    expect(stats.counters).toMatchObject({ 'date:d': 1, 'date_ambiguous:d': 1 });
  });

  it('checks its options before reading', async () => {
    await expect(defaultRegistry().create('normalize', { unicode: 'NFD' })).rejects.toThrow(UsageError);
    await expect(defaultRegistry().create('normalize', { schema: 'no-such-schema' })).rejects.toThrow(/shipped schemas/);
    await expect(defaultRegistry().create('normalize', { maxBlankLine: 2 })).rejects.toThrow(/maxBlankLines/);
  });
});
