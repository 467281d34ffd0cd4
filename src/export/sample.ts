import { table } from '../core/own.js';
import type { JsonObject } from '../core/doc.js';
import { isNotUtf8, textFieldOf, type TextField } from '../core/doc.js';
import type { SentencePieceTokenizer } from '../tokenize/tokenizer.js';
import { internlm2Action } from '../stages/convert/write.js';
import type { ToolCall } from '../stages/convert/model.js';
import { indexExact, stringifyExactValue } from '../io/json.js';

/** A record that cannot become a training sample; `reason` is a stable reject code. */
export class SampleError extends Error {
  override name = 'SampleError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sample kinds: `auto` picks chat when the record has `messages` or `conversation`, else pretraining text. */
export type SampleKind = 'auto' | 'pretrain' | 'chat';

/** Options of `encodeSample`. */
export interface SampleOptions {
  /** Default `auto`. */
  kind?: SampleKind;
  /** Text field of pretraining records; default automatic (`text`, then `content`). */
  textField?: TextField;
  /** Add BOS before every sample. Default true. */
  bos?: boolean;
  /** Add EOS after a pretraining sample (InternEvo's tools/tokenizer.py does). Default true. */
  eos?: boolean;
  /** Split chat tokens written in pretraining text into their ids. Default false: they stay plain text. */
  specialInText?: boolean;
  /** Split chat tokens written in message contents (tool calls use them). Default true, as HF tokenizers do. */
  specialInMessages?: boolean;
}

/** One chat message after format detection. */
export interface ChatMessage {
  role: string;
  content: string;
  /** Whether the message's tokens are training targets. */
  train: boolean;
  /** OpenAI `tool_calls` of an assistant message, arguments as a JSON string. */
  toolCalls?: ToolCall[];
  /** `tool_call_id` and `name` of a tool result. */
  toolCallId?: string;
  name?: string;
}

/** An OpenAI `tool_calls` list (`[{id?, type, function: {name, arguments}}]`, or `{name, arguments}` items) as `ToolCall`s. */
function readToolCalls(v: unknown, i: number): ToolCall[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new SampleError('bad_messages', `messages[${i}].tool_calls is not a list`);
  if (v.length === 0) return undefined;
  return v.map((c, j) => {
    const call = c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as JsonObject) : undefined;
    const fn = call !== undefined && call.function !== null && typeof call.function === 'object' && !Array.isArray(call.function) ? (call.function as JsonObject) : call;
    const name = fn?.name;
    if (typeof name !== 'string' || name.length === 0) throw new SampleError('bad_messages', `messages[${i}].tool_calls[${j}] has no function name`);
    const args = fn?.arguments ?? fn?.parameters ?? {};
    // An object of the record: its numbers a double cannot hold keep their digits (see `chatMessages`).
    const out: ToolCall = { name, arguments: typeof args === 'string' ? args : stringifyExactValue(args) };
    if (typeof call?.id === 'string') out.id = call.id;
    return out;
  });
}

/** The record's top-level OpenAI `tools` list, or null when it has none. */
export function chatTools(record: JsonObject): unknown[] | null {
  const tools = record.tools;
  if (tools === undefined || tools === null) return null;
  if (!Array.isArray(tools)) throw new SampleError('bad_messages', '`tools` is not a list');
  return tools.length === 0 ? null : tools;
}

/**
 * The roles of the InternLM2 chat template, and the names other formats give them: OpenAI's
 * `tool`/`function` results are InternLM2's `environment`; ShareGPT's `human`/`gpt`.
 */
const INTERNLM2_ROLE: Readonly<Record<string, string>> = table({
  system: 'system',
  user: 'user',
  assistant: 'assistant',
  environment: 'environment',
  tool: 'environment',
  function: 'environment',
  human: 'user',
  gpt: 'assistant',
});

/** A message with its role as the InternLM2 template names it; other roles are `bad_messages`. */
function toInternLM2Role(m: ChatMessage, i: number): ChatMessage {
  const role = INTERNLM2_ROLE[m.role];
  if (role === undefined) throw new SampleError('bad_messages', `messages[${i}].role '${m.role}' has no InternLM2 role (system, user, assistant, environment)`);
  return role === m.role ? m : { ...m, role };
}

/** True for `loss` values XTuner's `openai_map_fn` reads as "compute loss": absent, true or "true" (any case). */
function lossFlag(v: unknown): boolean {
  return v === undefined || String(v).toLowerCase() === 'true';
}

