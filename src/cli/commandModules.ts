import { table } from '../core/own.js';
import type { Command } from './command.js';
import { STAGE_MODULES, stageOnly } from './stageModules.js';

/**
 * The stage registry, for the commands that build stages from a recipe or a list: every built-in
 * stage by name, each module loaded when a recipe names it or a stage is built (a normalize-only
 * `run` compiled every stage's module, ~60 chunks and 1.2-1.5 MB of JavaScript, issue #16).
 */
const registry = async () => (await import('../core/registry.js')).lazyRegistry(STAGE_MODULES);

/**
 * The commands that are not stages, each loading only its own module (and the stage registry
 * when it builds stages): `status`, `report`, `merge` and `--version` loaded every command and
 * stage module (franc's data, the MinHash tables ...), ~0.2-0.4 s of CPU per start, paid by every
 * Slurm and local task process too. `cat` too: its static import put the whole I/O path (~75
 * modules, 750 KB of JavaScript, ~0.1 s of CPU) into `--version`, `status` and `report`.
 * Checked against `commands()` by test/cli/startup.test.ts.
 */
export const FIXED_COMMANDS: Readonly<Record<string, () => Promise<Command>>> = table({
  cat: async () => (await import('./commands/cat.js')).catCommand,
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
