import type { JsonObject } from '../core/doc.js';
import { textFieldOf } from '../core/doc.js';
import type { SampleOptions } from './sample.js';
import { chatMessages, chatTools, checkTurns, incrementalPretrain, pretrainText, sampleText, SampleError } from './sample.js';
import { adoptExact } from '../io/json.js';

/** Roles XTuner v1's `ChatMsg` accepts. */
export const XTUNER_V1_ROLES: readonly string[] = ['assistant', 'user', 'system', 'developer', 'pretrain', 'tool'];

/**
 * A record in XTuner v1's JSONL form: pretraining text becomes `{"content": text}`
 * (`PretrainTokenizeFunction`); chat records (`messages` or XTuner's `conversation`) become
 * `{"messages": [{role, content, loss?}]}` with no other keys, since XTuner v1 forbids extra keys
 * in a message. `loss: false` is written only on assistant messages that are not targets.
 * Throws `SampleError` (`no_text`, `text_empty`, `bad_messages`, `no_target`) for records that cannot be converted.
 */
export function toXtunerV1(record: JsonObject, opts: SampleOptions = {}): JsonObject {
  const kind = opts.kind ?? 'auto';
  if (kind !== 'pretrain') {
    const messages = chatMessages(record);
    if (messages !== null) {
      if (messages.length === 0) throw new SampleError('bad_messages', 'the chat has no messages');
      const bad = messages.find((m) => !XTUNER_V1_ROLES.includes(m.role));
      if (bad !== undefined) throw new SampleError('bad_messages', `role '${bad.role}' is not one of ${XTUNER_V1_ROLES.join(', ')}`);
      // XTuner drops a chat whose labels are all -100 without a word; say so here instead.
      if (!messages.some((m) => m.train || m.role === 'pretrain')) throw new SampleError('no_target', 'no message of the chat is a training target');
      // Lone surrogates and white-space turns are rejects, as in InternEvo's samples (hostile review 8 F22).
      if (messages.every((m) => m.role === 'pretrain')) pretrainText(messages);
      else checkTurns(messages);
      const out: JsonObject = {
        messages: messages.map((m) => {
          const o: JsonObject = { role: m.role, content: m.content };
          // Tool dialogues keep their calls and results as XTuner v1's ChatMsg reads them.
          if (m.toolCalls !== undefined) {
            o.tool_calls = m.toolCalls.map((t) => (t.id === undefined ? { type: 'function', function: { name: t.name, arguments: t.arguments } } : { id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
          }
          if (m.toolCallId !== undefined) o.tool_call_id = m.toolCallId;
          if (m.name !== undefined && m.role === 'tool') o.name = m.name;
          if (m.role === 'assistant' && !m.train) o.loss = false;
          return o;
        }),
      };
      const tools = chatTools(record);
      if (tools !== null) out.tools = tools;
      // The tools of the record keep the digits of their numbers (a double cannot hold them all).
      adoptExact(out, record);
      return out;
    }
    if (kind === 'chat') throw new SampleError('bad_messages', 'the record has neither `messages` nor `conversation`');
  }
  const field = textFieldOf(record, opts.textField);
  if (field === undefined && kind === 'pretrain') {
    // --kind pretrain over XTuner's pretraining chats: their text.
    const messages = incrementalPretrain(record);
    if (messages !== null) return { content: pretrainText(messages) };
  }
  const text = field === undefined ? undefined : record[field];
  return { content: sampleText(text) };
}
