import type { StageFactory } from '../core/registry.js';
import { StageRegistry } from '../core/registry.js';

/** The stages that ship with corpus-clean, in the order `--help` lists them. */
export const builtinStages: readonly StageFactory[] = [
];

/** A registry holding the built-in stages. */
export function defaultRegistry(): StageRegistry {
  return new StageRegistry(builtinStages);
}
