// Run by `npm run build` (and prepare, pretest): the InternLM2 tokenizer's tables (pieces, scores,
// the merge table of 165,111 splits, the character tables) derived once from the model shipped in
// fixtures/tokenizer/internlm2.model and written to dist/tokenize/<sha256 of the model>.bpe-tables.
// Every process that loads a model with those bytes (export internevo, tokenize, the tokenize
// stage) reads them instead of parsing 92,544 pieces and deriving the tables again (~0.7 CPU s);
// any other model, or a missing or older file, is parsed as before (src/tokenize/compiled.ts).
// The file is checked here: read back, it must give the tables the model gives (pairs and
// bigrams in the order the file keeps them, compiled.ts fileOrder).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { buildBpeTables } from '../dist/tokenize/bpe.js';
import { fileOrder, modelDigest, readTables, TABLES_DIR, tablesFileName, writeTables } from '../dist/tokenize/compiled.js';
import { parseSentencePieceModel } from '../dist/tokenize/sentencepiece-model.js';

for (const f of readdirSync(TABLES_DIR)) if (f.endsWith('.bpe-tables')) rmSync(`${TABLES_DIR}/${f}`);
const modelPath = new URL('../fixtures/tokenizer/internlm2.model', import.meta.url);
if (!existsSync(modelPath)) {
  console.log('tokenizer-tables: fixtures/tokenizer/internlm2.model is missing; no tables written (models are parsed at load)');
} else {
  const bytes = readFileSync(modelPath);
  const digest = modelDigest(bytes);
  const model = parseSentencePieceModel(bytes);
  const tables = buildBpeTables(model);
  const file = writeTables(model, digest, tables);
  const back = readTables(file, bytes, digest);
  if (back === null || !isDeepStrictEqual({ ...back.tables }, fileOrder(tables)) || back.lastPiece !== model.pieces.at(-1).piece) {
    throw new Error('tokenizer-tables: the written tables do not read back as the model\'s');
  }
  writeFileSync(`${TABLES_DIR}/${tablesFileName(digest)}`, file);
}
