import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipeline } from '../../../src/core/pipeline.js';
import { UsageError } from '../../../src/core/errors.js';
import { fromRecords, collect } from '../../../src/io/memory.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { OUTPUT_FORMATS } from '../../../src/stages/convert/index.js';
import { conversationViolations, messagesViolations, pretrainViolations } from './formatRules.js';
import { HAS_SHARED, SHARED, runCli, tempDir } from '../../helpers/run.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type Rec = Record<string, unknown>;
const FIX = new URL('../../../fixtures/convert/', import.meta.url);
const readJsonl = (u: URL): Rec[] =>
  readFileSync(u, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

async function convert(records: Rec[], options: Rec = {}, name = 'memory') {
  const stage = await defaultRegistry().create('convert', options);
  const sink = collect();
  const rejects: Array<{ reason: string; source: string }> = [];
  const stats = await pipeline({
    source: fromRecords(records, name),
    stages: [stage],
    sink,
    rejects: { push: (r) => rejects.push({ reason: r.reason, source: r.source }), close: async () => {}, abort: async () => {} },
  });
  return { out: sink.docs.map((d) => d.data), stats: stats.stages[0], rejects, run: stats };
}

function violations(out: Rec[], to: string): string[] {
  if (to === 'xtuner-conversation') return conversationViolations(out);
  if (to === 'xtuner-openai') return messagesViolations(out);
  return pretrainViolations(out, to === 'pretrain-text' ? 'text' : 'content');
}

describe('convert: golden fixtures, every input format × every output shape', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  for (const input of ['alpaca', 'sharegpt', 'openai', 'xtuner', 'text']) {
    for (const to of OUTPUT_FORMATS) {
      it(`${input} → ${to}`, async () => {
        const records = readJsonl(new URL(`input/${input}.jsonl`, FIX));
        const { out, stats, rejects } = await convert(records, { to }, `${input}.jsonl`);
        const got = {
          records: out,
          rejects,
          counters: stats.counters,
        };
        const file = new URL(`expected/${input}.${to}.json`, FIX);
        if (update) writeFileSync(file, JSON.stringify(got, null, 1) + '\n');
        expect(existsSync(file), `missing golden ${file.pathname}: run UPDATE_GOLDEN=1 npm test`).toBe(true);
        expect(got).toEqual(JSON.parse(readFileSync(file, 'utf8')));
        expect(out.length + rejects.length).toBe(records.length);
        expect(violations(out, to)).toEqual([]);
      });
    }
  }
});

