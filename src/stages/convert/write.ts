import type { JsonObject } from '../../core/doc.js';
import type { Checked, CheckedTools } from './check.js';
import type { Msg, OutputFormat, ToolCall } from './model.js';
import { restringify, stringifyExactValue } from '../../io/json.js';

/** Whether loss flags are written: on every assistant message/turn (`all`) or on none (`omit`). */
export type LossMode = 'omit' | 'all';

/**
 * XTuner v0 conversation record. Every turn has the same keys — `system` ("" after turn 0),
 * `input`, `output`, and `output_with_loss` when `loss` is `all` — so Arrow never has to fill
 * a missing key with null.
 */
export function toConversation(c: Checked, loss: LossMode): JsonObject {
  return {
    conversation: c.pairs.map((p, i) => {
      const turn: JsonObject = { system: i === 0 ? c.system : '', input: p.user, output: p.assistant.content };
      if (loss === 'all') turn.output_with_loss = p.assistant.loss !== false;
      return turn;
    }),
  };
}

/**
 * XTuner OpenAI-messages record (`openai_map_fn`, XTuner v1 `OpenaiTokenizeFunction`): only
 * `role`, `content` and, with `loss: all`, `loss` on every assistant message (v1 forbids
 * extra keys inside messages).
 */
export function toMessages(c: Checked, loss: LossMode): JsonObject {
  const messages: JsonObject[] = [];
  if (c.system !== '') messages.push({ role: 'system', content: c.system });
  for (const p of c.pairs) {
    messages.push({ role: 'user', content: p.user });
    const a: JsonObject = { role: 'assistant', content: p.assistant.content };
    if (loss === 'all') a.loss = p.assistant.loss !== false;
    messages.push(a);
  }
  return { messages };
}

/** A conversation as one pretraining text: its messages joined by blank lines. */
export function flatten(c: Checked): string {
  const parts: string[] = [];
  if (c.system !== '') parts.push(c.system);
  for (const p of c.pairs) parts.push(p.user, p.assistant.content);
  return parts.join('\n\n');
}

/** The output record for a text (pretraining) input. */
export function textRecord(text: string, to: OutputFormat): JsonObject {
  switch (to) {
    case 'xtuner-conversation':
      // XTuner's incremental-pretraining form (docs: incremental_pretraining.md).
      return { conversation: [{ system: '', input: '', output: text }] };
    case 'xtuner-openai':
      // XTuner v1 PretrainTokenizeFunction accepts a single `pretrain` message.
      return { messages: [{ role: 'pretrain', content: text }] };
    case 'pretrain-text':
      return { text };
    case 'pretrain-content':
      return { content: text };
  }
}

/** The output record for a checked conversation. */
export function chatRecord(c: Checked, to: OutputFormat, loss: LossMode): JsonObject {
  switch (to) {
    case 'xtuner-conversation':
      return toConversation(c, loss);
    case 'xtuner-openai':
      return toMessages(c, loss);
    case 'pretrain-text':
      return { text: flatten(c) };
    case 'pretrain-content':
      return { content: flatten(c) };
  }
}

/** A call in InternLM2's action syntax (InternLM chat_format.md): `<|action_start|><|plugin|>\n{"name", "parameters"}<|action_end|>`. */
export function internlm2Action(c: ToolCall): string {
  let params: string;
  try {
    // As JSON.stringify(JSON.parse(...)) writes it, numbers a double cannot hold kept as written.
    params = restringify(c.arguments);
  } catch {
    // arguments that are not JSON stay a string
    params = JSON.stringify(c.arguments);
  }
  return `<|action_start|><|plugin|>\n{"name":${JSON.stringify(c.name)},"parameters":${params}}<|action_end|>`;
}

/** An assistant message as text: its words, then its calls in InternLM2's action syntax. */
function assistantText(m: Msg): string {
  return m.content + (m.toolCalls ?? []).map(internlm2Action).join('');
}

/** The system prompt with the tool list (one JSON line) after a blank line. */
function systemWithTools(system: string, tools: unknown[] | null): string {
  if (tools === null || tools.length === 0) return system;
  const list = stringifyExactValue(tools);
  return system === '' ? list : `${system}\n\n${list}`;
}

/**
 * A tool dialogue as XTuner v0 conversation turns, which have no tool role: each assistant
 * message ends a turn (its calls written in InternLM2's action syntax), and tool results become
 * the next turn's input (joined by `\n`), which is trained without loss; the tool list goes into
 * the first turn's system prompt.
 */
export function toolsToConversation(c: CheckedTools, tools: unknown[] | null, loss: LossMode): JsonObject {
  const turns: JsonObject[] = [];
  let input = '';
  for (const m of c.messages) {
    if (m.role === 'user' || m.role === 'tool') input = input === '' ? m.content : `${input}\n${m.content}`;
    else if (m.role === 'assistant') {
      const turn: JsonObject = { system: turns.length === 0 ? systemWithTools(c.system, tools) : '', input, output: assistantText(m) };
      if (loss === 'all') turn.output_with_loss = m.loss !== false;
      turns.push(turn);
      input = '';
    }
  }
  return { conversation: turns };
}

/**
 * A tool dialogue as XTuner v1 OpenAI messages (`ChatMsg` allows role `tool`, `tool_calls`,
 * `tool_call_id` and `name`; `tools` is read at the top level): calls as
 * `{id?, type: "function", function: {name, arguments}}` with arguments a JSON string.
 */
export function toolsToMessages(c: CheckedTools, tools: unknown[] | null, loss: LossMode): JsonObject {
  const messages: JsonObject[] = [];
  if (c.system !== '') messages.push({ role: 'system', content: c.system });
  for (const m of c.messages) {
    const o: JsonObject = { role: m.role, content: m.content };
    if (m.toolCalls !== undefined) {
      o.tool_calls = m.toolCalls.map((t) => {
        const call: JsonObject = {};
        if (t.id !== undefined) call.id = t.id;
        call.type = 'function';
        call.function = { name: t.name, arguments: t.arguments };
        return call;
      });
    }
    if (m.role === 'tool') {
      if (m.toolCallId !== undefined) o.tool_call_id = m.toolCallId;
      if (m.name !== undefined) o.name = m.name;
    }
    if (m.role === 'assistant' && loss === 'all') o.loss = m.loss !== false;
    messages.push(o);
  }
  const out: JsonObject = { messages };
  if (tools !== null && tools.length > 0) out.tools = tools;
  return out;
}

/** The output record for a checked tool dialogue. */
export function toolsRecord(c: CheckedTools, tools: unknown[] | null, to: OutputFormat, loss: LossMode): JsonObject {
  switch (to) {
    case 'xtuner-conversation':
      return toolsToConversation(c, tools, loss);
    case 'xtuner-openai':
      return toolsToMessages(c, tools, loss);
    case 'pretrain-text':
    case 'pretrain-content': {
      const parts: string[] = [];
      const sys = systemWithTools(c.system, tools);
      if (sys !== '') parts.push(sys);
      for (const m of c.messages) parts.push(m.role === 'assistant' ? assistantText(m) : m.content);
      return to === 'pretrain-text' ? { text: parts.join('\n\n') } : { content: parts.join('\n\n') };
    }
  }
}