/** Python truthiness, as XTuner's `encode_fn` reads `output_with_loss`. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * A chat whose field a reader filled with the base64 of bytes that are not UTF-8 (a Parquet
 * list of structs with a BLOB content: `markNotUtf8`) is no sample: `invalid_utf8`, never the
 * base64 trained on (hostile review 9 F53).
 */
function notUtf8Chat(record: JsonObject, field: string): void {
  if (isNotUtf8(record, field)) throw new SampleError('invalid_utf8', `a value in \`${field}\` is bytes that are not UTF-8 (a byte column, held in base64): convert it to UTF-8 strings first`);
}

/**
 * The messages of a chat record: OpenAI-style `messages: [{role, content, loss?, weight?}]`
 * (assistant messages are targets unless `loss` is false, as XTuner's `openai_map_fn`, or
 * OpenAI fine-tuning's `weight` is 0) or XTuner's
 * `conversation: [{system?, input, output, output_with_loss?}]`. Returns null for other records.
 * Call arguments that are objects are written as JSON text with the digits of their input.
 */
export function chatMessages(record: JsonObject): ChatMessage[] | null {
  const messages = record.messages;
  if (Array.isArray(messages)) {
    notUtf8Chat(record, 'messages');
    // Numbers a double cannot hold as written, in call arguments or tools: where each sits.
    indexExact(record);
    return messages.map((m, i) => {
      if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new SampleError('bad_messages', `messages[${i}] is not an object`);
      const { role, content, loss, weight, tool_call_id: toolCallId, name } = m as JsonObject;
      if (typeof role !== 'string' || role.length === 0) throw new SampleError('bad_messages', `messages[${i}].role is not a non-empty string`);
      const toolCalls = readToolCalls((m as JsonObject).tool_calls, i);
      // OpenAI writes `content: null` on a message that only calls tools.
      if (typeof content !== 'string' && !(toolCalls !== undefined && (content === null || content === undefined))) throw new SampleError('bad_messages', `messages[${i}].content is not a string`);
      const assistant = role === 'assistant' || role === 'gpt';
      let train = assistant && lossFlag(loss);
      // OpenAI fine-tuning's `weight` (assistant messages: 0 = no loss on this turn, 1 = loss).
      if (weight !== undefined && weight !== null) {
        const w = weight === 0 || weight === '0' ? false : weight === 1 || weight === '1' ? true : undefined;
        if (w === undefined) throw new SampleError('bad_messages', `messages[${i}].weight must be 0 or 1 (OpenAI fine-tuning), got ${JSON.stringify(weight)}`);
        if (w && !assistant) throw new SampleError('bad_messages', `messages[${i}].weight is 1 on a ${role} message: only assistant messages are trained`);
        if (loss !== undefined && lossFlag(loss) !== w) throw new SampleError('bad_messages', `messages[${i}] has weight ${JSON.stringify(weight)} and loss ${JSON.stringify(loss)}, which disagree`);
        train = assistant && w;
      }
      const msg: ChatMessage = { role, content: typeof content === 'string' ? content : '', train };
      if (toolCalls !== undefined) msg.toolCalls = toolCalls;
      if (typeof toolCallId === 'string') msg.toolCallId = toolCallId;
      if (typeof name === 'string') msg.name = name;
      return msg;
    });
  }
  const conversation = record.conversation;
  if (Array.isArray(conversation)) {
    notUtf8Chat(record, 'conversation');
    // XTuner's incremental-pretraining sample (what `convert --from text` writes): one turn with
    // no system and no input. XTuner trains it as BOS + text + EOS (template_map_fn=None), so it
    // is pretraining text here, as the `pretrain` role of its v1 twin is.
    const only = conversation.length === 1 ? conversation[0] : undefined;
    if (only !== null && typeof only === 'object' && !Array.isArray(only)) {
      const t = only as JsonObject;
      if ((t.input ?? '') === '' && (t.system ?? '') === '' && typeof t.output === 'string' && (t.output_with_loss === undefined || truthy(t.output_with_loss))) {
        return [{ role: 'pretrain', content: t.output, train: true }];
      }
    }
    const out: ChatMessage[] = [];
    conversation.forEach((t, i) => {
      if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new SampleError('bad_messages', `conversation[${i}] is not an object`);
      const turn = t as JsonObject;
      const system = turn.system;
      const input = turn.input ?? '';
      const output = turn.output;
      if (system !== undefined && system !== null && typeof system !== 'string') throw new SampleError('bad_messages', `conversation[${i}].system is not a string`);
      if (typeof input !== 'string') throw new SampleError('bad_messages', `conversation[${i}].input is not a string`);
      if (typeof output !== 'string') throw new SampleError('bad_messages', `conversation[${i}].output is not a string`);
      if (typeof system === 'string' && system.length > 0) out.push({ role: 'system', content: system, train: false });
      out.push({ role: 'user', content: input, train: false });
      out.push({ role: 'assistant', content: output, train: turn.output_with_loss === undefined ? true : truthy(turn.output_with_loss) });
    });
    return out;
  }
  return null;
}

