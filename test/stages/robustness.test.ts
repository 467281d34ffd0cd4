import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { JsonObject } from '../../src/core/doc.js';
import { pipeline } from '../../src/core/pipeline.js';
import { balanced } from '../../src/core/stats.js';
import { collect, fromRecords } from '../../src/io/memory.js';
import type { Stage } from '../../src/core/stage.js';
import { tokenizeStage, type TokenizeOptions } from '../../src/export/tokenize-stage.js';
import { defaultRegistry } from '../../src/stages/index.js';
import { SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { TOKENIZER_MODEL } from '../helpers/run.js';

/** Odd but valid JSON records: every stage must keep, change or reject them, never throw. */
const odd: JsonObject[] = [
  { text: '' },
  { text: ' \n\t ' },
  { text: 42 },
  { text: null },
  { text: ['a', 'b'] },
  { text: { nested: 'x' } },
  { content: 'only content' },
  { text: '\ud800 lone surrogate \udfff' },
  { text: '😀'.repeat(1000) },
  { text: 'a'.repeat(200_000) },
  { text: '中'.repeat(50_000) },
  { text: 'word '.repeat(20_000) },
  { text: '\u0000\u0001\u0002 control' },
  { text: 'x', attrs: 'not an object' },
  { text: 'x', attrs: { quality: 'odd' } },
  { messages: 'not a list' },
  { messages: [{ role: 'user' }, { role: 'assistant', content: 5 }] },
  { messages: [] },
  { conversation: [{ input: 1, output: null }] },
  { conversations: [{ from: 'human' }, null, 3] },
  { instruction: null, input: [], output: {} },
  { id: 1 },
  {},
];

const jsonObject = fc.dictionary(
  fc.constantFrom('text', 'content', 'id', 'messages', 'instruction', 'output', 'conversation', 'attrs', 'title'),
  fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.integer(), fc.constant(null), fc.array(fc.oneof(fc.string(), fc.dictionary(fc.constantFrom('role', 'content', 'from', 'value', 'input', 'output'), fc.oneof(fc.string(), fc.integer())))), fc.boolean()),
);

describe('every built-in stage on odd records', () => {
  const registry = defaultRegistry();
  const options: Record<string, Record<string, unknown>> = {
    tokenize: { tokenizer: TOKENIZER_MODEL },
    'url-filter': { block: [new URL('../../rules/url-lists/example-gambling.txt', import.meta.url).pathname] },
  };
  // A fresh stage per property run (stages such as dedup keep state), but the 1.5 MB tokenizer
  // model is loaded once: the registry's factory would load it on every create.
  let tok: SentencePieceTokenizer | undefined;
  const loads = vi.spyOn(SentencePieceTokenizer, 'loadSync');
  // The files of a worker may share their modules (isolate: false, vitest.config.ts): the spy ends with this file.
  afterAll(() => loads.mockRestore());
  const fresh = async (name: string): Promise<Stage> => {
    if (name !== 'tokenize') return registry.create(name, options[name] ?? {});
    tok ??= SentencePieceTokenizer.loadSync(TOKENIZER_MODEL);
    return tokenizeStage(registry.resolve(name, options[name]) as unknown as TokenizeOptions, tok);
  };
  for (const name of registry.names()) {
    it(`${name}: keeps, changes or rejects every record, never throws, and the counts add up`, async () => {
      const stage = await registry.create(name, options[name] ?? {});
      const sink = collect();
      const stats = await pipeline({ source: fromRecords(odd), stages: [stage], sink });
      expect(balanced(stats)).toBe(true);
      expect(stats.read).toBe(odd.length);
      await fc.assert(
        fc.asyncProperty(fc.array(jsonObject, { maxLength: 20 }), async (records) => {
          const s = await pipeline({ source: fromRecords(records as JsonObject[]), stages: [await fresh(name)], sink: collect() });
          return balanced(s) && s.read === records.length;
        }),
        { numRuns: 60 },
      );
      if (name === 'tokenize') expect(loads.mock.calls.length, 'the model is loaded once, not per run').toBeLessThanOrEqual(2);
    });
  }
});
