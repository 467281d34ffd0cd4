import type { Msg } from './model.js';

/** Repairs `checkConversation` may make, as counter names (`repair:<name>`). */
export type RepairKind =
  | 'system_merged'
  | 'empty_system_dropped'
  | 'system_added'
  | 'empty_last_answer_dropped'
  | 'leading_assistant_dropped'
  | 'users_merged'
  | 'trailing_user_dropped'
  | 'no_input_dropped';

/** The checked conversation: an optional system prompt and user/assistant pairs. */
export interface Checked {
  system: string;
  pairs: Array<{ user: string; assistant: Msg }>;
}

const blank = (s: string): boolean => s.trim() === '';

/**
 * Bring a conversation into the shape XTuner trains on — optional system first, then strict
 * user/assistant alternation ending with an answer — repairing what a rule can and naming
 * what it cannot. Rules, in order:
 * - a tool call or result: `convert:tool_role` (tool dialogues go through `checkToolDialogue`);
 * - leading system messages are joined with `\n`; an empty one is dropped; a system message
 *   after the dialogue started is `convert:role_order`; `defaultSystem` fills a missing one;
 * - an empty final answer is dropped with its question when earlier exchanges remain, else it
 *   is `convert:empty_turn`; any other empty user or assistant message is `convert:empty_turn`;
 * - assistant messages before the first user message are dropped (XTuner skips them too);
 * - consecutive user messages are joined with `\n` (XTuner would join them with nothing);
 *   consecutive assistant messages are `convert:role_order` (an answer to no question);
 * - a trailing user message with no answer is dropped; when nothing is left it is
 *   `convert:trailing_user`; a record with no exchange at all is `convert:no_dialogue`.
 */
export function checkConversation(messages: readonly Msg[], defaultSystem: string | null, repairs: RepairKind[]): Checked | string {
  let i = 0;
  const systems: string[] = [];
  for (; i < messages.length && messages[i].role === 'system'; i++) systems.push(messages[i].content);
  for (let j = i; j < messages.length; j++) {
    const r = messages[j].role;
    if (r === 'tool') return 'convert:tool_role';
    if (r === 'system') return 'convert:role_order';
  }
  const nonEmpty = systems.filter((s) => !blank(s));
  if (nonEmpty.length < systems.length) repairs.push('empty_system_dropped');
  if (nonEmpty.length > 1) repairs.push('system_merged');
  let system = nonEmpty.join('\n');
  if (system === '' && defaultSystem !== null && defaultSystem !== '') {
    system = defaultSystem;
    repairs.push('system_added');
  }
  let rest = messages.slice(i);
  const last = rest[rest.length - 1];
  const emptyLast = last !== undefined && last.role === 'assistant' && blank(last.content);
  if (emptyLast) rest = rest.slice(0, -1);
  for (const m of rest) if (blank(m.content)) return 'convert:empty_turn';
  let start = 0;
  while (start < rest.length && rest[start].role === 'assistant') start++;
  if (start > 0) repairs.push('leading_assistant_dropped');
  const pairs: Checked['pairs'] = [];
  let user: string | null = null;
  let merged = false;
  for (let j = start; j < rest.length; j++) {
    const m = rest[j];
    if (m.role === 'user') {
      if (user === null) user = m.content;
      else {
        user += '\n' + m.content;
        merged = true;
      }
    } else {
      if (user === null) return 'convert:role_order';
      pairs.push({ user, assistant: m });
      user = null;
    }
  }
  if (merged) repairs.push('users_merged');
  if (user !== null) {
    // An empty final answer leaves the exchange unanswered: say so when nothing else is left.
    if (pairs.length === 0) return emptyLast ? 'convert:empty_turn' : 'convert:trailing_user';
    repairs.push(emptyLast ? 'empty_last_answer_dropped' : 'trailing_user_dropped');
  }
  if (pairs.length === 0) return 'convert:no_dialogue';
  return { system, pairs };
}

/** A checked tool dialogue: an optional system prompt and user, assistant (with or without calls) and tool messages. */
export interface CheckedTools {
  system: string;
  messages: Msg[];
}

/** True when a conversation holds a tool call or a tool result. */
export function hasTools(messages: readonly Msg[]): boolean {
  return messages.some((m) => m.role === 'tool' || m.toolCalls !== undefined);
}

const isCall = (m: Msg | undefined): boolean => m !== undefined && m.role === 'assistant' && m.toolCalls !== undefined;

/**
 * Bring a tool dialogue into the shape XTuner v1 trains on (OpenAI messages with `tool_calls`
 * and `tool` messages). Rules, in order, after the system rules of `checkConversation`:
 * - assistant messages before the first user message are dropped;
 * - consecutive user messages are joined with `\n`;
 * - a tool result must follow a call or another result (`convert:orphan_tool_result`: the call
 *   is missing, e.g. written into the answer's text), and a call must follow a user message or a
 *   tool result (`convert:role_order` otherwise); an answer must follow a user message or a
 *   tool result; an answer without text (and without calls) or an empty tool result is `convert:empty_turn`;
 * - the dialogue must end with an answer: trailing user messages, unanswered calls and their
 *   results are dropped (`trailing_user_dropped`), and `convert:trailing_user` when nothing is left.
 */
export function checkToolDialogue(messages: readonly Msg[], defaultSystem: string | null, repairs: RepairKind[]): CheckedTools | string {
  let i = 0;
  const systems: string[] = [];
  for (; i < messages.length && messages[i].role === 'system'; i++) systems.push(messages[i].content);
  const nonEmpty = systems.filter((s) => !blank(s));
  if (nonEmpty.length < systems.length) repairs.push('empty_system_dropped');
  if (nonEmpty.length > 1) repairs.push('system_merged');
  let system = nonEmpty.join('\n');
  if (system === '' && defaultSystem !== null && defaultSystem !== '') {
    system = defaultSystem;
    repairs.push('system_added');
  }
  let start = i;
  while (start < messages.length && messages[start].role === 'assistant') start++;
  if (start > i) repairs.push('leading_assistant_dropped');
  const out: Msg[] = [];
  let merged = false;
  for (let j = start; j < messages.length; j++) {
    const m = messages[j];
    const prev = out[out.length - 1];
    if (m.role === 'system') return 'convert:role_order';
    if (m.role === 'user') {
      if (blank(m.content)) return 'convert:empty_turn';
      if (prev !== undefined && prev.role === 'user') {
        out[out.length - 1] = { ...prev, content: prev.content + '\n' + m.content };
        merged = true;
      } else out.push(m);
    } else if (m.role === 'tool') {
      if (!(isCall(prev) || (prev !== undefined && prev.role === 'tool'))) return 'convert:orphan_tool_result';
      if (blank(m.content)) return 'convert:empty_turn';
      out.push(m);
    } else {
      if (prev === undefined || (prev.role !== 'user' && prev.role !== 'tool')) return 'convert:role_order';
      if (m.toolCalls === undefined && blank(m.content)) {
        // An empty final answer is dropped like a trailing question; an empty one inside is an error.
        if (j === messages.length - 1) break;
        return 'convert:empty_turn';
      }
      out.push(m);
    }
  }
  if (merged) repairs.push('users_merged');
  let end = out.length;
  while (end > 0 && !(out[end - 1].role === 'assistant' && out[end - 1].toolCalls === undefined)) end--;
  if (end === 0) return out.some((m) => m.role === 'assistant') ? 'convert:trailing_user' : 'convert:no_dialogue';
  if (end < out.length) repairs.push('trailing_user_dropped');
  return { system, messages: out.slice(0, end) };
}
