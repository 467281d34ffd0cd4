import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, SHARED } from '../../helpers/run.js';
import { runStage } from '../../helpers/runStage.js';

type Rec = Record<string, unknown>;

const toolDialogue = {
  conversations: [
    { from: 'human', value: '帮我生成一张发票。' },
    { from: 'function_call', value: '{"name": "generate_invoice", "arguments": {"customer_name": "约翰", "total": 3.5}}' },
    { from: 'observation', value: '{"invoice_id": "INV12345"}' },
    { from: 'gpt', value: '发票已生成，编号 INV12345。' },
  ],
  tools: '[{"name": "generate_invoice", "description": "生成发票", "parameters": {"type": "object"}}]',
};

const openAiTools = {
  messages: [
    { role: 'system', content: 'You can call tools.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"temp": 21}' },
    { role: 'assistant', content: 'It is 21 °C in Paris.' },
  ],
};

describe('convert: SFT pitfalls', () => {
  it('Alpaca: <nooutput> followed by an explanation is rejected like a bare <nooutput>', async () => {
    const r = await runStage('convert', [
      { instruction: 'Draw a cat.', input: '', output: '<nooutput> - Visuals cannot be created by a language model.' },
      { instruction: 'Draw a cat.', input: '', output: '<nooutput>' },
      { instruction: 'Explain <nooutput>.', input: '', output: 'It is a marker in Alpaca data.' },
    ]);
    expect(r.reasons).toEqual(['convert:no_output', 'convert:no_output', undefined]);
  });

  // New-user review 7 #12: other spellings of the marker (from alpaca_data.json and alpaca_zh_carbonz0) were trained on.
  it('Alpaca: "no output" in any spelling is rejected; outputs that only mention output stay', async () => {
    const none = ['<no output>', '<No Output>', '<NoOutput>', '<nooutput - cannot create a visual output>', '<No output. The task requires a poster, not text.>', '<No Output - this is a visual task.>', '<no output> \n(This is not a suitable instruction.)', 'No Output', 'No output required', '&lt;无输出&gt;', '&lt;nooutput&gt; GPT 模型无法完成此类指令。', '无需输出', '[No output]'];
    const some = ['<Word Cloud Output>', 'The output is 5.', 'No output as GPT models cannot create visuals, but here is a plan: ...', '(Output image)', 'Input: 2 + 3\nOutput: 5', '<noinput>\nThe old woman slowly made her way.'];
    const r = await runStage('convert', [...none, ...some].map((output) => ({ instruction: 'Draw a cat.', input: '', output })));
    expect(r.reasons).toEqual([...none.map(() => 'convert:no_output'), ...some.map(() => undefined)]);
  });

  // New-user review 6 #2: Stanford Alpaca and its translations write "No input", "<noinput>",
  // "N/A", "无输入" ... to mean there is no input; they went into the prompts. The inputs below
  // are from alpaca_data.json and alpaca_zh_carbonz0 (../shared/data/sft).
  it('Alpaca: inputs that mean "no input" are left out of the prompt and counted; other short inputs stay', async () => {
    const none = ['No input', 'Noinput', '<no input>', 'No Input', 'No input.', '<No Input>', 'No input required.', '"<noinput>"', 'N/A', '<N/A>', 'NA', 'None', '<none>', '< noinput >', '`<noinput>`', '(noinput)', '[No Input]', '\\<noinput\\>', '{\\noinput}', '<noinput>,', 'No input needed.', '无输入', '&lt;无输入&gt;', '“&lt;无输入&gt;”', '没有输入。', '无需输入。', '不适用', '&lt;不适用&gt;', '（无输入）'];
    const some = ['Banana', 'None of the students', 'The <noinput>', 'John was feeling <noinput>', 'No', 'Input', 'NaN', 'null'];
    const rec = (input: string) => ({ instruction: 'Name a fruit.', input, output: 'Apple.' });
    const r = await runStage('convert', [...none, ...some].map(rec));
    const prompts = r.kept.map((d) => ((d.data as { conversation: Rec[] }).conversation[0].input as string));
    expect(prompts.slice(0, none.length)).toEqual(none.map(() => 'Name a fruit.'));
    expect(prompts.slice(none.length)).toEqual(some.map((s) => `Name a fruit.\n${s}`));
    expect(r.stats.counters['repair:no_input_dropped']).toBe(none.length);
    // XTuner's alpaca_map_fn joins instruction and input always: the placeholder reads as ''.
    const x = await runStage('convert', [rec('No input')], { alpacaJoin: 'xtuner' });
    expect((x.kept[0].data as { conversation: Rec[] }).conversation[0].input).toBe('Name a fruit.\n');
    // alpaca_no_input: keep writes them as they are.
    const kept = await runStage('convert', [rec('No input')], { alpacaNoInput: 'keep' });
    expect((kept.kept[0].data as { conversation: Rec[] }).conversation[0].input).toBe('Name a fruit.\nNo input');
    expect(kept.stats.counters['repair:no_input_dropped']).toBeUndefined();
  });

  it('KTO: label false is rejected as convert:kto_undesired, label true is kept and counted', async () => {
    const msgs = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ];
    const r = await runStage('convert', [{ messages: msgs, label: false }, { messages: msgs, label: true }, { messages: msgs, label: 'false' }], { to: 'xtuner-openai' });
    expect(r.reasons).toEqual(['convert:kto_undesired', undefined, 'convert:kto_undesired']);
    expect(r.stats.counters.kto_desired).toBe(1);
    const off = await runStage('convert', [{ messages: msgs, label: false }], { ktoField: null });
    expect(off.reasons).toEqual([undefined]);
  });

  it('ShareGPT function_call/observation to XTuner v1 messages with tool_calls, tool role and tools', async () => {
    const r = await runStage('convert', [toolDialogue], { to: 'xtuner-openai' });
    expect(r.reasons).toEqual([undefined]);
    expect(r.docs[0].data).toEqual({
      messages: [
        { role: 'user', content: '帮我生成一张发票。' },
        { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'generate_invoice', arguments: '{"customer_name":"约翰","total":3.5}' } }] },
        { role: 'tool', content: '{"invoice_id": "INV12345"}' },
        { role: 'assistant', content: '发票已生成，编号 INV12345。' },
      ],
      tools: [{ name: 'generate_invoice', description: '生成发票', parameters: { type: 'object' } }],
    });
    expect(r.stats.counters.tool_dialogues).toBe(1);
  });

  it('XTuner v0 turns cannot hold a tool result (no environment role): rejected by default, with the reason', async () => {
    // #12 / review F16: the result became the next turn's input, which XTuner's internlm2_chat
    // template renders as a user turn: the model learned that users type tool results.
    const r = await runStage('convert', [toolDialogue]);
    expect(r.reasons).toEqual(['convert:tool_result_v0']);
    // XTuner v1 messages keep the result in a tool message.
    const v1 = await runStage('convert', [toolDialogue], { to: 'xtuner-openai' });
    expect(v1.reasons).toEqual([undefined]);
    expect((v1.docs[0].data as { messages: Rec[] }).messages.map((m) => m.role)).toContain('tool');
  });

  it('tool_results: input writes the v0 turns as XTuner\'s msagent_react_map_fn does: calls in InternLM2 action syntax, results as the next input', async () => {
    const r = await runStage('convert', [toolDialogue], { toolResults: 'input' });
    const conv = (r.docs[0].data as { conversation: Rec[] }).conversation;
    expect(conv).toEqual([
      {
        system: '[{"name":"generate_invoice","description":"生成发票","parameters":{"type":"object"}}]',
        input: '帮我生成一张发票。',
        output: '<|action_start|><|plugin|>\n{"name":"generate_invoice","parameters":{"customer_name":"约翰","total":3.5}}<|action_end|>',
      },
      { system: '', input: '{"invoice_id": "INV12345"}', output: '发票已生成，编号 INV12345。' },
    ]);
  });

  it('OpenAI tool_calls/tool pass through with ids; malformed calls and orphan results are rejected', async () => {
    const r = await runStage('convert', [openAiTools], { to: 'xtuner-openai' });
    const ms = (r.docs[0].data as { messages: Rec[] }).messages;
    expect(ms[2]).toEqual({ role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] });
    expect(ms[3]).toEqual({ role: 'tool', content: '{"temp": 21}', tool_call_id: 'call_1' });
    const bad = await runStage('convert', [
      { conversations: [{ from: 'human', value: 'q' }, { from: 'function_call', value: 'not json' }, { from: 'observation', value: 'x' }, { from: 'gpt', value: 'a' }] },
      { conversations: [{ from: 'human', value: 'q' }, { from: 'observation', value: 'x' }, { from: 'gpt', value: 'a' }] },
      { ...toolDialogue, tools: '{not json' },
      { conversations: [{ from: 'human', value: 'q' }, { from: 'function_call', value: '{"name": "f", "arguments": {}}' }, { from: 'observation', value: 'x' }] },
    ]);
    expect(bad.reasons).toEqual(['convert:bad_tool_call', 'convert:orphan_tool_result', 'convert:bad_tools', 'convert:trailing_user']);
  });
});

