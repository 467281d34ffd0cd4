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
  | `keep_type:${string}`;

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
 * - a tool/function/observation message: `convert:tool_role` (no target here can hold one);
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