function push(out: number[], ids: readonly number[], sign: 1 | -1): void {
  for (let i = 0; i < ids.length; i++) out.push(sign * ids[i]);
}

/**
 * Token ids of one chat in the InternLM2 template, negated where the token is not a target:
 *
 * `<s>` `<|im_start|>role\n{content}<|im_end|>\n` per message, where for assistant messages the
 * header `<|im_start|>assistant\n` is negative and `{content}<|im_end|>\n` positive (the
 * convention of XTuner's `tokenize_ftdp_datasets.py` for InternEvo shards); every other message
 * (system, user, tool) is negative. The assistant header is tokenized apart from the content, as
 * XTuner's `encode_fn` does, so the loss boundary never falls inside a token.
 */
export function encodeChat(messages: readonly ChatMessage[], tok: SentencePieceTokenizer, opts: SampleOptions = {}): number[] {
  const imStart = tok.specialTokens['<|im_start|>'];
  const imEnd = tok.specialTokens['<|im_end|>'];
  if (imStart === undefined || imEnd === undefined) throw new Error('the tokenizer has no <|im_start|>/<|im_end|> tokens; chat samples need the InternLM2 chat tokens');
  const special = { special: opts.specialInMessages ?? true };
  const newline = tok.encode('\n');
  const out: number[] = [];
  if (opts.bos ?? true) out.push(tok.bosId);
  for (const m of messages) {
    out.push(-imStart);
    if (m.role === 'assistant') {
      push(out, tok.encode('assistant\n'), -1);
      const sign = m.train ? 1 : -1;
      push(out, tok.encode(m.content, special), sign);
      out.push(sign * imEnd);
      push(out, newline, sign);
    } else if (m.role.includes(' name=<|')) {
      // A named system or environment turn (InternLM2 chat_format.md): the name is a special token.
      push(out, tok.encode(`${m.role}\n`, { special: true }), -1);
      push(out, tok.encode(m.content, special), -1);
      out.push(-imEnd);
      push(out, newline, -1);
    } else {
      push(out, tok.encode(`${m.role}\n${m.content}`, special), -1);
      out.push(-imEnd);
      push(out, newline, -1);
    }
  }
  return out;
}

/**
 * Token ids of one record as an InternEvo sample: BOS + text + EOS for pretraining text, the
 * InternLM2 chat template with negative ids on non-target tokens for chat records (see
 * `encodeChat`). XTuner's `{"messages": [{"role": "pretrain", "content"}]}` is pretraining text.
 * Throws `SampleError` (reasons `no_text`, `text_empty`, `bad_messages`, `no_target`) for records that cannot
 * be a sample.
 */
export function encodeSample(record: JsonObject, tok: SentencePieceTokenizer, opts: SampleOptions = {}): number[] {
  const kind = opts.kind ?? 'auto';
  if (kind !== 'pretrain') {
    const messages = chatMessages(record);
    if (messages !== null) {
      if (messages.length > 0 && messages.every((m) => m.role === 'pretrain')) return encodePretrain(pretrainText(messages), tok, opts);
      if (messages.length === 0) throw new SampleError('bad_messages', 'the chat has no messages');
      checkTurns(messages);
      const ids = encodeChat(withTools(messages.map(toInternLM2Role), chatTools(record)), tok, opts);
      if (!ids.some((x, i) => x > 0 && (i > 0 || !(opts.bos ?? true)))) throw new SampleError('no_target', 'no token of the chat is a training target');
      return ids;
    }
    if (kind === 'chat') throw new SampleError('bad_messages', 'the record has neither `messages` nor `conversation`');
  }
  const field = textFieldOf(record, opts.textField);
  if (field === undefined && kind === 'pretrain') {
    // --kind pretrain over XTuner's pretraining chats: their text.
    const messages = incrementalPretrain(record);
    if (messages !== null) return encodePretrain(pretrainText(messages), tok, opts);
  }
  const text = field === undefined ? undefined : record[field];
  return encodePretrain(sampleText(text), tok, opts);
}

/** The messages of a record that is a chat of `pretrain` messages only (XTuner's pretraining forms), else null. */
export function incrementalPretrain(record: JsonObject): ChatMessage[] | null {
  try {
    const messages = chatMessages(record);
    return messages !== null && messages.length > 0 && messages.every((m) => m.role === 'pretrain') ? messages : null;
  } catch {
    return null;
  }
}

