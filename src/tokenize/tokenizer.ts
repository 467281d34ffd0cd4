import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { BpeEncoderOptions } from './bpe.js';
import { BpeEncoder, SPACE_SYMBOL } from './bpe.js';
import type { CompiledModel } from './compiled.js';
import { findTables } from './compiled.js';
import type { Normalize } from './normalizer.js';
import { makeNormalizer } from './normalizer.js';
import type { SentencePieceModel } from './sentencepiece-model.js';
import { parseSentencePieceModel, PieceType } from './sentencepiece-model.js';

/**
 * The InternLM2 / InternLM2.5 chat tokens. The raw `.model` file names ids 92538-92543
 * `[UNUSED_TOKEN_141..146]`; the chat models' HF tokenizer config gives them these names.
 */
export const INTERNLM2_SPECIAL_TOKENS: Readonly<Record<string, number>> = Object.freeze({
  '<|plugin|>': 92538,
  '<|interpreter|>': 92539,
  '<|action_end|>': 92540,
  '<|action_start|>': 92541,
  '<|im_end|>': 92542,
  '<|im_start|>': 92543,
});

/** Options of `SentencePieceTokenizer`. */
export interface TokenizerOptions extends BpeEncoderOptions {
  /**
   * Extra special tokens (name → id) that `encode(text, { special: true })` splits out of the
   * text. Default: the InternLM2 chat tokens when the model has 92,544 pieces and
   * `[UNUSED_TOKEN_146]` at 92543, else none.
   */
  specialTokens?: Readonly<Record<string, number>>;
  /**
   * Folder of compiled tables that `fromBytes` (and `load`, `loadSync`) look in. Default: the
   * package's own (dist/tokenize/, written by the build for the bundled InternLM2 model).
   */
  tablesDir?: string;
}

/** Options of `SentencePieceTokenizer.encode`. */
export interface EncodeOptions {
  /** Split the special tokens (`<|im_start|>`, ...) out of the text and map them to their ids. Default false: they are plain text. */
  special?: boolean;
}

/**
 * A SentencePiece BPE tokenizer loaded from a `.model` file, giving the same ids as the reference
 * `sentencepiece` library (`SentencePieceProcessor.encode(text)`), plus optional splitting of
 * chat special tokens the way HF tokenizers treat their added tokens.
 */
export class SentencePieceTokenizer {
  readonly model: SentencePieceModel;
  /** Begin-of-sequence id (`<s>`, 1 for InternLM2), or -1 when the model has none. */
  readonly bosId: number;
  /** End-of-sequence id (`</s>`, 2 for InternLM2), or -1. */
  readonly eosId: number;
  readonly unkId: number;
  /** Number of pieces (the vocabulary size). */
  readonly vocabSize: number;
  /** Special tokens split out by `encode(text, { special: true })`. */
  readonly specialTokens: Readonly<Record<string, number>>;
  private readonly normalize: Normalize;
  private readonly bpe: BpeEncoder;
  private readonly specialRe: RegExp | null;