describe.runIf(HAS_SHARED)('convert: SFT pitfalls on ../shared/data/sft', () => {
  it('the tool-call sample: 298 of 300 convert (157 with tool calls) to XTuner v1 and to v0 with tool_results: input; 2 have results of calls never made', async () => {
    const records = JSON.parse(readFileSync(join(SHARED, 'sft/sharegpt_toolcall_zh_demo_llamafactory.json'), 'utf8')) as Rec[];
    // XTuner v0 by default: the 157 dialogues with tool results have no role for them.
    const v0 = await runStage('convert', records);
    expect(v0.stats.dropped).toEqual({ 'convert:orphan_tool_result': 2, 'convert:tool_result_v0': 157 });
    expect(v0.kept.length).toBe(141);
    for (const opts of [{ to: 'xtuner-conversation', toolResults: 'input' }, { to: 'xtuner-openai' }]) {
      const to = opts.to;
      const r = await runStage('convert', records, opts);
      // Two records put the call into the answer's text ("AI 计算折扣: {...}") and then give its
      // result: there is no call to attach the result to.
      expect(r.stats.dropped, to).toEqual({ 'convert:orphan_tool_result': 2 });
      expect(r.kept.length).toBe(298);
      expect(r.stats.counters.tool_dialogues).toBe(157);
    }
  });
  it('the KTO sample: the 150 label-false records are rejected', async () => {
    const records = readFileSync(join(SHARED, 'sft/messages_kto_en_demo_llamafactory.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
    const r = await runStage('convert', records, { to: 'xtuner-openai' });
    expect(r.stats.dropped).toEqual({ 'convert:kto_undesired': 150 });
  });
  it('Stanford Alpaca: 47 "no output" records', async () => {
    const records = readFileSync(join(SHARED, 'sft/alpaca_data.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
    const r = await runStage('convert', records);
    // 47 since new-user review 7 #12: `<no output>` 3, `<No output>` 2, `No Output` 5, `No output required` 2 ... too.
    expect(r.stats.dropped['convert:no_output']).toBe(47);
    // 669 written records had an input meaning "no input" ('No input' 161, 'Noinput' 90 ...).
    expect(r.stats.counters['repair:no_input_dropped']).toBe(669);
  });
});