/**
 * A pretraining text that can be a sample: a string with more than white space, well-formed
 * (see `wellFormed`). Throws `no_text` (no text field), `text_empty` (empty or white space only) or `lone_surrogate`. For every writer of training data:
 * InternEvo's samples and XTuner v1's `{"content"}` (hostile review 8 F22).
 */
export function sampleText(text: unknown): string {
  // No text field is bad input (counted for --max-reject-rate, as read/text_missing); an empty
  // text is a document with nothing in it, as read/text_empty (new-user review 16 F9).
  if (typeof text !== 'string') throw new SampleError('no_text', 'the record has no text');
  if (text.trim().length === 0) throw new SampleError('text_empty', text.length === 0 ? 'the record\'s text is empty' : 'the record\'s text is only whitespace');
  return wellFormed(text);
}

/** The text of a chat whose every message is `pretrain` (XTuner v1's pretraining form), checked as `sampleText`. */
export function pretrainText(messages: readonly ChatMessage[]): string {
  for (const m of messages) wellFormed(m.content);
  return sampleText(messages.map((m) => m.content).join(''));
}

/**
 * The messages of a chat that can be a sample: each well-formed (`lone_surrogate`), and no user
 * or assistant message of white space only without tool calls (`empty_turn`: an answer of two
 * spaces would be trained as a target; convert rejects such turns as `convert:empty_turn`).
 */
export function checkTurns(messages: readonly ChatMessage[]): void {
  messages.forEach((m, i) => {
    wellFormed(m.content);
    if ((m.role === 'user' || m.role === 'assistant') && m.toolCalls === undefined && m.content.trim() === '') throw new SampleError('empty_turn', `messages[${i}] (${m.role}) is empty or only whitespace`);
  });
}

/**
 * `text`, when it is well-formed UTF-16 without NUL. A lone surrogate has no UTF-8 bytes: the tokenizer would
 * see U+FFFD in its place, a change to the text no one asked for, so the record is a reject.
 */
function wellFormed(text: string): string {
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) throw new SampleError('lone_surrogate', 'the text holds a lone UTF-16 surrogate (not a character; it has no UTF-8 bytes)');
  // A NUL is no text either (a zeroed stretch, a C string's end): `normalize` removes it, an export
  // does not change a text on its own, so the record is a reject (hostile review 20 F8).
  if (text.includes('\u0000')) throw new SampleError('nul_character', 'the text holds a NUL character (U+0000); `normalize` removes it');
  return text;
}

/**
 * A tool dialogue in InternLM2's plugin format (InternLM chat_format.md): each call appended to its
 * assistant message as `<|action_start|><|plugin|>\n{"name", "parameters"}<|action_end|>` (the
 * same text `convert --tool-results input` writes for XTuner v0), the `tools` list as a
 * `system name=<|plugin|>` turn after the system prompt, and tool results as
 * `environment name=<|plugin|>`. Chats without calls or tools are returned unchanged.
 */
function withTools(messages: ChatMessage[], tools: unknown[] | null): ChatMessage[] {
  const calls = messages.some((m) => m.toolCalls !== undefined);
  if (!calls && tools === null) return messages;
  const out: ChatMessage[] = [];
  let placed = tools === null;
  for (const m of messages) {
    if (!placed && m.role !== 'system') {
      out.push({ role: 'system name=<|plugin|>', content: stringifyExactValue(tools), train: false });
      placed = true;
    }
    if (m.role === 'assistant' && m.toolCalls !== undefined) out.push({ ...m, content: m.content + m.toolCalls.map(internlm2Action).join('') });
    else if (m.role === 'environment') out.push({ ...m, role: 'environment name=<|plugin|>' });
    else out.push(m);
  }
  if (!placed) out.push({ role: 'system name=<|plugin|>', content: stringifyExactValue(tools), train: false });
  return out;
}

function encodePretrain(text: string, tok: SentencePieceTokenizer, opts: SampleOptions): number[] {
  const out: number[] = [];
  if (opts.bos ?? true) out.push(tok.bosId);
  tok.encode(text, { special: opts.specialInText ?? false }, out);
  if (opts.eos ?? true) out.push(tok.eosId);
  return out;
}

/** One line of an InternEvo `.bin` file: byte-identical to Python's `json.dumps({"tokens": ids}) + "\n"`. */
export function tokensLine(ids: ArrayLike<number>): string {
  let s = '{"tokens": [';
  for (let i = 0; i < ids.length; i++) s += i === 0 ? String(ids[i]) : ', ' + String(ids[i]);
  return s + ']}\n';
}
