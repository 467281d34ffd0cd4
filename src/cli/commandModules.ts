import { table } from '../core/own.js';
import type { Command } from './command.js';
import { catCommand } from './commands/cat.js';
import { stageOnly } from './stageModules.js';

/** The stage registry, for the commands that build stages from a recipe or a list. */
const registry = async () => (await import('../stages/index.js')).defaultRegistry();

/**
 * The commands that are not stages, each loading only its own module (and the stage registry
 * when it builds stages): `status`, `report`, `merge` and `--version` loaded every command and
 * stage module (franc's data, the MinHash tables ...), ~0.2-0.4 s of CPU per start, paid by every
 * Slurm and local task process too. Checked against `commands()` by test/cli/startup.test.ts.
 */
export const FIXED_COMMANDS: Readonly<Record<string, () => Promise<Command>>> = table({
  cat: async () => catCommand,
  run: async () => (await import('./commands/run.js')).runCommand(await registry()),
  status: async () => (await import('./commands/task.js')).statusCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand(await registry()),
  export: async () => (await import('./commands/export.js')).exportCommand,
  'dedup-disk': async () => (await import('./commands/dedupDisk.js')).dedupDiskCommand,
  task: async () => (await import('./commands/task.js')).taskCommand(await registry()),
  merge: async () => (await import('./commands/task.js')).mergeCommand,
});

/** The command named, loading only what it needs; undefined for a name that is none (help, --help, a typo). */
export async function commandOnly(name: string): Promise<Command | undefined> {
  if (Object.hasOwn(FIXED_COMMANDS, name)) return FIXED_COMMANDS[name]();
  return stageOnly(name);
}
