import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify, parse as parseYaml } from 'yaml';
import { UsageError } from '../../core/errors.js';
import type { Recipe } from '../../core/recipe.js';
import { resolveRecipe } from '../../core/recipe.js';
import type { StageRegistry } from '../../core/registry.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, parse } from '../args.js';
import { execute, IO_FLAGS, writeAtomic } from '../execute.js';
import { VERSION } from '../../version.js';
import { writeReport } from '../../report/write.js';

const RUN_FLAGS: Flag[] = [
  { name: 'input', short: 'i', type: 'string', multiple: true, arg: 'PATH', help: 'input file, folder or glob (repeatable); replaces the recipe\'s input' },
  { name: 'output', short: 'o', type: 'string', arg: 'DIR', help: 'output folder (default out/<recipe name>/)' },
  ...IO_FLAGS.filter((f) => !['rejects', 'stats', 'output'].includes(f.name)),
];

/** `minScore` → `min_score`, the spelling recipes use. */
function snakeKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()), v]));
}

/** Load and validate a recipe file (YAML or JSON). */
export async function loadRecipe(path: string, registry: StageRegistry): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read recipe '${path}': ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new UsageError(`recipe '${path}' is not valid YAML/JSON: ${(e as Error).message}`);
  }
  return resolveRecipe(raw, registry, basename(path).replace(/\.(ya?ml|json)$/, ''), { file: path, baseDir: dirname(path) });
}

/** `corpus-clean run <recipe>`: a whole recipe over a folder of shards. */
export function runCommand(registry: StageRegistry): Command {
  return {
    name: 'run',
    summary: 'run a recipe (YAML/JSON) over inputs into an output folder with shards, rejects, stats and the resolved recipe',
    help() {
      return `Usage: corpus-clean run <recipe.yaml> [--input PATH ...] [--output DIR] [options]

Run the stages of a recipe over its inputs. The whole recipe is checked before any record is
read. The output folder receives:
  part-00000.jsonl.gz ...   the kept records (compression and sharding from the recipe)
  _rejects.jsonl            every removed record with stage, reason and file:line
  _stats.json               read = written + rejected, per stage in/out/dropped-by-reason/time;
                            written last, so its presence marks a finished run
  _recipe.resolved.yaml     the recipe with every default filled in and the input files listed,
                            so the run can be reproduced exactly
  _report.html              what the cleaning did, as one offline HTML page: funnel, per-file
                            accounting, languages, signal histograms with thresholds, duplicates,
                            samples per drop reason ('corpus-clean report DIR' makes it again)
Files starting with '_' or '.' are skipped when a folder is read, so an output folder can be
the input of the next run. An output folder holding an earlier run needs --overwrite.

Options:
${flagHelp(RUN_FLAGS)}
`;
    },
    async run(argv) {
      const p = parse('run', argv, RUN_FLAGS);
      if (p.values.help) return process.stdout.write(this.help()), 0;
      if (p.positionals.length !== 1) throw new UsageError(`run takes one recipe file, got ${p.positionals.length}\nsee 'corpus-clean run --help'`);
      const recipe = await loadRecipe(p.positionals[0], registry);
      const inputs = (p.values.input as string[] | undefined) ?? recipe.input;
      if (inputs.length === 0) throw new UsageError('no input: set `input:` in the recipe or pass --input PATH');
      const out = (p.values.output as string | undefined) ?? join('out', recipe.name);
      if (out === '-') throw new UsageError('run writes a folder; give --output DIR');
      const stages = [];
      for (const s of recipe.stages) stages.push(await registry.create(s.stage, s.options));
      const code = await execute({
        command: 'run',
        profile: true,
        inputs,
        stages,
        values: { ...p.values, output: undefined },
        extraOutputs: [join(out, '_recipe.resolved.yaml')],
        defaults: {
          output: out.endsWith('/') ? out : out + '/',
          rejects: join(out, '_rejects.jsonl'),
          stats: join(out, '_stats.json'),
          shardRecords: recipe.output.shardRecords,
          shardBytes: recipe.output.shardBytes,
          compression: recipe.output.compression,
          stripAttrs: recipe.output.stripAttrs,
          maxRejectRate: recipe.maxRejectRate,
          textField: recipe.textField,
        },
        async beforeRun(files, eff) {
          // A recipe that `corpus-clean run` accepts as it is: the input files listed one by one,
          // every stage option and the settings the flags chose written out, snake_case.
          const output: Record<string, unknown> = { compression: eff.compression, strip_attrs: eff.stripAttrs ?? recipe.output.stripAttrs };
          if (eff.shardRecords !== undefined) output.shard_records = eff.shardRecords;
          if (eff.shardBytes !== undefined) output.shard_size = eff.shardBytes;
          const resolved = {
            name: recipe.name,
            // Absolute: the resolved recipe sits in the output folder, and recipe paths start from the recipe's folder.
            input: files.map((f) => (f === '-' ? f : resolve(f))),
            ...(eff.textField ? { text_field: eff.textField } : {}),
            stages: recipe.stages.map((s) => ({ [s.stage]: snakeKeys(s.options) })),
            output,
            max_reject_rate: eff.maxRejectRate,
          };
          const header = `# Resolved by corpus-clean ${VERSION} from ${p.positionals[0]}${inputs !== files ? ` (input: ${inputs.join(', ')})` : ''}.\n# Run it again with: corpus-clean run _recipe.resolved.yaml -o DIR\n`;
          await writeAtomic(join(out, '_recipe.resolved.yaml'), header + stringify(resolved));
        },
      });
      // The report reads what the run wrote; a report that fails must not lose the run's exit code.
      try {
        const page = await writeReport(out);
        process.stderr.write(`corpus-clean run: report in ${page}\n`);
      } catch (e) {
        process.stderr.write(`corpus-clean run: warning: no report: ${(e as Error).message}\n`);
      }
      return code;
    },
  };
}
