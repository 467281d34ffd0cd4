import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipeline } from '../../../src/core/pipeline.js';
import { fromRecords, collect } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { loadSchema, SHIPPED_SCHEMAS, parseSchemaObject } from '../../../src/stages/repair/index.js';
import type { Doc } from '../../../src/core/doc.js';
import { HAS_SHARED, ROOT, SHARED, runCli, tempDir } from '../../helpers/run.js';

const wanjuanCc = JSON.parse(readFileSync(new URL('../../../fixtures/repair/wanjuan_cc_readme_sample.jsonl', import.meta.url) /* copy of shared/data/wanjuan */, 'utf8'));

async function run(records: Record<string, unknown>[], options: Record<string, unknown>, attrs?: Record<string, unknown>) {
  const stage = await defaultRegistry().create('repair', options);
  const sink = collect();
  const source = fromRecords(records);
  const withAttrs = attrs
    ? {
        async *read(events: Parameters<typeof source.read>[0]) {
          for await (const b of source.read(events)) yield b.map((d: Doc) => ({ ...d, attrs: { ...attrs } }));
        },
      }
    : source;
  const stats = await pipeline({ source: withAttrs, stages: [stage], sink });
  return { out: sink.docs.map((d) => d.data), stats: stats.stages[0] };
}

describe('repair stage', () => {
  it('loads every shipped schema', () => {
    for (const s of SHIPPED_SCHEMAS) expect(loadSchema(s).fields.length).toBeGreaterThan(0);
  });

  it('derives the WanJuan-CC counts exactly as the published sample has them', async () => {
    const { id: _i, cbytes_num: _b, line_num: _l, char_num: _c, language: _lang, ...bare } = wanjuanCc;
    const { out, stats } = await run([bare], { schema: 'wanjuan-cc' }, { lang: 'en' });
    const r = out[0];
    expect(r.cbytes_num).toBe(wanjuanCc.cbytes_num);
    expect(r.line_num).toBe(wanjuanCc.line_num);
    expect(r.char_num).toBe(wanjuanCc.char_num);
    expect(r.language).toBe('en');
    expect(r.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(Object.keys(r)).toEqual(Object.keys(wanjuanCc)); // schema order = documented order
    expect(stats.counters).toMatchObject({ 'id:derived': 1, 'char_num:derived': 1, 'content:present': 1, 'language:derived': 1 });
  });

  it('takes a value from an alias, fills defaults, coerces types, and rejects what it cannot repair', async () => {
    const { out, stats } = await run(
      [
        { text: '中文\n第二行', title: null, date: '2024/1/2', token_num: '12' },
        { body: 'x', toxic_score: 'high' },
        { title: 'no text' },
        { content: '   ' },
      ],
      { schema: 'wanjuan-cc' },
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ content: '中文\n第二行', title: '', date: '2024-01-02', token_num: 12, line_num: 2, char_num: 6, cbytes_num: 16 });
    expect(out[0]).not.toHaveProperty('text');
    expect(stats.dropped).toEqual({ 'type:toxic_score': 1, 'missing:content': 2 });
    expect(stats.counters).toMatchObject({
      'content:aliased': 2,
      'content:missing': 2,
      'title:defaulted': 3,
      'token_num:coerced': 1,
      'date:coerced': 1,
      'language:missing': 2,
    });
  });

  it('repairs nested items: ShareGPT role/content spellings', async () => {
    const { out, stats } = await run(
      [
        { conversations: [{ role: 'user', content: 'hi' }, { from: 'gpt', value: 'hello' }] },
        { conversations: [{ from: 'human' }] },
        { conversations: [] },
      ],
      { schema: 'sharegpt' },
    );
    expect(out).toEqual([{ conversations: [{ from: 'user', value: 'hi' }, { from: 'gpt', value: 'hello' }] }]);
    expect(stats.dropped).toEqual({ 'missing:conversations[].value': 1, 'missing:conversations': 1 });
    expect(stats.counters).toMatchObject({ 'conversations[].from:aliased': 1, 'conversations[].value:aliased': 1 });
  });

  for (const [file, n] of [[`${ROOT}/fixtures/repair/belle_eval_slice.jsonl`, 20], [`${SHARED}/sft/belle_eval_set.jsonl`, 1000]] as const) {
    it.runIf(n === 20 || HAS_SHARED)(`turns ${n} BELLE eval records (question/std_answer) into Alpaca records`, async () => {
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      const { out, stats } = await run(lines.map((l) => JSON.parse(l)), { schema: 'alpaca' });
      expect(stats.in).toBe(n);
      expect(out.length).toBeGreaterThan(0);
      expect(out.length + Object.values(stats.dropped).reduce((a, b) => a + b, 0)).toBe(n);
      expect(stats.counters['instruction:aliased']).toBe(out.length);
      for (const r of out) {
        expect(typeof r.instruction).toBe('string');
        expect(typeof r.output).toBe('string');
        expect(r.input).toBe('');
      }
    });
  }

  it('drops unknown fields when the schema says extra: drop', async () => {
    const schema = parseSchemaObject('test', { extra: 'drop', fields: { a: 'integer' } });
    expect(schema.extra).toBe('drop');
    expect(() => parseSchemaObject('test', { fields: { a: { type: 'int' } } })).toThrow(/type must be one of/);
    expect(() => parseSchemaObject('test', { fields: { a: { derive: 'magic' } } })).toThrow(/derive must be one of/);
    expect(() => parseSchemaObject('test', { fields: { a: { requred: true } } })).toThrow(/unknown key 'requred'/);
  });
});

