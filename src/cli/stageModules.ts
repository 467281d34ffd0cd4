import { table } from '../core/own.js';
import type { StageFactory } from '../core/registry.js';
import type { Command } from './command.js';

/**
 * Where each built-in stage's factory is defined, so that `corpus-clean quality` loads the quality
 * module and not every stage, model and command (start-up of a short run). Checked against
 * `builtinStages` by test/cli/startup.test.ts; a name missing here only takes the slower path.
 */
export const STAGE_MODULES: Readonly<Record<string, () => Promise<StageFactory>>> = table({
  extract: async () => (await import('../stages/extract/extract.js')).extractStage,
  normalize: async () => (await import('../stages/normalize/normalize.js')).normalizeStage,
  repair: async () => (await import('../stages/repair/repair.js')).repairStage,
  convert: async () => (await import('../stages/convert/convert.js')).convertStage,
  langid: async () => (await import('../stages/langid/langid.js')).langId,
  quality: async () => (await import('../stages/quality/quality.js')).qualityStage,
  'flagged-words': async () => (await import('../stages/flagged-words/flaggedWords.js')).flaggedWordsStage,
  pii: async () => (await import('../stages/pii/pii.js')).piiStage,
  'url-filter': async () => (await import('../stages/url-filter/urlFilter.js')).urlFilterStage,
  paragraphs: async () => (await import('../stages/paragraphs/paragraphs.js')).paragraphsStage,
  dedup: async () => (await import('../stages/dedup/dedup.js')).dedup,
  tokenize: async () => (await import('../export/tokenize-stage.js')).tokenize,
});

/** The command of one built-in stage, loading only its module; undefined for other names. */
export async function stageOnly(name: string): Promise<Command | undefined> {
  const load = Object.hasOwn(STAGE_MODULES, name) ? STAGE_MODULES[name] : undefined;
  if (load === undefined) return undefined;
  const [factory, { StageRegistry }, { stageCommand }] = await Promise.all([load(), import('../core/registry.js'), import('./commands/stage.js')]);
  if (factory.name !== name) return undefined;
  return stageCommand(factory, new StageRegistry([factory]));
}
