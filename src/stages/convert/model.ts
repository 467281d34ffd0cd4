/** Roles of the neutral conversation model every input format is read into. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** One message of a conversation. `loss: false` marks an assistant message trained without loss. */
export interface Msg {
  role: Role;
  content: string;
  loss?: boolean;
}

/** What a reader produces: a conversation, or raw text for pretraining. */
export type Parsed = { kind: 'chat'; messages: Msg[] } | { kind: 'text'; text: string };

/** Input formats `convert` reads. */
export const INPUT_FORMATS = ['auto', 'alpaca', 'sharegpt', 'openai', 'xtuner', 'text'] as const;
/** An input format. */
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Output shapes `convert` writes. */
export const OUTPUT_FORMATS = ['xtuner-conversation', 'xtuner-openai', 'pretrain-text', 'pretrain-content'] as const;
/** An output shape. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Role names seen in SFT data, lower-cased, mapped to the neutral roles. Tool-side names
 * (function calls, observations, tool results) all map to `tool`: none of the XTuner targets
 * written here can hold them.
 */
export const ROLE_NAMES: Readonly<Record<string, Role>> = {
  user: 'user', human: 'user', prompter: 'user', question: 'user', usr: 'user',
  assistant: 'assistant', gpt: 'assistant', chatgpt: 'assistant', bot: 'assistant', model: 'assistant',
  ai: 'assistant', bard: 'assistant', bing: 'assistant', claude: 'assistant', answer: 'assistant',
  system: 'system', developer: 'system',
  tool: 'tool', function: 'tool', function_call: 'tool', observation: 'tool', tool_call: 'tool',
  tool_response: 'tool', ipython: 'tool', environment: 'tool', plugin: 'tool', interpreter: 'tool',
};