describe('repair keeps the numbers it does not own (review-hostile5 F13)', () => {
  const run = async (line: string, args: string[]): Promise<string> => {
    const r = await runCli(['repair', '-', '-q', ...args], { input: `${line}\n` });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  it('writes big integers, 1e400 and -0.0 of moved and extra fields as their input digits', async () => {
    const out = await run('{"text":"alpha beta gamma","n":18446744073709551617,"f":1e400,"g":-0.0}', ['--schema', 'wanjuan-cc']);
    expect(out).toContain('"n":18446744073709551617,"f":1e400,"g":-0.0}');
    expect(out).toContain('"content":"alpha beta gamma"');
  });
  it('keeps nested big integers, and those of an aliased field at its new name', async () => {
    const out = await run('{"instruction":"hi","output":"there","n":18446744073709551617,"meta":{"id":12345678901234567890123}}', ['--schema', 'alpaca']);
    expect(out).toContain('"n":18446744073709551617,"meta":{"id":12345678901234567890123}');
    const dir = await tempDir();
    try {
      const schema = join(dir, 's.yaml');
      writeFileSync(schema, 'name: s\ntext: text\nfields:\n  text: {type: string, required: true}\n  count: {type: integer, aliases: [n]}\n  label: {type: string}\n  items: {type: array, items: {fields: {v: {type: integer}}}}\n');
      const o2 = await run('{"text":"x","n":18446744073709551617,"label":12345678901234567890,"items":[{"v":99999999999999999999}]}', ['--schema', schema]);
      // the aliased value at its new key, a number made a string from its digits, an item of a repaired array
      expect(o2).toContain('"count":18446744073709551617');
      expect(o2).toContain('"label":"12345678901234567890"');
      expect(o2).toContain('"items":[{"v":99999999999999999999}]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('rejects a numeric string a double cannot hold as a number, never rounds it', async () => {
    const dir = await tempDir();
    try {
      const schema = join(dir, 's.yaml');
      writeFileSync(schema, 'name: s\ntext: text\nfields:\n  text: {type: string, required: true}\n  x: {type: number}\n');
      for (const v of ['18446744073709551617', '1e400', '1.5e-400']) {
        const r = await runCli(['repair', '-', '--schema', schema, '--max-reject-rate', '1', '--allow-empty'], { input: `{"text":"a","x":"${v}"}\n` });
        expect(r.stdout, v).toBe('');
        expect(r.stderr, v).toMatch(/type:x/);
      }
      const ok = await run('{"text":"a","x":"0.000125"}', ['--schema', schema]);
      expect(ok).toContain('"x":0.000125');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