describe('convert rules', () => {
  // New-user review 6 #3: OpenAI fine-tuning marks an answer not to train on with `weight: 0`;
  // convert ignored it, so the answer was trained.
  it("reads OpenAI's weight: 0 as the turn's no-loss flag; weight 1 as loss; other weights are rejected", async () => {
    const rec = (w: unknown, extra: Rec = {}) => ({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', weight: w, ...extra }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'd', weight: 1 }] });
    const all = await convert([rec(0)], { to: 'xtuner-openai', loss: 'all' });
    expect(all.out[0].messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b', loss: false },
      { role: 'user', content: 'c' },
      { role: 'assistant', content: 'd', loss: true },
    ]);
    const conv = await convert([rec(0)], { loss: 'all' });
    expect((conv.out[0].conversation as Rec[]).map((t) => t.output_with_loss)).toEqual([false, true]);
    // loss: omit writes no flag, and a turn without one is trained: the record is rejected, not trained.
    const omit = await convert([rec(0), rec(1)], {});
    expect(omit.rejects.map((r) => r.reason)).toEqual(['convert:loss_flag']);
    expect(omit.out).toHaveLength(1);
    const bad = await convert([rec(0.5), rec('x'), rec(0, { loss: true }), { messages: [{ role: 'user', content: 'a', weight: 1 }, { role: 'assistant', content: 'b' }] }], { loss: 'all' });
    expect(bad.rejects.map((r) => r.reason)).toEqual(Array(4).fill('convert:bad_weight'));
    // Every answer at weight 0: nothing to train on (XTuner drops such a row silently).
    const none = await convert([{ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', weight: 0 }] }], { loss: 'all' });
    expect(none.rejects.map((r) => r.reason)).toEqual(['convert:no_loss_turn']);
  });
  it('the end of a convert run says how to keep records rejected as convert:loss_flag', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'w.jsonl'), JSON.stringify(rec2()) + '\n' + JSON.stringify({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }] }) + '\n');
    const r = await runCli(['convert', join(d, 'w.jsonl')]);
    expect(r.stderr).toContain("note: 1 of 2 records have an answer marked not to train on (loss: false, or OpenAI's weight: 0), rejected as convert:loss_flag");
    expect(r.stderr).toContain('to keep them with their flags: --loss all');
    const all = await runCli(['convert', join(d, 'w.jsonl'), '--loss', 'all']);
    expect(all.stdout).toContain('"output":"b","output_with_loss":false');
    function rec2(): Rec {
      return { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', weight: 0 }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'd' }] };
    }
  });
  it('keeps loss flags on every assistant turn or on none', async () => {
    const rec = { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', loss: false }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'd' }] };
    const omit = await convert([rec], { to: 'xtuner-openai' });
    expect(omit.rejects.map((r) => r.reason)).toEqual(['convert:loss_flag']);
    const all = await convert([rec, { instruction: 'x', output: 'y' }], { to: 'xtuner-openai', loss: 'all' });
    expect(all.out[0].messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b', loss: false },
      { role: 'user', content: 'c' },
      { role: 'assistant', content: 'd', loss: true },
    ]);
    expect((all.out[1].messages as Rec[])[1]).toEqual({ role: 'assistant', content: 'y', loss: true });
    const conv = await convert([rec], { loss: 'all' });
    expect((conv.out[0].conversation as Rec[]).map((t) => t.output_with_loss)).toEqual([false, true]);
  });

  it('adds a default system prompt, and joins Alpaca the XTuner way on request', async () => {
    const { out, stats } = await convert([{ instruction: 'Say hi', input: '', output: 'hi' }], { system: 'Be kind.', alpacaJoin: 'xtuner' });
    expect(out[0]).toEqual({ conversation: [{ system: 'Be kind.', input: 'Say hi\n', output: 'hi' }] });
    expect(stats.counters['repair:system_added']).toBe(1);
  });

  it('keeps chosen fields as they came, whatever their order, and says when their types mix (new-user review 7 #16)', async () => {
    const recs = [
      { id: 'a1', instruction: 'q', output: 'a' },
      { id: 7, instruction: 'q', output: 'a' },
      { instruction: 'q', output: 'a' },
      { id: { x: 1 }, instruction: 'q', output: 'a' },
    ];
    const { out, rejects, stats } = await convert(recs, { keep: ['id'] });
    expect(out.map((r) => r.id)).toEqual(['a1', 7, null, { x: 1 }]);
    expect(rejects).toEqual([]);
    // The same records in the other order: the same values (no sample depends on what came first).
    const rev = await convert([...recs].reverse(), { keep: ['id'] });
    expect(rev.out.map((r) => r.id)).toEqual([{ x: 1 }, null, 7, 'a1']);
    expect(stats.counters).toMatchObject({ 'keep_missing:id': 1, 'keep_type:id:string': 1, 'keep_type:id:number': 1, 'keep_type:id:object': 1 });
    await expect(defaultRegistry().create('convert', { keep: ['conversation'] })).rejects.toThrow(UsageError);
    const d = await tempDir();
    await writeFile(join(d, 'k.jsonl'), '{"instruction":"a","output":"b","label":1}\n{"instruction":"c","output":"d","label":"x"}\n{"instruction":"e","output":"f","label":2}\n');
    const r = await runCli(['convert', join(d, 'k.jsonl'), '--keep', 'label']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).label)).toEqual([1, 'x', 2]);
    expect(r.stderr).toContain("note: the kept field 'label' mixes JSON types (number 2, string 1), written as they came");
    expect(r.stderr).toContain('--output-format parquet');
  });

  it('takes the input format from the option when given', async () => {
    const { out, rejects } = await convert([{ text: 'plain', instruction: 'x', output: 'y' }], { from: 'text', to: 'pretrain-content' });
    expect(rejects).toEqual([]);
    expect(out).toEqual([{ content: 'plain' }]);
    const bad = await convert([{ text: 'plain' }], { from: 'alpaca' });
    expect(bad.rejects.map((r) => r.reason)).toEqual(['convert:bad_message']);
  });
});

