import type { JsonObject } from '../../core/doc.js';
import type { Checked } from './check.js';
import type { OutputFormat } from './model.js';

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
