import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BpeTables } from './bpe.js';
import { buildBpeTables, slotOrder } from './bpe.js';
import type { NormalizerSpec, Piece, SentencePieceModel, TrainerSpec } from './sentencepiece-model.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';

/**
 * Compiled tokenizer tables: what `buildBpeTables` derives from a SentencePiece model, written
 * to a file at build time (scripts/tokenizer-tables.mjs, for the InternLM2 model this package
 * ships) and read back by any process that loads a model with the same bytes, instead of
 * parsing 92,544 pieces and deriving the merge table again (about 0.7 CPU s per process).
 *
 * A file is found by the SHA-256 of the model's bytes, and used only when its header names that
 * digest and this format; anything else (no file, another format, a damaged file) falls back to
 * parsing the model, so the ids never depend on the file being there.
 */

/** Bump when `BpeTables` or the layout below changes: older files are then ignored. */
export const TABLES_FORMAT = 1;
const MAGIC = 'cc-bpe-tables\n';

/** The folder the build writes compiled tables to: this module's (dist/tokenize/; from the sources, src/tokenize/ has none). */
export const TABLES_DIR = resolve(import.meta.dirname);

/** The file name of the compiled tables of a model with SHA-256 `digest`. */
export function tablesFileName(digest: string): string {
  return `${digest}.bpe-tables`;
}

/** SHA-256 of a model's bytes, hex. */
export function modelDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Header {
  format: number;
  digest: string;
  trainer: TrainerSpec;
  normalizer: Omit<NormalizerSpec, 'precompiledCharsmap'>;
  /** Text of the last piece (the tokenizer checks it to recognise InternLM2). */
  lastPiece: string;
  vocab: number;
  reserved: [string, number][];
  userDefined: [string, number][];
  unkId: number;
  hasUnused: boolean;
  byteFallback: boolean;
  extraSymbols: string[];
  /** Element counts of the arrays that follow the header, in this order. */
  lengths: { scores: number; types: number; byteIds: number; chars: number; bigrams: number; symFinal: number; pairs: number };
}

const ARRAYS = ['scores', 'byteIds', 'bigrams', 'chars', 'symFinal', 'pairs', 'types'] as const;

/**
 * The compiled tables of `model` (whose bytes have SHA-256 `digest`), as a file's bytes: the
 * magic line, a 4-byte length, a JSON header, then the arrays, each 8-byte aligned, little-endian
 * (`pairs` and `bigrams` in `fileOrder`).
 * Throws when the model has a precompiled normaliser charsmap (not kept in the file) or cannot be
 * encoded with.
 */
export function writeTables(model: SentencePieceModel, digest: string, built: BpeTables = buildBpeTables(model)): Buffer {
  const tables = fileOrder(built);
  if (model.normalizer.precompiledCharsmap.length > 0) throw new Error('a model with a precompiled normaliser charsmap is not compiled');
  if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) throw new Error('compiled tables are written little-endian only');
  const { precompiledCharsmap: _, ...normalizer } = model.normalizer;
  const header: Header = {
    format: TABLES_FORMAT,
    digest,
    trainer: model.trainer,
    normalizer,
    lastPiece: model.pieces[model.pieces.length - 1].piece,
    vocab: tables.vocab,
    reserved: tables.reserved,
    userDefined: tables.userDefined,
    unkId: tables.unkId,
    hasUnused: tables.hasUnused,
    byteFallback: tables.byteFallback,
    extraSymbols: tables.extraSymbols,
    lengths: {
      scores: tables.scores.length,
      types: tables.types.length,
      byteIds: tables.byteIds.length,
      chars: tables.chars.length,
      bigrams: tables.bigrams.length,
      symFinal: tables.symFinal.length,
      pairs: tables.pairs.length,
    },
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), Buffer.alloc(4), json];
  parts[1].writeUInt32LE(json.length);
  let size = MAGIC.length + 4 + json.length;
  for (const name of ARRAYS) {
    const pad = (8 - (size % 8)) % 8;
    if (pad > 0) parts.push(Buffer.alloc(pad));
    const a = tables[name];
    parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    size += pad + a.byteLength;
  }
  return Buffer.concat(parts);
}

