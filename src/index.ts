/**
 * corpus-clean: the library API. Every export is listed here by name (pinned by
 * test/index.test.ts), so the public surface changes only on purpose.
 */

// Record model, stage contract, pipeline.
export type { Doc, JsonObject } from './core/doc.js';
export { DEFAULT_TEXT_FIELDS, docAt, getText, hasAttrs, makeDoc, setText, textFieldOf, textProblem } from './core/doc.js';
export type { DocStageSpec, Reject, RejectSink, Stage, StageContext, Verdict } from './core/stage.js';
export { docStage } from './core/stage.js';
export type { ClosableRejectSink, DocSink, DocSource, PipelineSpec, ReadEvents } from './core/pipeline.js';
export { pipeline } from './core/pipeline.js';
export type { FileError, RunStats, StageStats, Summary } from './core/stats.js';
export { balanced, count, emptyRunStats, emptyStageStats, emptySummary, mergeRunStats, mergeStageStats, mergeSummary, observe } from './core/stats.js';

// Options, registry, recipes, errors.
export type { OptionSpec, OptionsSpec, OptionType } from './core/options.js';
export { resolveOptions } from './core/options.js';
export type { StageFactory } from './core/registry.js';
export { StageRegistry } from './core/registry.js';
export type { Recipe, RecipeOutput, RecipeStage } from './core/recipe.js';
export { parseSize, resolveRecipe } from './core/recipe.js';
export { ExitCode, UsageError } from './core/errors.js';

// Readers and writers.
export type { InputFormat, ReadOptions } from './io/readers/index.js';
export { readChunks, readFiles } from './io/readers/index.js';
export { expandInputs } from './io/inputs.js';
export { collect, fromRecords } from './io/memory.js';
export type { JsonlOptions } from './io/writers/jsonl.js';
export { JsonlWriter } from './io/writers/jsonl.js';
export { RejectsWriter } from './io/writers/rejects.js';
export type { OutputCompression, ShardOptions } from './io/writers/sharded.js';

export type { JsonArrayOptions } from './io/writers/jsonArray.js';
export { JsonArrayWriter } from './io/writers/jsonArray.js';

// Built-in stages: each family's factory (for the registry) and its main building blocks.
export { builtinStages, defaultRegistry } from './stages/index.js';
export { normalizeStage, createNormalize, TextNormalizer, repairMojibake, decodeEntities, toIsoDate } from './stages/normalize/index.js';
export type { TextNormalizeConfig } from './stages/normalize/index.js';
export { repairStage, repairObject, loadSchema, SHIPPED_SCHEMAS } from './stages/repair/index.js';
export type { RecordSchema, FieldSpec } from './stages/repair/index.js';
export { convertStage, createConvert, detectFormat, checkConversation, toConversation, toMessages } from './stages/convert/index.js';
export { langId, langIdStage, cascadeBackend, cld2Backend, fastTextBackend, francBackend, toIso1 } from './stages/langid/index.js';
export type { LangIdBackend, LangIdOptions } from './stages/langid/index.js';
export { qualityStage } from './stages/quality/index.js';
export {
  dedup,
  minHashConfig,
  Shingler,
  makePermutations,
  signature,
  similarity,
  UnionFind,
  MinHashIndex,
  normalizeForExact,
  computeSignatures,
  buildBuckets,
  clusterBuckets,
  filterShard,
  removalsStage,
  dedupOnDisk,
} from './stages/dedup/index.js';
export type { MinHashConfig, KeepPolicy, VerifyMode, ClusterJob } from './stages/dedup/index.js';

// Tokenizer and training-ready exports.
export { SentencePieceTokenizer, INTERNLM2_SPECIAL_TOKENS, parseSentencePieceModel } from './tokenize/index.js';
export type { EncodeOptions, TokenizerOptions, SentencePieceModel } from './tokenize/index.js';
export { InternEvoWriter, encodeSample, encodeChat, chatMessages, tokensLine, encodeNpy, parseNpyHeader, decodeNpy2D, tokenize, tokenizeStage, toXtunerV1 } from './export/index.js';
export type { InternEvoWriterOptions, InternEvoShard, SampleOptions, ChatMessage, TokenizeOptions } from './export/index.js';
export { VERSION } from './version.js';
