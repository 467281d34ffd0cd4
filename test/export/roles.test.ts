import { describe, expect, it } from 'vitest';
import { encodeSample, SampleError } from '../../src/export/sample.js';
import { toXtunerV1 } from '../../src/export/xtuner-v1.js';
import { SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { TOKENIZER_MODEL } from '../helpers/run.js';

const tok = SentencePieceTokenizer.loadSync(TOKENIZER_MODEL);
const chat = (roles: string[]): { messages: { role: string; content: string }[] } => ({ messages: roles.map((role, i) => ({ role, content: `turn ${i}` })) });

describe('chat roles in the InternLM2 template', () => {
  it('renders tool and function results as environment, and ShareGPT human/gpt as user/assistant', () => {
    expect(encodeSample(chat(['user', 'tool', 'assistant']), tok)).toEqual(encodeSample(chat(['user', 'environment', 'assistant']), tok));
    expect(encodeSample(chat(['user', 'function', 'assistant']), tok)).toEqual(encodeSample(chat(['user', 'environment', 'assistant']), tok));
    expect(encodeSample(chat(['human', 'gpt']), tok)).toEqual(encodeSample(chat(['user', 'assistant']), tok));
  });

  it('rejects a role the template has no name for', () => {
    expect(() => encodeSample(chat(['user', 'critic', 'assistant']), tok)).toThrow(SampleError);
    try {
      encodeSample(chat(['user', 'critic', 'assistant']), tok);
    } catch (e) {
      expect((e as SampleError).reason).toBe('bad_messages');
    }
  });

  it('keeps XTuner v1 roles as XTuner v1 names them', () => {
    expect(toXtunerV1(chat(['user', 'tool', 'assistant']))).toEqual({ messages: chat(['user', 'tool', 'assistant']).messages });
  });
});
