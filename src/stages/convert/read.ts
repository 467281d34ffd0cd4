import type { JsonObject } from '../../core/doc.js';
import { textFieldOf, type TextField } from '../../core/doc.js';
import type { InputFormat, Msg, Parsed, ToolCall } from './model.js';
import { CALL_ROLES, ROLE_NAMES } from './model.js';
import { parseExact, stringifyExactValue } from '../../io/json.js';

/** How Alpaca's instruction and input are joined into the user turn. */
export type AlpacaJoin = 'newline' | 'xtuner';

/** A reader's result: the parsed record or a reason code. */
export type ReadResult = Parsed | string;

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Message content as text: a string, or the text parts of an OpenAI parts list. */
function contentText(v: unknown): string | null | 'non_text' {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    let s = '';
    for (const p of v) {
      if (!isObj(p)) return null;
      if (p.type === 'text' && typeof p.text === 'string') s += p.text;
      else return 'non_text';
    }
    return s;
  }
  return null;
}

/** XTuner's reading of a loss flag: only `true`/"true" (any case) means loss. */
function lossFlag(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  return String(v).toLowerCase() === 'true';
}

/**
 * OpenAI fine-tuning's per-message `weight` (assistant messages only: 0 = do not train on this
 * turn, 1 = train): a loss flag, undefined when absent, `bad` for any other value.
 */
function weightFlag(v: unknown): boolean | undefined | 'bad' {
  if (v === undefined || v === null) return undefined;
  if (v === 0 || v === '0') return false;
  if (v === 1 || v === '1') return true;
  return 'bad';
}

/** One call as `{name, arguments}` (ShareGPT) or `{id, type, function: {name, arguments}}` (OpenAI); arguments become a JSON string. */
function readCall(v: unknown): ToolCall | null {
  if (!isObj(v)) return null;
  const f = isObj(v.function) ? v.function : v;
  const name = f.name;
  if (typeof name !== 'string' || name.trim() === '') return null;
  const a = f.arguments ?? f.parameters ?? {};
  // An object of the record (or of a JSON text parsed here): its numbers a double cannot hold keep their digits.
  const args = typeof a === 'string' ? a : stringifyExactValue(a);
  const call: ToolCall = { name, arguments: args };
  if (typeof v.id === 'string') call.id = v.id;
  return call;
}

/** The calls of a ShareGPT `function_call` value (a JSON object or array) or an OpenAI `tool_calls` list. */
function readCalls(v: unknown): ToolCall[] | null {
  let x = v;
  if (typeof x === 'string') {
    try {
      x = parseExact(x);
    } catch {
      return null;
    }
  }
  const list = Array.isArray(x) ? x : [x];
  const calls: ToolCall[] = [];
  for (const c of list) {
    const call = readCall(c);
    if (call === null) return null;
    calls.push(call);
  }
  return calls.length > 0 ? calls : null;
}

function readMessages(list: unknown, roleKey: string, contentKey: string, altRole: string, altContent: string): Msg[] | string {
  if (!Array.isArray(list)) return 'convert:bad_message';
  const out: Msg[] = [];
  for (const m of list) {
    if (!isObj(m)) return 'convert:bad_message';
    const r = m[roleKey] ?? m[altRole];
    if (typeof r !== 'string') return 'convert:bad_message';
    const lower = r.toLowerCase();
    const role = ROLE_NAMES[lower];
    if (role === undefined) return 'convert:unknown_role';
    const raw = m[contentKey] ?? m[altContent];
    if (CALL_ROLES.has(lower)) {
      const calls = readCalls(raw);
      if (calls === null) return 'convert:bad_tool_call';
      out.push({ role: 'assistant', content: '', toolCalls: calls });
      continue;
    }
    let toolCalls: ToolCall[] | undefined;
    if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      if (role !== 'assistant') return 'convert:bad_tool_call';
      const calls = readCalls(m.tool_calls);
      if (calls === null) return 'convert:bad_tool_call';
      toolCalls = calls;
    }
    const c = toolCalls !== undefined && (raw === null || raw === undefined) ? '' : contentText(raw);
    if (c === 'non_text') return 'convert:non_text_content';
    if (c === null) return 'convert:bad_message';
    const msg: Msg = { role, content: c };
    if (toolCalls !== undefined) msg.toolCalls = toolCalls;
    if (role === 'tool') {
      if (typeof m.tool_call_id === 'string') msg.toolCallId = m.tool_call_id;
      if (typeof m.name === 'string') msg.name = m.name;
    }
    const loss = lossFlag(m.loss);
    // OpenAI's `weight: 0` is XTuner's `loss: false` for the turn; a weight that is neither 0
    // nor 1, that asks to train a message other than the assistant's, or that a `loss` flag
    // contradicts cannot be written: convert:bad_weight.
    const weight = weightFlag(m.weight);
    if (weight === 'bad' || (weight === true && role !== 'assistant') || (weight !== undefined && loss !== undefined && weight !== loss)) return 'convert:bad_weight';
    if (weight !== undefined && role === 'assistant') msg.loss = weight;
    else if (loss !== undefined) msg.loss = loss;
    out.push(msg);
  }
  return out;
}

