import { protoFields, ProtoError, WireType } from './protobuf.js';

/** Types of a SentencePiece piece (`ModelProto.SentencePiece.Type`). */
export const PieceType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** Model types of `TrainerSpec.model_type`. */
export const ModelType = { unigram: 1, bpe: 2, word: 3, char: 4 } as const;

/** One vocabulary entry. */
export interface Piece {
  piece: string;
  score: number;
  /** One of `PieceType`; default `normal`. */
  type: number;
}

/** The `TrainerSpec` fields the encoder needs (defaults as in sentencepiece_model.proto). */
export interface TrainerSpec {
  /** Default 1 (unigram). */
  modelType: number;
  vocabSize: number;
  /** Default false. */
  byteFallback: boolean;
  /** Default false. */
  treatWhitespaceAsSuffix: boolean;
  /** Default 0, 1, 2, -1. */
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  /** Default ' ⁇ '. */
  unkSurface: string;
}

/** The `NormalizerSpec` fields (defaults as in sentencepiece_model.proto). */
export interface NormalizerSpec {
  name: string;
  /** Compiled normalisation rules; empty for `identity`. */
  precompiledCharsmap: Uint8Array;
  /** Default true. */
  addDummyPrefix: boolean;
  /** Default true. */
  removeExtraWhitespaces: boolean;
  /** Default true: spaces become U+2581 `▁`. */
  escapeWhitespaces: boolean;
}

/** A parsed SentencePiece `ModelProto`. */
export interface SentencePieceModel {
  pieces: Piece[];
  trainer: TrainerSpec;
  normalizer: NormalizerSpec;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function str(buf: Uint8Array, start: number, end: number): string {
  return utf8.decode(buf.subarray(start, end));
}

function float32(buf: Uint8Array, start: number): number {
  return new DataView(buf.buffer, buf.byteOffset + start, 4).getFloat32(0, true);
}

function parsePiece(buf: Uint8Array, start: number, end: number): Piece {
  const p: Piece = { piece: '', score: 0, type: PieceType.normal };
  for (const f of protoFields(buf, start, end)) {
    if (f.field === 1 && f.wire === WireType.bytes) p.piece = str(buf, f.start, f.end);
    else if (f.field === 2 && f.wire === WireType.fixed32) p.score = float32(buf, f.start);
    else if (f.field === 3 && f.wire === WireType.varint) p.type = f.varint;
  }
  return p;
}

function parseTrainer(buf: Uint8Array, start: number, end: number): TrainerSpec {
  const t: TrainerSpec = {
    modelType: ModelType.unigram,
    vocabSize: 8000,
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkSurface: ' \u2047 ',
  };
  for (const f of protoFields(buf, start, end)) {
    if (f.wire === WireType.varint) {
      switch (f.field) {
        case 3: t.modelType = f.varint; break;
        case 4: t.vocabSize = f.int32; break;
        case 24: t.treatWhitespaceAsSuffix = f.varint !== 0; break;
        case 35: t.byteFallback = f.varint !== 0; break;
        case 40: t.unkId = f.int32; break;
        case 41: t.bosId = f.int32; break;
        case 42: t.eosId = f.int32; break;
        case 43: t.padId = f.int32; break;
      }
    } else if (f.wire === WireType.bytes && f.field === 44) {
      t.unkSurface = str(buf, f.start, f.end);
    }
  }
  return t;
}

function parseNormalizer(buf: Uint8Array, start: number, end: number): NormalizerSpec {
  const n: NormalizerSpec = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  for (const f of protoFields(buf, start, end)) {
    if (f.wire === WireType.bytes && f.field === 1) n.name = str(buf, f.start, f.end);
    else if (f.wire === WireType.bytes && f.field === 2) n.precompiledCharsmap = buf.slice(f.start, f.end);
    else if (f.wire === WireType.varint && f.field === 3) n.addDummyPrefix = f.varint !== 0;
    else if (f.wire === WireType.varint && f.field === 4) n.removeExtraWhitespaces = f.varint !== 0;
    else if (f.wire === WireType.varint && f.field === 5) n.escapeWhitespaces = f.varint !== 0;
  }
  return n;
}

/**
 * Parse the bytes of a SentencePiece `.model` file (a serialised `ModelProto`). Throws
 * `ProtoError` when the bytes are not a model.
 */
export function parseSentencePieceModel(buf: Uint8Array): SentencePieceModel {
  const pieces: Piece[] = [];
  let trainer: TrainerSpec | undefined;
  let normalizer: NormalizerSpec | undefined;
  for (const f of protoFields(buf)) {
    if (f.wire !== WireType.bytes) continue;
    if (f.field === 1) pieces.push(parsePiece(buf, f.start, f.end));
    else if (f.field === 2) trainer = parseTrainer(buf, f.start, f.end);
    else if (f.field === 3) normalizer = parseNormalizer(buf, f.start, f.end);
  }
  if (pieces.length === 0) throw new ProtoError('not a SentencePiece model: no pieces');
  return {
    pieces,
    trainer: trainer ?? parseTrainer(buf, 0, 0),
    normalizer: normalizer ?? parseNormalizer(buf, 0, 0),
  };
}
