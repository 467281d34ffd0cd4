import { writeStdoutSync } from '../../io/stdout.js';
import type { StageFactory, StageRegistry } from '../../core/registry.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, parse, stageFlags, stageOptionValues } from '../args.js';
import { execute, IO_FLAGS } from '../execute.js';

/** A subcommand that runs one stage over its inputs: `corpus-clean quality`, `corpus-clean dedup`, ... */
export function stageCommand(factory: StageFactory, registry: StageRegistry): Command {
  const own = stageFlags(factory.options);
  // A stage option may share a name with an input/output flag (tokenize's --format): the stage
  // keeps the name, and the I/O flag becomes --input-<name>.
  const taken = new Set(own.map((f) => f.name));
  const renamed = new Map<string, string>();
  const io: Flag[] = IO_FLAGS.map((f) => {
    if (!taken.has(f.name)) return f;
    renamed.set(`input-${f.name}`, f.name);
    return { ...f, name: `input-${f.name}`, short: undefined };
  });
  const flags = [...own, ...io];
  return {
    name: factory.name,
    summary: factory.summary,
    help() {
      return `Usage: corpus-clean ${factory.name} [inputs...] [options]

${factory.summary[0].toUpperCase()}${factory.summary.slice(1)}.
Reads inputs (or stdin) and writes JSONL (stdout by default); the same stage can be used in
a recipe as '- ${factory.name}: {...}' with the options below in snake_case.

Stage options:
${own.length ? flagHelp(own) : '  (none)'}

Input and output:
${flagHelp(io)}
`;
    },
    async run(argv) {
      const p = parse(factory.name, argv, flags);
      if (p.values.help) return writeStdoutSync(this.help()), 0;
      const stage = await registry.create(factory.name, stageOptionValues(factory.options, p.values), 'flag');
      const values = { ...p.values };
      for (const [alias, name] of renamed) values[name] = p.values[alias];
      return execute({ command: factory.name, inputs: p.positionals, stages: [stage], values });
    },
  };
}