function readSystem(data: JsonObject, out: Msg[]): string | undefined {
  const s = data.system;
  if (s === undefined || s === null) return undefined;
  if (typeof s !== 'string') return 'convert:bad_message';
  out.push({ role: 'system', content: s });
  return undefined;
}

/**
 * What Alpaca-style data writes as `input` to mean "no input", once wrapped in brackets, quotes or
 * HTML-escaped brackets, ended with a full stop, lower-cased and without spaces, `-` or `_`
 * (`<noinput>`, `No input.`, `&lt;无输入&gt;`, `N/A`, `<none>`): seen in Stanford Alpaca's
 * 52K records (tatsu-lab/stanford_alpaca alpaca_data.json) and its Chinese translations.
 */
export const ALPACA_NO_INPUT: ReadonlySet<string> = new Set([
  'noinput', 'noinputrequired', 'noinputneeded', 'none', 'n/a', 'na',
  '无输入', '没有输入', '无需输入', '不需要输入', '不适用', '无',
]);

/** Brackets, quotes, backslashes and end punctuation around a placeholder, peeled off in any order. */
const PLACEHOLDER_WRAP = /^[\s"'`“”‘’<>\[\](){}（）【】《》「」\\]+|[\s"'`“”‘’<>\[\](){}（）【】《》「」\\.。,，!！:：;；]+$/g;

/** True when an Alpaca `input` is one of the "no input" placeholders (ALPACA_NO_INPUT). Short strings only. */
export function isNoInput(input: string): boolean {
  if (input.length > 40) return false;
  const core = input.replace(/&lt;/gi, '<').replace(/&gt;/gi, '>').replace(PLACEHOLDER_WRAP, '').toLowerCase().replace(/[\s_-]+/g, '');
  return ALPACA_NO_INPUT.has(core);
}

/** What a whole Alpaca `output` says when there is none (peeled as for `isNoInput`). */
export const ALPACA_NO_OUTPUT: ReadonlySet<string> = new Set(['nooutput', 'nooutputrequired', 'nooutputneeded', '无输出', '没有输出', '无需输出', '不需要输出']);

/** Self-instruct's marker in brackets, then anything: `<nooutput>`, `<No Output - a visual task.>`, `&lt;无输出&gt;`. */
const NO_OUTPUT_MARK = /^\s*[<＜《【\[]\s*(?:no[\s_-]*output(?![a-z])|无输出|没有输出)/i;

/**
 * True when an Alpaca `output` is the "no output" marker (new-user review 7 #12: `<no output>`,
 * `<No Output>`, `<nooutput - ...>` and the Chinese translations' `&lt;无输出&gt;` were trained on):
 * a bracket opening with "no output" whatever follows, or a short output that is only a placeholder
 * (`No Output`, `No output required`, `无需输出`). Prose that explains ("No output as GPT models
 * cannot ...") is left to the reader.
 */
export function isNoOutput(output: string): boolean {
  const head = output.slice(0, 200).replace(/&lt;/gi, '<').replace(/&gt;/gi, '>');
  if (NO_OUTPUT_MARK.test(head)) return true;
  if (output.length > 40) return false;
  return ALPACA_NO_OUTPUT.has(head.replace(PLACEHOLDER_WRAP, '').toLowerCase().replace(/[\s_-]+/g, ''));
}

/**
 * Alpaca: `instruction`, `input`, `output`, optional `system` and `history` ([[q, a], ...]). An
 * input that says there is none (`isNoInput`) is read as empty unless `placeholders` is `keep`.
 */
export function readAlpaca(data: JsonObject, join: AlpacaJoin, placeholders: 'drop' | 'keep' = 'drop'): ReadResult {
  const { instruction, output } = data;
  const given = data.input ?? '';
  if (typeof instruction !== 'string' || typeof given !== 'string') return 'convert:bad_message';
  const input = placeholders === 'drop' && given !== '' && isNoInput(given) ? '' : given;
  if (typeof output !== 'string') return output === undefined || output === null ? 'convert:empty_turn' : 'convert:bad_message';
  // `<nooutput>` alone, or followed by why there is none ("<nooutput> - Visuals cannot be
  // created by a language model."), in any spelling (`isNoOutput`): there is no answer to train on.
  if (isNoOutput(output)) return 'convert:no_output';
  const messages: Msg[] = [];
  const bad = readSystem(data, messages);
  if (bad) return bad;
  if (data.history !== undefined && data.history !== null) {
    if (!Array.isArray(data.history)) return 'convert:bad_message';
    for (const pair of data.history) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return 'convert:bad_message';
      messages.push({ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] });
    }
  }
  const prompt = join === 'xtuner' ? `${instruction}\n${input}` : input === '' ? instruction : instruction === '' ? input : `${instruction}\n${input}`;
  messages.push({ role: 'user', content: prompt }, { role: 'assistant', content: output });
  return { kind: 'chat', messages };
}