// ux14's note: a self-instruct seed task of one instance is that Alpaca record; one of several
// is several samples, and a record read is at most one written: rejected, with its reason.
describe('convert: self-instruct seed tasks', () => {
  it('one instance reads as Alpaca (also with --from alpaca); several, none or a non-object instance are rejected by reason', async () => {
    const task = (instances: unknown[]): Rec => ({ id: 'seed_task_0', instruction: 'Add the numbers.', instances, is_classification: false });
    const records = [task([{ input: '1 2', output: '3' }]), task([{ input: '1 2', output: '3' }, { input: '2 2', output: '4' }]), task([]), task(['3']), task([{ input: 'No input', output: '5' }])];
    for (const from of ['auto', 'alpaca']) {
      const { out, rejects, stats } = await convert(records, { from });
      expect(rejects.map((r) => r.reason)).toEqual(['convert:several_instances', 'convert:empty_turn', 'convert:bad_message']);
      expect(out).toEqual([{ conversation: [{ system: '', input: 'Add the numbers.\n1 2', output: '3' }] }, { conversation: [{ system: '', input: 'Add the numbers.', output: '5' }] }]);
      expect(stats.counters['repair:no_input_dropped']).toBe(1);
    }
  });
});

describe('convert on committed slices of real SFT sets (fixtures/convert/real)', () => {
  const REAL = new URL('real/', FIX);
  it('converts Chinese Alpaca and the tool-call conversations (calls in InternLM2 action syntax)', async () => {
    const alpaca = await convert(readJsonl(new URL('alpaca_zh_demo_llamafactory.jsonl', REAL)), {}, 'alpaca_zh');
    expect(alpaca.out).toHaveLength(20);
    expect(conversationViolations(alpaca.out)).toEqual([]);
    const tools = JSON.parse(readFileSync(new URL('sharegpt_toolcall_zh_demo_llamafactory.json', REAL), 'utf8')) as Rec[];
    // XTuner v0 has no role for a tool result: those dialogues are rejected unless tool_results: input.
    const v0 = await convert(tools, {}, 'toolcall');
    expect(v0.stats.dropped).toEqual({ 'convert:tool_result_v0': 10 });
    expect(v0.out).toHaveLength(10);
    const t = await convert(tools, { toolResults: 'input' }, 'toolcall');
    expect(t.stats.dropped).toEqual({});
    expect(t.out).toHaveLength(20);
    expect(t.stats.counters.tool_dialogues).toBe(10);
    expect(conversationViolations(t.out)).toEqual([]);
    const v1 = await convert(tools, { to: 'xtuner-openai' }, 'toolcall');
    expect(v1.out).toHaveLength(20);
    expect(messagesViolations(v1.out)).toEqual([]);
  });
  it('converts English ShareGPT and OpenAI records to OpenAI messages that XTuner v1 accepts', async () => {
    for (const file of ['sharegpt_fastchat_dummy_conversation.jsonl', 'messages_kto_en_demo_llamafactory.jsonl', 'xtuner_openai_sft.jsonl']) {
      const records = readJsonl(new URL(file, REAL)).map((r) => (Array.isArray(r) ? { messages: r } : r));
      const { out, rejects } = await convert(records, { to: 'xtuner-openai' }, file);
      // KTO: records labelled false are answers not to imitate.
      const undesired = records.filter((r) => r.label === false).length;
      expect(rejects.map((r) => r.reason), file).toEqual(Array(undesired).fill('convert:kto_undesired'));
      expect(out.length, file).toBe(records.length - undesired);
      expect(messagesViolations(out), file).toEqual([]);
    }
  });
});

const SFT = new URL(`file://${SHARED}/sft/`);

