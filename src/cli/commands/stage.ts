import { writeStdoutSync } from '../../io/stdout.js';
import type { StageFactory, StageRegistry } from '../../core/registry.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, inputOrderHelp, parse, stageFlags, stageOptionValues, wrapWords } from '../args.js';
import { execute, IO_FLAGS, toStderr } from '../execute.js';

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

${wrapWords(`${factory.summary[0].toUpperCase()}${factory.summary.slice(1)}.`, helpColumns()).join('\n')}
Reads inputs (or stdin) and writes JSONL (stdout by default); the same stage can be used in
a recipe as '- ${factory.name}: {...}' with the options below in snake_case.

${inputOrderHelp(true)}

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
      // review-newuser5 #20: `repair` without --schema rewrites records into its default schema
      // (WanJuan-CC: `text` becomes `content`); say so before reading, with how to choose another.
      // What dedup's --threshold gave for the LSH (new-user review 19 F5: 0.5 took 256 x 8 silently).
      const lsh = factory.name === 'dedup' && p.values.quiet !== true ? (await import('../../stages/dedup/options.js')).lshNote(stage.options) : undefined;
      const beforeRun =
        factory.name === 'repair' && p.values.schema === undefined
          ? async () => void toStderr(`corpus-clean repair: note: ${await defaultSchemaNote()}`)
          : lsh !== undefined
            ? async () => void toStderr(`corpus-clean dedup: note: ${lsh}`)
            : undefined;
      return execute({ command: factory.name, inputs: p.positionals, stages: [stage], values, ...(beforeRun ? { beforeRun } : {}) });
    },
  };
}

/** What `repair` without `--schema` does: the default schema, where the text goes, and the others. */
async function defaultSchemaNote(): Promise<string> {
  // The repair stage's module (and its YAML schemas) only for `repair`: not at every stage command's start-up (#16).
  const { loadSchema, repairOptions, SHIPPED_SCHEMAS } = await import('../../stages/repair/index.js');
  const name = repairOptions.schema.default;
  const schema = loadSchema(name);
  const text = schema.fields.find((f) => f.name === schema.text);
  const moves = text !== undefined && text.aliases.length > 0 ? `; the text goes to '${text.name}' (taken from ${text.aliases.join(', ')})` : '';
  const others = SHIPPED_SCHEMAS.filter((x) => x !== name).join(', ');
  return `no --schema given: records are brought to the default schema, ${name}: ${schema.description}${moves}; for another shape pass --schema NAME (${others}) or a schema YAML file`;
}

/** Columns of the help text: the terminal's width, or 100 off a terminal (as flagHelp). */
function helpColumns(): number {
  return process.stdout.isTTY ? (process.stdout.columns ?? 100) : 100;
}