/** ShareGPT: `conversations` of `{from, value}` (or `{role, content}`), optional top-level `system`. */
export function readShareGpt(data: JsonObject): ReadResult {
  const messages: Msg[] = [];
  const bad = readSystem(data, messages);
  if (bad) return bad;
  const m = readMessages(data.conversations, 'from', 'value', 'role', 'content');
  if (typeof m === 'string') return m;
  return { kind: 'chat', messages: messages.concat(m) };
}

/** OpenAI: `messages` (or `dialogs`) of `{role, content[, loss]}`. */
export function readOpenAi(data: JsonObject | unknown[]): ReadResult {
  const list = Array.isArray(data) ? data : (data.messages ?? data.dialogs);
  // XTuner v1 pretraining: `{"messages": [{"role": "pretrain", "content": ...}]}` is text.
  if (Array.isArray(list) && list.length > 0 && list.every((m) => isObj(m) && m.role === 'pretrain' && typeof m.content === 'string')) {
    return { kind: 'text', text: list.map((m) => (m as JsonObject).content as string).join('') };
  }
  const m = readMessages(list, 'role', 'content', 'from', 'value');
  if (typeof m === 'string') return m;
  return { kind: 'chat', messages: m };
}

/**
 * XTuner conversation: turns of `{system, input, output[, output_with_loss]}`. A single turn
 * with empty system and input is XTuner's incremental-pretraining form and reads as text.
 */
export function readXtuner(data: JsonObject): ReadResult {
  const turns = data.conversation;
  if (!Array.isArray(turns)) return 'convert:bad_message';
  if (turns.length === 1 && isObj(turns[0])) {
    const t = turns[0];
    if (!t.system && !t.input && typeof t.output === 'string') return { kind: 'text', text: t.output };
  }
  const messages: Msg[] = [];
  for (const t of turns) {
    if (!isObj(t)) return 'convert:bad_message';
    const sys = t.system ?? '';
    const input = t.input ?? '';
    if (typeof sys !== 'string' || typeof input !== 'string') return 'convert:bad_message';
    if (typeof t.output !== 'string') return t.output === undefined || t.output === null ? 'convert:empty_turn' : 'convert:bad_message';
    if (sys !== '') messages.push({ role: 'system', content: sys });
    messages.push({ role: 'user', content: input });
    const a: Msg = { role: 'assistant', content: t.output };
    const loss = lossFlag(t.output_with_loss);
    if (loss !== undefined) a.loss = loss;
    messages.push(a);
  }
  return { kind: 'chat', messages };
}

/** Raw text: the run's text field, else `text`, then `content`. */
export function readText(data: JsonObject, textField: TextField | undefined): ReadResult {
  const f = textFieldOf(data, textField);
  const v = f === undefined ? undefined : data[f];
  if (typeof v !== 'string') return f === undefined ? 'convert:unknown_format' : 'convert:bad_message';
  return { kind: 'text', text: v };
}

/**
 * A self-instruct seed task (Alpaca's and BELLE's seed_tasks.jsonl: `instruction` and
 * `instances: [{input, output}]`, no `output` of its own) as the Alpaca record it is when it holds
 * one instance; `convert:several_instances` when it holds more (each is a sample, and a record
 * read is at most one record written: the end of the run gives the jq line that flattens them);
 * undefined for any other record.
 */
export function seedSample(data: JsonObject): JsonObject | string | undefined {
  if (typeof data.instruction !== 'string' || !Array.isArray(data.instances) || 'output' in data) return undefined;
  if (data.instances.length !== 1) return data.instances.length === 0 ? 'convert:empty_turn' : 'convert:several_instances';
  const one = data.instances[0];
  if (!isObj(one)) return 'convert:bad_message';
  const flat: JsonObject = { ...data, input: one.input ?? '', output: one.output };
  delete flat.instances;
  return flat;
}

/** Tell a record's format from its keys; `null` when none fits. */
export function detectFormat(data: JsonObject | unknown[]): Exclude<InputFormat, 'auto'> | null {
  if (Array.isArray(data)) return 'openai';
  if (Array.isArray(data.conversation)) return 'xtuner';
  if (Array.isArray(data.messages) || Array.isArray(data.dialogs)) return 'openai';
  if (Array.isArray(data.conversations)) return 'sharegpt';
  if ('instruction' in data && ('output' in data || Array.isArray(data.instances))) return 'alpaca';
  if (typeof data.text === 'string' || typeof data.content === 'string') return 'text';
  return null;
}