  constructor(model: SentencePieceModel, options: TokenizerOptions = {}) {
    const compiled = compiledModels.get(model);
    this.model = model;
    this.normalize = makeNormalizer(model.normalizer, model.trainer);
    this.bpe = new BpeEncoder(model, options, compiled?.tables);
    // With compiled tables, model.pieces is parsed only when first read (decode, idToPiece, tokenId).
    this.vocabSize = compiled?.tables.vocab ?? model.pieces.length;
    const lastPiece = compiled?.lastPiece ?? model.pieces[this.vocabSize - 1].piece;
    const idOf = (id: number): number => (id >= 0 && id < this.vocabSize ? id : -1);
    this.bosId = idOf(model.trainer.bosId);
    this.eosId = idOf(model.trainer.eosId);
    this.unkId = idOf(model.trainer.unkId);
    const looksInternLM2 = this.vocabSize === 92544 && lastPiece === '[UNUSED_TOKEN_146]';
    this.specialTokens = Object.freeze({ ...(options.specialTokens ?? (looksInternLM2 ? INTERNLM2_SPECIAL_TOKENS : {})) });
    for (const [name, id] of Object.entries(this.specialTokens)) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`special token ${name} has id ${id}, outside the vocabulary`);
    }
    const names = Object.keys(this.specialTokens).sort((a, b) => b.length - a.length);
    this.specialRe = names.length === 0 ? null : new RegExp(names.map(escapeRe).join('|'), 'g');
  }

  /** Load a `.model` file. */
  static async load(path: string, options?: TokenizerOptions): Promise<SentencePieceTokenizer> {
    return SentencePieceTokenizer.fromBytes(await readFile(path), options);
  }

  /** Load a `.model` file synchronously. */
  static loadSync(path: string, options?: TokenizerOptions): SentencePieceTokenizer {
    return SentencePieceTokenizer.fromBytes(readFileSync(path), options);
  }

  /**
   * A tokenizer for the bytes of a `.model` file. When the build compiled tables for a model with
   * these bytes (the bundled InternLM2 model; see compiled.ts), they are read instead of parsing
   * the pieces and deriving the merge table: the same ids for a fraction of the CPU time.
   */
  static fromBytes(bytes: Uint8Array, options?: TokenizerOptions): SentencePieceTokenizer {
    const compiled = findTables(bytes, options?.tablesDir);
    if (compiled === null) return new SentencePieceTokenizer(parseSentencePieceModel(bytes), options);
    compiledModels.set(compiled.model, compiled);
    return new SentencePieceTokenizer(compiled.model, options);
  }

  /** The id of a special token or of a piece, or undefined. */
  tokenId(name: string): number | undefined {
    const s = this.specialTokens[name];
    if (s !== undefined) return s;
    const i = this.model.pieces.findIndex((p) => p.piece === name);
    return i < 0 ? undefined : i;
  }

  /** Encode text to ids, appending to `out`. No BOS/EOS is added (as `sp.encode`). */
  encode(text: string, options?: EncodeOptions, out: number[] = []): number[] {
    if (options?.special && this.specialRe !== null) {
      const re = this.specialRe;
      re.lastIndex = 0;
      let last = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > last) this.bpe.encode(this.normalize(text.slice(last, m.index)), out);
        out.push(this.specialTokens[m[0]]);
        last = m.index + m[0].length;
      }
      if (last < text.length) this.bpe.encode(this.normalize(text.slice(last)), out);
      return out;
    }
    if (text.length > 0) this.bpe.encode(this.normalize(text), out);
    return out;
  }

  /** The piece text of an id (special tokens by their chat names). */
  idToPiece(id: number): string {
    for (const [name, sid] of Object.entries(this.specialTokens)) if (sid === id) return name;
    const p = this.model.pieces[id];
    if (p === undefined) throw new RangeError(`id ${id} is outside the vocabulary of ${this.vocabSize}`);
    return p.piece;
  }

  /** Decode ids back to text (byte pieces reassembled, `▁` back to spaces, control pieces dropped). */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    const parts: string[] = [];
    const flush = (): void => {
      if (bytes.length > 0) parts.push(Buffer.from(bytes).toString('utf8'));
      bytes.length = 0;
    };
    for (const raw of ids) {
      const id = Math.abs(raw);
      const p = this.model.pieces[id];
      if (p === undefined) throw new RangeError(`id ${id} is outside the vocabulary of ${this.vocabSize}`);
      if (p.type === PieceType.byte) {
        bytes.push(parseInt(p.piece.slice(3, 5), 16));
        continue;
      }
      flush();
      if (p.type === PieceType.control) continue;
      const special = Object.entries(this.specialTokens).find(([, sid]) => sid === id);
      parts.push(special !== undefined ? special[0] : p.piece.split(SPACE_SYMBOL).join(' '));
    }
    flush();
    return parts.join('');
  }
}

/** Compiled tables of the models `fromBytes` read from them. */
const compiledModels = new WeakMap<SentencePieceModel, CompiledModel>();

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