/** `tables` with `pairs` and `bigrams` in the order a file stores them (`slotOrder`): what `readTables` gives back. */
export function fileOrder(tables: BpeTables): BpeTables {
  return { ...tables, pairs: slotOrder(tables.pairs, 3), bigrams: slotOrder(tables.bigrams, 2) };
}

/** A view of `count` elements at `offset` of `buf`, or a copy when the offset is not aligned. */
function view<T>(make: new (b: ArrayBuffer, o: number, n: number) => T, bytesPer: number, buf: Buffer, offset: number, count: number): T {
  if (offset + count * bytesPer > buf.length) throw new Error('compiled tables cut short');
  const at = buf.byteOffset + offset;
  if (at % bytesPer === 0) return new make(buf.buffer as ArrayBuffer, at, count);
  const copy = new Uint8Array(count * bytesPer);
  copy.set(buf.subarray(offset, offset + count * bytesPer));
  return new make(copy.buffer, 0, count);
}

/** A model read from compiled tables: its specs and tables, and its pieces parsed from the model bytes when first asked for. */
export interface CompiledModel {
  model: SentencePieceModel;
  tables: BpeTables;
  lastPiece: string;
}

/**
 * Read compiled tables for the model `bytes` (SHA-256 `digest`) from the file bytes `buf`, or
 * null when they are of another model or another format. Throws on a damaged file.
 */
export function readTables(buf: Buffer, bytes: Uint8Array, digest: string): CompiledModel | null {
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
  const jsonLen = buf.readUInt32LE(MAGIC.length);
  let offset = MAGIC.length + 4;
  const header = JSON.parse(buf.toString('utf8', offset, offset + jsonLen)) as Header;
  if (header.format !== TABLES_FORMAT || header.digest !== digest) return null;
  offset += jsonLen;
  const arrays: Record<string, unknown> = {};
  const kinds = {
    scores: [Float64Array, 8],
    bigrams: [Int32Array, 4],
    byteIds: [Int32Array, 4],
    chars: [Int32Array, 4],
    symFinal: [Int32Array, 4],
    pairs: [Int32Array, 4],
    types: [Uint8Array, 1],
  } as const;
  for (const name of ARRAYS) {
    offset += (8 - (offset % 8)) % 8;
    const [make, per] = kinds[name];
    const count = header.lengths[name];
    arrays[name] = view(make as new (b: ArrayBuffer, o: number, n: number) => unknown, per, buf, offset, count);
    offset += count * per;
  }
  const tables: BpeTables = {
    vocab: header.vocab,
    scores: arrays.scores as Float64Array,
    types: arrays.types as Uint8Array,
    reserved: header.reserved,
    userDefined: header.userDefined,
    unkId: header.unkId,
    hasUnused: header.hasUnused,
    byteFallback: header.byteFallback,
    byteIds: arrays.byteIds as Int32Array,
    extraSymbols: header.extraSymbols,
    chars: arrays.chars as Int32Array,
    bigrams: arrays.bigrams as Int32Array,
    symFinal: arrays.symFinal as Int32Array,
    pairs: arrays.pairs as Int32Array,
  };
  let pieces: Piece[] | undefined;
  const model: SentencePieceModel = {
    get pieces(): Piece[] {
      pieces ??= parseSentencePieceModel(bytes).pieces;
      return pieces;
    },
    trainer: header.trainer,
    normalizer: { ...header.normalizer, precompiledCharsmap: new Uint8Array(0) },
  };
  return { model, tables, lastPiece: header.lastPiece };
}

/**
 * The compiled tables of the model `bytes` from `dir` (default `TABLES_DIR`), or null when there
 * are none for these bytes or they cannot be read (then the caller parses the model).
 */
export function findTables(bytes: Uint8Array, dir = TABLES_DIR): CompiledModel | null {
  const digest = modelDigest(bytes);
  let buf: Buffer;
  try {
    buf = readFileSync(join(dir, tablesFileName(digest)));
  } catch {
    return null;
  }
  try {
    return readTables(buf, bytes, digest);
  } catch {
    return null;
  }
}
