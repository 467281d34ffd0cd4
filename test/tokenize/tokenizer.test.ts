import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSentencePieceModel, PieceType, ModelType } from '../../src/tokenize/sentencepiece-model.js';
import { INTERNLM2_SPECIAL_TOKENS, SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { TOKENIZER_MODEL } from '../helpers/run.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const modelPath = TOKENIZER_MODEL;
const fixture = path.resolve(repoRoot, 'fixtures/tokenizer/expected_ids.jsonl');

interface Case {
  id: number;
  source: string;
  text: string;
  ids: number[];
  special?: boolean;
}
const cases: Case[] = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Case);

const tok = SentencePieceTokenizer.loadSync(modelPath);

describe('SentencePiece model parsing (InternLM2)', () => {
  const model = parseSentencePieceModel(readFileSync(modelPath));
  it('reads the specs the encoder depends on', () => {
    expect(model.pieces).toHaveLength(92544);
    expect(model.trainer.modelType).toBe(ModelType.bpe);
    expect(model.trainer.byteFallback).toBe(true);
    expect(model.normalizer).toMatchObject({ name: 'identity', addDummyPrefix: false, removeExtraWhitespaces: false, escapeWhitespaces: true });
    expect(model.pieces.slice(0, 3).map((p) => [p.piece, p.type])).toEqual([
      ['<unk>', PieceType.unknown],
      ['<s>', PieceType.control],
      ['</s>', PieceType.control],
    ]);
    expect(model.pieces[3].piece).toBe('<0x00>');
    expect(model.pieces[65402].piece).toBe('\ufeff'); // a BOM piece survives decoding
    expect(model.pieces[92543]).toEqual({ piece: '[UNUSED_TOKEN_146]', score: 0, type: PieceType.userDefined });
  });
  it('exposes BOS/EOS and the chat tokens', () => {
    expect([tok.bosId, tok.eosId, tok.unkId]).toEqual([1, 2, 0]);
    expect(tok.specialTokens).toEqual(INTERNLM2_SPECIAL_TOKENS);
    expect(tok.tokenId('<|im_start|>')).toBe(92543);
    expect(tok.tokenId('<|im_end|>')).toBe(92542);
  });
});

describe('ids equal the reference sentencepiece 0.1.97, text by text', () => {
  it(`has a few hundred fixture texts`, () => {
    expect(cases.length).toBeGreaterThan(300);
  });
  for (const c of cases) {
    it(`${c.id} ${c.source}`, () => {
      expect(tok.encode(c.text, { special: c.special === true })).toEqual(c.ids);
    });
  }
  it('gives the same ids with the chunk cache on, cold and warm', () => {
    const cached = SentencePieceTokenizer.loadSync(modelPath, { cacheSize: 1000 });
    for (let pass = 0; pass < 2; pass++) for (const c of cases.filter((x) => !x.special)) expect(cached.encode(c.text)).toEqual(c.ids);
  });
  it('gives the same ids for a whole document as for its fixture pieces joined by a space-free boundary', () => {
    // Long inputs exercise the heap path on chunks longer than the cache limit.
    const long = cases.filter((c) => !c.special && c.source.startsWith('web/zh/')).map((c) => c.text).join('');
    const ids = tok.encode(long);
    expect(tok.decode(ids)).toBe(long);
  });
});

describe('decode', () => {
  it('round-trips the fixture texts', () => {
    for (const c of cases) {
      // `[UNUSED_TOKEN_146]` in raw text is the user-defined piece 92543, which decodes as `<|im_start|>`.
      // A literal U+2581 is a space once encoded (upstream decodes it as a space too).
      const text = c.text.replace('[UNUSED_TOKEN_146]', '<|im_start|>').replaceAll('\u2581', ' ');
      expect(tok.decode(c.ids)).toBe(text);
    }
  });
  it('maps the literal user-defined piece [UNUSED_TOKEN_146] to the id of <|im_start|>, as upstream does', () => {
    expect(tok.encode('[UNUSED_TOKEN_146]')).toEqual([92543]);
    expect(tok.encode('<|im_start|>')).not.toEqual([92543]);
    expect(tok.encode('<|im_start|>', { special: true })).toEqual([92543]);
  });
});

describe('properties', () => {
  it('decodes what it encodes, for any Unicode text (byte fallback included)', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const text = s.replaceAll('\u2581', ' ');
        fc.pre(!text.includes('[UNUSED_TOKEN_146]'));
        expect(tok.decode(tok.encode(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