describe.runIf(HAS_SHARED)('convert on the real SFT datasets (to XTuner conversation)', () => {
  it('converts all of Stanford Alpaca: 52,002 records', async () => {
    const records = readJsonl(new URL('alpaca_data.jsonl', SFT));
    expect(records).toHaveLength(52002);
    const { out, stats, rejects, run } = await convert(records, {}, 'alpaca_data.jsonl');
    expect(run.read).toBe(52002);
    expect(out.length + rejects.length).toBe(52002);
    // 47 "no output" markers (23 bare `<nooutput>`, as XTuner's alpaca_map_fn drops them too, 6
    // followed by why there is no output, 11 other bracketed spellings, 7 plain `No Output`) and 28 empty outputs.
    expect(stats.dropped).toEqual({ 'convert:no_output': 47, 'convert:empty_turn': 28 });
    expect(out).toHaveLength(51927);
    // 669 inputs that mean "no input" ('No input', '<no input>', 'N/A' ...) are left out of the prompt
    // (670 before one of them went with its `No Output`).
    expect(stats.counters).toEqual({ 'from:alpaca': 52002, records_repaired: 669, 'repair:no_input_dropped': 669 });
    expect(conversationViolations(out)).toEqual([]);
    // Alpaca row 2 has an input: instruction and input are joined by a newline.
    const withInput = records.findIndex((r) => r.input !== '' && r.input !== 'No input');
    const turn = (out[withInput] as { conversation: Rec[] }).conversation[0];
    expect(turn.input).toBe(`${records[withInput].instruction as string}\n${records[withInput].input as string}`);
  });

  const chinese: Array<[string, number, number, Record<string, number>, Record<string, number>]> = [
    // file, records, converted, rejected by reason, repairs
    ['alpaca_zh_carbonz0.jsonl', 20465, 20437, { 'convert:no_output': 17, 'convert:empty_turn': 11 }, { 'repair:no_input_dropped': 255 }],
    ['alpaca_zh_demo_llamafactory.jsonl', 1000, 1000, {}, {}],
    ['sharegpt_zh_medicalgpt_1k.jsonl', 1000, 998, { 'convert:empty_turn': 1, 'convert:trailing_user': 1 }, { 'repair:trailing_user_dropped': 6 }],
    // Tool dialogues with results have no role for them in XTuner v0 (convert:tool_result_v0;
    // tool_results: input or --to xtuner-openai keeps them); 2 records give results of calls that were never made.
    ['sharegpt_toolcall_zh_demo_llamafactory.json', 300, 141, { 'convert:orphan_tool_result': 2, 'convert:tool_result_v0': 157 }, {}],
  ];
  for (const [file, n, converted, dropped, repairs] of chinese) {
    it(`converts ${file}`, async () => {
      const records = file.endsWith('.json') ? (JSON.parse(readFileSync(new URL(file, SFT), 'utf8')) as Rec[]) : readJsonl(new URL(file, SFT));
      expect(records).toHaveLength(n);
      const { out, stats } = await convert(records, {}, file);
      expect(out).toHaveLength(converted);
      expect(stats.dropped).toEqual(dropped);
      for (const [k, v] of Object.entries(repairs)) expect(stats.counters[k]).toBe(v);
      expect(conversationViolations(out)).toEqual([]);
    });
  }

  it('converts the English ShareGPT and OpenAI sets to OpenAI messages that XTuner v1 accepts', async () => {
    for (const file of ['sharegpt_fastchat_dummy_conversation.jsonl', 'messages_kto_en_demo_llamafactory.jsonl', 'xtuner_openai_sft.jsonl']) {
      const records = readJsonl(new URL(file, SFT)).map((r) => (Array.isArray(r) ? { messages: r } : r));
      const { out, rejects } = await convert(records, { to: 'xtuner-openai' }, file);
      // KTO: the 150 records labelled false are answers not to imitate.
      if (file.includes('kto')) {
        expect(rejects.map((r) => r.reason)).toEqual(Array(150).fill('convert:kto_undesired'));
      } else expect(rejects, file).toEqual([]);
      expect(messagesViolations(out), file).toEqual([]);
    }
  });
});

describe('XTuner v1 shapes', () => {
  it('reads {"messages": [{"role": "pretrain"}]} as text', async () => {
    const { readOpenAi } = await import('../../../src/stages/convert/read.js');
    expect(readOpenAi({ messages: [{ role: 'pretrain', content: 'a ' }, { role: 'pretrain', content: 'b' }] })).toEqual({ kind: 'text', text: 'a b' });
  });
});

// Hostile review 8 F22: convert wrote a lone UTF-16 surrogate into the training JSONL (XTuner then
// fails on it, or a tokenizer reads U+FFFD); white-space turns were already convert:empty_turn.
describe('convert: lone surrogates', () => {
  it('a record whose output would hold one is convert:lone_surrogate, in every output shape', async () => {
    const records = [{ text: 'a\ud800b lone' }, { messages: [{ role: 'user', content: 'hi \ud800' }, { role: 'assistant', content: 'ok' }] }, { instruction: 'q', output: 'a\udc00' }, { text: 'fine' }];
    for (const to of OUTPUT_FORMATS) {
      const { out, rejects } = await convert(records, { to });
      expect(rejects.map((r) => r.reason)).toEqual(['convert:lone_surrogate', 'convert:lone_surrogate', 'convert:lone_surrogate']);
      expect(out).toHaveLength(1);
    }
  });
  // Hostile review 20 F8: a NUL went into the training JSONL (normalize removes it; convert does not).
  it('a record whose output would hold a NUL is convert:nul_character', async () => {
    const records = [{ text: 'nul \u0000 y' }, { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'o\u0000k' }] }, { text: 'fine' }];
    for (const to of OUTPUT_FORMATS) {
      const { out, rejects } = await convert(records, { to });
      expect(rejects.map((r) => r.reason)).toEqual(['convert:nul_character', 'convert:nul_character']);
      expect(out).toHaveLength(1);
    }
  });
});

