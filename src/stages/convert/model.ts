import { table } from '../../core/own.js';
/** Roles of the neutral conversation model every input format is read into. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** A tool (function) call made by the assistant: OpenAI's shape, arguments as a JSON string. */
export interface ToolCall {
  id?: string;
  name: string;
  arguments: string;
}

/**
 * One message of a conversation. `loss: false` marks an assistant message trained without loss.
 * An assistant message may carry `toolCalls`; a `tool` message is a tool's result, with the
 * call's id and the tool's name when the input gave them.
 */
export interface Msg {
  role: Role;
  content: string;
  loss?: boolean;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  name?: string;
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
 * Role names seen in SFT data, lower-cased, mapped to the neutral roles. Tool results
 * (observations, function/tool responses, InternLM2's environment) map to `tool`; the calls
 * themselves (`function_call`, `tool_call`, ShareGPT style) are read as assistant messages with
 * `toolCalls` (see `CALL_ROLES`).
 */
export const ROLE_NAMES: Readonly<Record<string, Role>> = table({
  user: 'user', human: 'user', prompter: 'user', question: 'user', usr: 'user',
  assistant: 'assistant', gpt: 'assistant', chatgpt: 'assistant', bot: 'assistant', model: 'assistant',
  ai: 'assistant', bard: 'assistant', bing: 'assistant', claude: 'assistant', answer: 'assistant',
  system: 'system', developer: 'system',
  tool: 'tool', function: 'tool', function_call: 'assistant', observation: 'tool', tool_call: 'assistant',
  tool_response: 'tool', ipython: 'tool', environment: 'tool', plugin: 'tool', interpreter: 'tool',
});

/** ShareGPT role names whose value is a tool call (JSON `{name, arguments}` or a list of them). */
export const CALL_ROLES: ReadonlySet<string> = new Set(['function_call', 'tool_call']);
