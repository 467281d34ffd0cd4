import type { StageFactory } from '../core/registry.js';
import { StageRegistry } from '../core/registry.js';
import { langId } from './langid/langid.js';
import { qualityStage } from './quality/quality.js';
import { normalizeStage } from './normalize/normalize.js';
import { repairStage } from './repair/repair.js';
import { convertStage } from './convert/convert.js';
import { tokenize } from '../export/tokenize-stage.js';
import { dedup } from './dedup/dedup.js';
import { extractStage } from './extract/extract.js';
import { flaggedWordsStage } from './flagged-words/flaggedWords.js';
import { piiStage } from './pii/pii.js';
import { urlFilterStage } from './url-filter/urlFilter.js';
import { paragraphsStage } from './paragraphs/paragraphs.js';

/** The stages that ship with corpus-clean, in the order `--help` lists them. */
export const builtinStages: readonly StageFactory[] = [
  extractStage,
  normalizeStage,
  repairStage,
  convertStage,
  langId,
  qualityStage,
  flaggedWordsStage,
  piiStage,
  urlFilterStage,
  paragraphsStage,
  dedup,
  tokenize,
];

/** A registry holding the built-in stages. */
export function defaultRegistry(): StageRegistry {
  return new StageRegistry(builtinStages);
}