// New-user review 10 #4 and #7 (HIGH): in the SFT round trip (convert --to pretrain-text --keep
// FIELDS | text stages | convert --from alpaca), pii replaced the phone in `text` only and the last
// convert rebuilt the sample from the untouched kept fields (the phone in the training file, exit
// 0); --keep instruction,input,output left out Alpaca's system and history (a 1-turn sample).
describe('convert: the SFT round trip loses no change silently', () => {
  const registry = defaultRegistry();
  const chain = async (records: Rec[], keep: string[], middle: { name: string; options: Rec }[], from = 'alpaca') => {
    const stages = [await registry.create('convert', { to: 'pretrain-text', keep }), ...(await Promise.all(middle.map((m) => registry.create(m.name, m.options)))), await registry.create('convert', { from })];
    const sink = collect();
    const rejects: string[] = [];
    await pipeline({ source: fromRecords(records), stages, sink, rejects: { push: (r) => rejects.push(`${r.stage}/${r.reason}`), close: async () => {}, abort: async () => {} } });
    return { out: sink.docs.map((d) => d.data), rejects };
  };
  const pii = { instruction: '整理联系方式', input: '张三，电话13812345678', output: '手机：13812345678' };
  const clean = { instruction: '说一个水果', input: '', output: '苹果。' };
  const hist = { instruction: '那第三个呢？', input: '', output: '第三个是丙。', system: '你是一个助手。', history: [['第一个是什么？', '第一个是甲。']] };
  it('a text changed after the first convert is convert:text_changed; pii --fields on the sample scrubs it', async () => {
    const r = await chain([pii, clean], ['instruction', 'input', 'output'], [{ name: 'pii', options: {} }]);
    expect(r.rejects).toEqual(['convert/convert:text_changed']);
    expect(JSON.stringify(r.out)).not.toContain('13812345678');
    expect(r.out).toHaveLength(1);
    // pii on the sample's own fields first: the sample is written, scrubbed.
    const scrub = await registry.create('pii', { fields: ['instruction', 'input', 'output'] });
    const sink = collect();
    await pipeline({ source: fromRecords([pii]), stages: [scrub], sink });
    const again = await chain(sink.docs.map((d) => d.data), ['instruction', 'input', 'output'], [{ name: 'dedup', options: { method: 'exact' } }]);
    expect(again.rejects).toEqual([]);
    expect(JSON.stringify(again.out)).toContain('<PHONE>');
    expect(JSON.stringify(again.out)).not.toContain('13812345678');
  });
  it('fields of the sample that keep leaves out are convert:keep_incomplete; kept, every turn is rebuilt', async () => {
    const r = await chain([hist], ['instruction', 'input', 'output'], []);
    expect(r.rejects).toEqual(['convert/convert:keep_incomplete']);
    const all = await chain([hist], ['instruction', 'input', 'output', 'system', 'history'], []);
    expect(all.rejects).toEqual([]);
    expect((all.out[0].conversation as unknown[]).length).toBe(2);
    // New-user review 10 #18: --keep conversation / messages (/ tools) was refused for a text output.
    for (const [rec, keep] of [[{ conversation: [{ system: 'S', input: 'q', output: 'a' }, { system: '', input: 'q2', output: 'a2' }] }, ['conversation']], [{ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }, ['messages', 'tools']]] as const) {
      const back = await chain([rec as Rec], [...keep], [], 'auto').catch((e: Error) => ({ out: [], rejects: [e.message] }));
      expect(back.rejects).toEqual([]);
      expect(back.out).toHaveLength(1);
    }
    // A plain conversion to text (no sample field kept) is no round trip: nothing is added or checked.
    const { out } = await convert([hist], { to: 'pretrain-text', keep: ['id'] });
    expect(Object.keys(out[0])).toEqual(['text', 'id']);
  });
});
