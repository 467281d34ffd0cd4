import { StageRegistry } from '../../../src/core/registry.js';
import { dedup } from '../../../src/stages/dedup/index.js';

/** A registry with the dedup stage (independent of the shared built-in list). */
export function defaultRegistryWithDedup(): StageRegistry {
  return new StageRegistry([dedup]);
}
