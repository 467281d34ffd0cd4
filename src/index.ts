/// <reference types="node" preserve="true" />
/**
 * corpus-clean: the library API. Every export is listed here by name (pinned by
 * test/index.test.ts and fixtures/api/exports.txt), so the public surface changes only on
 * purpose. Building blocks (MinHash, npy, readers of one format, option resolution) are
 * internal: they may change between versions.
 *
 * The reference above keeps Node's types (Buffer, streams) in the published `.d.ts`: they are
 * declared (`@types/node` is a dependency), so a project compiles them without adding
 * `"types": ["node"]` (TypeScript 6+ no longer loads every `@types` package by default).
 */

// Record model, stage contract, pipeline.
export type { Doc, JsonObject } from './core/doc.js';
export { DEFAULT_TEXT_FIELDS, deriveDoc, getText, makeDoc, recordChanged, setText } from './core/doc.js';
export type { DocStageSpec, Reject, RejectSink, Stage, StageContext, Verdict } from './core/stage.js';
export { docStage } from './core/stage.js';
export type { ClosableRejectSink, DocSink, DocSource, PipelineSpec, ReadEvents } from './core/pipeline.js';
export { pipeline } from './core/pipeline.js';
export type { FileError, RunStats, StageStats, Summary } from './core/stats.js';
export { balanced, count, observe } from './core/stats.js';

// Options, registry, recipes, errors.
export type { OptionSpec, OptionsSpec, OptionType } from './core/options.js';
export type { StageFactory } from './core/registry.js';
export { StageRegistry } from './core/registry.js';
export type { Recipe, RecipeOutput, RecipeStage } from './core/recipe.js';
export { resolveRecipe } from './core/recipe.js';
export type { RunRecipeOptions, RunRecipeResult } from './cli/commands/run.js';
export { loadRecipe, runRecipe } from './cli/commands/run.js';
export { ExitCode, UsageError } from './core/errors.js';

// Readers and writers.
export type { InputFormat, ReadOptions } from './io/readers/index.js';
export { readFiles } from './io/readers/index.js';
export { expandInputs } from './io/inputs.js';
export { collect, fromRecords } from './io/memory.js';
export type { JsonlOptions } from './io/writers/jsonl.js';
export { JsonlWriter } from './io/writers/jsonl.js';
export { RejectsWriter } from './io/writers/rejects.js';
export type { OutputCompression, ShardOptions } from './io/writers/sharded.js';
export type { JsonArrayOptions } from './io/writers/jsonArray.js';
export { JsonArrayWriter } from './io/writers/jsonArray.js';

// Built-in stages: the registry of all of them, and the factories of the main families.
export { builtinStages, defaultRegistry } from './stages/index.js';
export { normalizeStage } from './stages/normalize/index.js';
export { repairStage } from './stages/repair/index.js';
export { convertStage } from './stages/convert/index.js';
export { langIdStage } from './stages/langid/index.js';
export type { LangIdBackend } from './stages/langid/index.js';
export { qualityStage } from './stages/quality/index.js';
export { dedup } from './stages/dedup/index.js';

// Tokenizer and training-ready exports.
export { SentencePieceTokenizer, INTERNLM2_SPECIAL_TOKENS } from './tokenize/index.js';
export type { EncodeOptions, TokenizerOptions } from './tokenize/index.js';
export { InternEvoWriter, LangSplitSink, langTypeOf, tokenize, tokenizeStage, toXtunerV1 } from './export/index.js';
export type { InternEvoWriterOptions, InternEvoShard, LangType, TokenizeOptions } from './export/index.js';
export { VERSION } from './version.js';
