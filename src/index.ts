/**
 * corpus-clean: the library API. Every export is listed here by name (pinned by
 * test/index.test.ts), so the public surface changes only on purpose.
 */

// Record model, stage contract, pipeline.
export type { Doc, JsonObject } from './core/doc.js';
export { DEFAULT_TEXT_FIELDS, getText, makeDoc, setText, textFieldOf, textProblem } from './core/doc.js';
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

// Built-in stages.
export { builtinStages, defaultRegistry } from './stages/index.js';
export { VERSION } from './version.js';
