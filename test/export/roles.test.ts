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

describe("XTuner's incremental-pretraining samples (new-user review 10 #16)", () => {
  // What `convert --from text` writes: one turn, no system, no input.
  const ipt = { conversation: [{ system: '', input: '', output: "Hello! What's your name?" }] };
  const plain = encodeSample({ text: "Hello! What's your name?" }, tok);

  it('are BOS + text + EOS, as XTuner trains them, with --kind auto or pretrain; a chat with --kind chat only when it has a user turn', () => {
    expect(plain[0]).toBe(tok.bosId);
    expect(encodeSample(ipt, tok)).toEqual(plain);
    expect(encodeSample(ipt, tok, { kind: 'pretrain' })).toEqual(plain);
    expect(encodeSample({ conversation: [{ output: "Hello! What's your name?" }] }, tok)).toEqual(plain);
    // a real turn (an input, or a system prompt) stays a chat
    const withInput = encodeSample({ conversation: [{ input: 'hi', output: "Hello! What's your name?" }] }, tok);
    expect(withInput.some((x) => x < 0)).toBe(true);
    // a system prompt makes it a chat, whose empty user turn is a reject
    expect(() => encodeSample({ conversation: [{ system: 'be brief', input: '', output: 'ok' }] }, tok)).toThrow(SampleError);
  });

  it('become XTuner v1 pretraining records', () => {
    expect(toXtunerV1(ipt)).toEqual({ messages: [{ role: 'pretrain', content: "Hello! What's your name?" }] });
    expect(toXtunerV1(ipt, { kind: 'pretrain' })).toEqual({ content: "Hello! What's your name?" });
  });
});

describe('a chat whose message content is Parquet bytes that are not UTF-8 (hostile review 9 F53)', () => {
  it('is an invalid_utf8 reject for InternEvo and XTuner v1, never its base64 as a turn', async () => {
    const { readFiles } = await import('../../src/io/readers/index.js');
    const { drain, ROOT } = await import('../helpers/run.js');
    const { join } = await import('node:path');
    const d = await drain(readFiles([join(ROOT, 'fixtures/parquet/messages-gbk-blob.parquet')]));
    expect(d.docs).toHaveLength(1);
    const record = d.docs[0].data;
    for (const f of [() => encodeSample(record, tok), () => toXtunerV1(record)]) {
      expect(f).toThrow(SampleError);
      try {
        f();
      } catch (e) {
        expect((e as SampleError).reason).toBe('invalid_utf8');
      }
    }
  });
});
