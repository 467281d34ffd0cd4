import type { StageFactory } from '../core/registry.js';
import { StageRegistry } from '../core/registry.js';
import { langId } from './langid/index.js';
import { qualityStage } from './quality/index.js';
import { normalizeStage } from './normalize/index.js';
import { repairStage } from './repair/index.js';
import { convertStage } from './convert/index.js';
import { tokenize } from '../export/tokenize-stage.js';
import { dedup } from './dedup/index.js';
import { extractStage } from './extract/index.js';
import { flaggedWordsStage } from './flagged-words/index.js';
import { piiStage } from './pii/index.js';
import { urlFilterStage } from './url-filter/index.js';
import { paragraphsStage } from './paragraphs/index.js';

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
