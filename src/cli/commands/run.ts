import { table } from '../../core/own.js';
import { resumeCodecWarning } from '../../exec/resumeCodec.js';
import type { RunStats } from '../../core/stats.js';
import type { SkippedInput } from '../../io/inputs.js';
import { writeStdoutSync } from '../../io/stdout.js';
import { readFile, rm } from 'node:fs/promises';
import { phaseName, progressWanted } from '../../exec/progress.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { stringify, parse as parseYaml } from 'yaml';
import { UsageError } from '../../core/errors.js';
import type { Recipe } from '../../core/recipe.js';
import { loadStageModules, resolveRecipe } from '../../core/recipe.js';
import { filesReadBy, type StageRegistry } from '../../core/registry.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { countFlag, flagHelp, inputOrderHelp, parse } from '../args.js';
import { execute, IO_FLAGS, toStderr, type EffectiveSettings, type Say } from '../execute.js';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { afterFailure, errorCode, ExitCode, STAGE_THREW } from '../../core/errors.js';
import { parseSize } from '../../core/recipe.js';
import { nameCommand, outputFinished, stopping, whileRunning } from '../interrupt.js';
import { EXIT0_HINT, ownExitNow, whileAtWork } from '../../core/exitGuard.js';
import { startAttempt, workedMs } from '../attempts.js';
import { recordCommand } from '../../exec/command.js';
import { limitTasks } from '../../exec/limit.js';
import { createThrew, taskSource } from '../../exec/unit.js';
import { prepareFolder } from '../../exec/folder.js';
import { FAILED, planPath, rejectsPath, SUCCESS, workDir } from '../../exec/layout.js';
import type { UnfinishedInput } from '../../exec/markers.js';
import { markSealedFromStart } from '../../core/workSeal.js';
import type { OutputCompression } from '../../io/writers/sharded.js';
import { defaultRejectsCompression } from '../../io/writers/rejects.js';
import { localWorkers, RUN_STOPPED, runLocal, stoppedNow, stopWorkers, UnitFailure, type StoppedAt } from '../../exec/local.js';
import { noSpace, recordFailure } from '../../exec/failure.js';
import { damagedFile, RedoneFiles } from '../../exec/redo.js';
import { roundTimeline, type Timeline } from '../../exec/timing.js';
import { removeStale, removeStaleSync, writeAtomic } from '../../exec/markers.js';
import { finishLeftovers, mergeRun, successCode } from '../../exec/merge.js';
import { changedSideFilesNow, checkTaskSize, defaultTaskSize, DEFAULT_TASK_SIZE, fewTasksNote, PLAN_VERSION, planDifference, planLsh, planPhases, planTasks, sideFileFacts, type Plan, type RunSettings } from '../../exec/plan.js';
import { doneUnits, totalUnits } from '../../exec/status.js';
import { liveJobs, liveJobsMessage, runSlurm, slurmYaml, type SlurmOptions } from '../../exec/slurm.js';
import { VERSION } from '../../version.js';
import { REPORT_FILE } from '../../report/write.js';
import type { Stage } from '../../core/stage.js';
import { didYouMean } from '../../core/suggest.js';
import { makeDir } from '../../io/dirs.js';
import { counted, showText, errorText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';
import { isInputName } from '../../io/inputs.js';
import { atExit } from '../../io/atExit.js';
import { lshNote } from '../../stages/dedup/options.js';
import { checkLoadedModules, moduleImports, noteLoadedModules, readStageModules } from '../recipeModules.js';

const EXEC_FLAGS: Flag[] = [
  { name: 'workers', short: 'w', type: 'string', arg: 'N', help: 'local executor: tasks run on N workers at once (default: every core, at most one per 16 MB of input; at most 4 per core)' },
  { name: 'executor', type: 'string', arg: 'local|slurm', help: "where tasks run: 'local' (default) or 'slurm' (array jobs submitted with sbatch)" },
  { name: 'task-size', type: 'string', arg: 'SIZE', help: 'smaller files are packed into tasks of up to SIZE bytes; plain JSONL files larger than SIZE are cut into tasks of about SIZE bytes on line boundaries, Parquet files into runs of row groups (default: about 1/32 of the input, 8 to 64 MiB; 64 MiB with paragraphs; at least 1KiB, and below about 1MiB each task costs more than its records)' },
  { name: 'worker-kind', type: 'string', arg: 'thread|process', help: 'local workers as child processes (default) or threads' },
  { name: 'partition', type: 'string', arg: 'P', help: 'slurm: partition (default: the cluster default)' },
  { name: 'time', type: 'string', arg: 'T', help: 'slurm: time limit of each array task, e.g. 1:00:00' },
  { name: 'mem', type: 'string', arg: 'M', help: 'slurm: memory of each array task, e.g. 4G' },
  { name: 'cpus-per-task', type: 'string', arg: 'C', help: 'slurm: CPUs of each array task (default 1)' },
  { name: 'parallel', type: 'string', arg: 'N', help: 'slurm: at most N array tasks of a phase run at once (default: no limit)' },
];

/**
 * The input/output flags of the stage commands that `run` does not take: its output is a folder
 * of shards (JSONL or Parquet) with `_rejects` and `_stats.json` inside.
 */
const NOT_FOR_RUN = ['output', 'rejects', 'stats'];

/** Where `run`'s defaults differ from a stage command's: they come from the recipe. */
const RUN_HELP: Record<string, string> = table({
  'shard-size': "start a new shard after SIZE uncompressed bytes, e.g. 256MB (default: the recipe's output: shard_size, else one shard per task)",
  'shard-records': "start a new shard after N records (default: the recipe's output: shard_records)",
  compress: "compression of the shards: none|gzip|zstd for JSONL (default: the recipe's output: compression, else gzip); none|snappy|gzip|zstd|brotli for Parquet (default: the recipe's output: compression, also under --output-format parquet, when it is a Parquet codec, else snappy)",
  'output-format': "the shards as JSON lines, or as Parquet files part-<task>-<n>.parquet, each with the schema of its task's records (default: the recipe's output: format, else jsonl)",
  'row-group-size': "Parquet shards: rows per row group (default: the recipe's output: row_group_size, else 10000)",
  'rejects-attrs': "signals a reject keeps: only the failing rule's or all (default: the recipe's rejects: attrs, else failing)",
  'rejects-sample': "keep at most N rejects per stage/reason (all are still counted; default: the recipe's rejects: sample_per_reason, else all)",
  'text-field': "field holding the text; a list is tried in order, e.g. text,content,raw_content (default: the recipe's text_field, else text, else content)",
  'max-reject-rate': "exit 1 when more than this fraction of input is bad (default: the recipe's max_reject_rate, else 0.1)",
  'strip-attrs': "leave the stage signals (attrs) out of the shards (default: the recipe's output: strip_attrs; on when convert runs)",
  'keep-attrs': 'keep the stage signals even when convert runs',
  overwrite: 'replace a finished run, or an unfinished run of another recipe, in the output folder (its files are removed first: a run that fails leaves none of them) (default: refuse)',
  limit: 'read only the first N records of the inputs in input order (every record counts: good, bad or blank): the plan keeps the tasks holding them, counted when it is made, and the last stops after its share, so any number of workers gives the same output; part of the plan (another N is another run); the accounting says it stopped (default: all)',
});

const REJECTS_COMPRESS: Flag = { name: 'rejects-compress', type: 'string', arg: 'none|gzip|zstd', help: "compression of _rejects.jsonl (default: the recipe's rejects: {compression}, else zstd beside compressed shards of either format, none beside uncompressed ones)" };

const RUN_FLAGS: Flag[] = [
  { name: 'input', short: 'i', type: 'string', multiple: true, arg: 'PATH', help: 'input file, folder or glob (repeatable; the words right after it are inputs too: -i data/*.jsonl); replaces the recipe\'s input' },
  { name: 'output', short: 'o', type: 'string', arg: 'DIR', help: 'output folder (default out/<recipe name>/)' },
  ...EXEC_FLAGS,
  // --rejects-compress beside the other rejects flags, not after -h (new-user review 7 #5).
  ...IO_FLAGS.filter((f) => !NOT_FOR_RUN.includes(f.name)).flatMap((f) => {
    const flag = RUN_HELP[f.name] ? { ...f, help: RUN_HELP[f.name] } : f;
    return f.name === 'rejects-sample' ? [flag, REJECTS_COMPRESS] : [flag];
  }),
];

/** `minScore` → `min_score`, the spelling recipes use. */
function snakeKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()), v]));
}

/** The recipes this package ships (rules/recipes/). */
const BUNDLED_RECIPES = resolve(import.meta.dirname, '../../../rules/recipes');

/**
 * For a recipe file that does not exist: the recipes this package ships, by full path (installed
 * from npm, a user does not know where rules/ is: new-user review 22 A4, `run web-zh` said ENOENT only).
 */
function bundledRecipes(path: string): string {
  let names: string[];
  try {
    names = readdirSync(BUNDLED_RECIPES).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return '';
  }
  if (names.length === 0) return '';
  const named = names.find((n) => n.replace(/\.ya?ml$/, '') === basename(path).replace(/\.ya?ml$/, ''));
  if (named !== undefined) return `; the recipe of that name this package ships is '${showPath(join(BUNDLED_RECIPES, named))}' (copy it to edit it)`;
  return `; the recipes this package ships are in '${showPath(BUNDLED_RECIPES)}': ${names.join(', ')}`;
}

/** Load and validate a recipe file (YAML or JSON). */
export async function loadRecipe(path: string, registry: StageRegistry): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read recipe '${showPath(path)}': ${errorText(e)}${errorCode(e) === 'ENOENT' ? bundledRecipes(path) : ''}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    // The parser's code frame (the recipe's lines, a caret) is shown as lines of their own.
    const [first, ...frame] = (e as Error).message.replace(/\n+$/, '').split('\n');
    throw new UsageError(`recipe '${showPath(path)}' is not valid YAML/JSON: ${first}`, frame);
  }
  const source = { file: path, baseDir: dirname(path) };
  // Its modules are read as files first: a device or a huge file is refused before the import reads it (F9d).
  const digests = readStageModules(raw, source.baseDir, path);
  const loaded = await loadStageModules(raw, registry, source);
  await registry.loadNamedIn((loaded.raw as { stages?: unknown } | null)?.stages);
  const recipe = resolveRecipe(loaded.raw, registry, basename(path).replace(/\.(ya?ml|json)$/, ''), { ...source, modules: loaded.modules });
  // The plan records the modules as they were read here (M1).
  noteLoadedModules(recipe, digests);
  return recipe;
}

/**
 * The recipe file a recorded `run` command names: its one word that is neither a flag, a flag's
 * value nor an input listed after -i (as `run` reads its arguments); undefined when none is.
 */
export function recipeArgument(argv: readonly string[]): string | undefined {
  let p;
  try {
    p = parse('run', [...argv], RUN_FLAGS);
  } catch {
    return undefined;
  }
  const more = (p.following.input ?? []).filter((w) => !/\.ya?ml$/i.test(w));
  const rest = [...p.positionals];
  for (const w of more) rest.splice(rest.indexOf(w), 1);
  return rest.length === 1 ? rest[0] : undefined;
}

/**
 * Whether the recipe file of an unfinished run's command still gives the stages it was planned
 * with (new-user review 22 A8: status advised the same command, which `run` then refused for a
 * recipe edited since): what differs, said as `run` says it, or that it does not load now;
 * undefined when the stages are the same (or no recipe is named). The recipe is read from the
 * folder the command ran in, with the built-in stages and its own modules, when it was written
 * after the run's plan (`dir`).
 */
export async function recipeChange(dir: string, plan: Plan, argv: readonly string[], cwd: string): Promise<{ recipe: string; change: string; unreadable?: true } | undefined> {
  if (argv[0] !== 'run') return undefined;
  const recipe = recipeArgument(argv.slice(1));
  if (recipe === undefined) return undefined;
  // Not written since the plan: the same stages, without loading every stage to see it (status's start-up).
  const [was, planned] = await Promise.all([stat(resolve(cwd, recipe)).catch(() => undefined), stat(planPath(dir)).catch(() => undefined)]);
  if (was !== undefined && planned !== undefined && was.mtimeMs < planned.mtimeMs) return undefined;
  let now: Recipe;
  try {
    const { defaultRegistry } = await import('../../stages/index.js');
    now = await loadRecipe(resolve(cwd, recipe), defaultRegistry());
  } catch (e) {
    return { recipe, change: `does not load: ${e instanceof Error ? errorText(e) : String(e)}`, unreadable: true };
  }
  if (JSON.stringify(now.stages) === JSON.stringify(plan.stages)) return undefined;
  const diff = planDifference(plan, { ...plan, stages: now.stages });
  return { recipe, change: diff.find((d) => d.startsWith("the recipe's stages")) ?? "the recipe's stages differ" };
}

/** `corpus-clean run <recipe>`: a whole recipe over a folder of shards. */
export function runCommand(registry: StageRegistry): Command {
  return {
    name: 'run',
    summary: 'run a recipe (YAML/JSON) over inputs into an output folder with shards, rejects, stats and the resolved recipe',
    help() {
      return `Usage: corpus-clean run <recipe.yaml> [--input PATH ...] [--output DIR] [options]

Run the stages of a recipe over its inputs, as tasks on every core (--workers) or as Slurm
array jobs (--executor slurm). The whole recipe is checked before any record is read. Tasks
are defined by the input alone: consecutive files smaller than --task-size are packed into one
task up to that size, plain JSONL files larger than it are cut into byte ranges on line
boundaries, and Parquet files into runs of row groups; so the output is the same for any number of
workers, and on Slurm. The recipe is cut into phases at its global stages (dedup): every task
runs up to the barrier, the dedup steps run over all tasks, then every task goes on.
The output folder receives:
  part-<task>-<n>.jsonl.gz  the kept records of each task (compression and sharding from the
                            recipe);
                            with output: {format: parquet} (--output-format parquet) Parquet files
                            part-<task>-<n>.parquet, Snappy, row groups of 10,000 rows, each file
                            with the columns of its task's records (read a folder of them by
                            column name, e.g. DuckDB's union_by_name)
  _rejects.jsonl.zst        every removed record with stage, reason, file:line and the signals of
                            the rules that failed; zstd level 1 beside compressed shards, JSONL
                            or Parquet (half the CPU of gzip for the same size), none beside
                            uncompressed ones, unless the recipe's rejects: {compression} or
                            --rejects-compress says otherwise; rejects: {attrs: all}
                            (--rejects-attrs all) keeps every signal, rejects: {sample_per_reason:
                            N} (--rejects-sample N) keeps the first N of each reason by task order
                            while _stats.json counts all
  _stats.json               read = written + rejected, per stage in/out/dropped-by-reason/time
  _stats/<task>.json        each task's stats; _done/<phase>/<unit>: completion markers
  _recipe.resolved.yaml     the recipe with every default filled in and the input files listed,
                            so the run can be reproduced exactly
  _report.html              what the cleaning did, as one offline HTML page: funnel, per-file
                            accounting, languages, signal histograms with thresholds, duplicates,
                            samples per drop reason ('corpus-clean report DIR' makes it again)
  _plan.json                the tasks and phases; _slurm/: sbatch scripts, job ids and logs
  _SUCCESS                  written last: only a folder holding it is a finished run; a JSON
                            manifest {exit_code, command, records, shards: [names],
                            bytes: {name: size}} (readers compare each shard's size);
                            a run that exits 1 writes it as _FAILED instead (refused as
                            input; the next run into the folder starts over)
A run that was killed or failed is resumed by running the same command again: finished tasks
are skipped, the temporaries of the killed run removed, and the output is byte for byte that
of an uninterrupted run ('corpus-clean status DIR' says where it stands). A folder without
_SUCCESS, or missing a shard it lists, is refused as input by every command, also inside a
folder input (unless --allow-unfinished). Files starting with
'_' or '.' are skipped when a folder is read, so an output folder can be the input of the next
run. An output folder holding a finished run, or an unfinished run of another recipe, needs
--overwrite.

${inputOrderHelp(false)}

Options:
${flagHelp(RUN_FLAGS)}
`;
    },
    async run(argv) {
      const p = parse('run', argv, RUN_FLAGS);
      if (p.values.help) return writeStdoutSync(this.help()), 0;
      // A signal names the command, as a single command's does (new-user review 21 N8), and from
      // here on says what it did: before the recipe is read and the run planned, nothing is written
      // (new-user review 22 A7: a Ctrl-C in a run's first half second exited 130 without a word).
      nameCommand('run');
      whileRunning(async () => {}, '', 'nothing was written yet');
      // `-i a.jsonl b.jsonl` (a shell glob after -i): the words after an input are inputs too,
      // except a recipe (.yaml/.yml is never an input format).
      const more = (p.following.input ?? []).filter((w) => !/\.ya?ml$/i.test(w));
      const rest = [...p.positionals];
      for (const w of more) rest.splice(rest.indexOf(w), 1);
      if (rest.length !== 1) {
        const extra = rest.length > 1 ? `unexpected argument '${showPath(rest[1])}': ` : '';
        throw new UsageError(`${extra}run takes one recipe file, got ${rest.length}${rest.length > 1 ? ` (${rest.map((w) => `'${showPath(w)}'`).join(', ')})` : ''}`, [
          "inputs go after -i: repeat it (-i a.jsonl -i b.jsonl), list them right after it (-i a.jsonl b.jsonl, or a shell glob: -i data/*.jsonl), or give a folder",
          "see 'corpus-clean run --help'",
        ]);
      }
      const values = more.length > 0 ? { ...p.values, input: [...((p.values.input as string[] | undefined) ?? []), ...more] } : p.values;
      // From loading the recipe's modules to the end: a stage module's process.exit, in its top
      // level, its create() or a task, is said and never exits 0 (new-user review 24 N2, N13).
      ownExitNow(stopping);
      // An error a stage throws outside its apply/run (a timer, a callback, an emitter's 'error')
      // stops the run as its throw does: said, kept for status, exit code as for a throw (new-user review 24 N14).
      const unguard = whileAtWork({
        line: (code) => `corpus-clean run: error: a stage module called process.exit(${code}) while ${runStep.what}: the run is not finished (${EXIT0_HINT})`,
        failCode: () => runStep.code,
        uncaught: (_e, text) => stopOnFailure(runStep.code, () => runStep.failed?.(text) ?? [`corpus-clean run: error: ${text}`]),
        ended: (said, by) => runStep.ended?.(said, by),
      });
      try {
        return await runWith(rest[0], values, registry, toStderr, ['run', ...argv]);
      } finally {
        unguard();
      }
    },
  };
}

// Kept apart from the import block above (other branches change its lines this session).
import { knowStages, planStageFiles } from '../../core/exitGuard.js';
import { stopOnFailure } from '../interrupt.js';
import { isDone } from '../../exec/markers.js';

/**
 * What `runWith` is at, for the line of a stage's process.exit (`whileAtWork`): its words, the exit
 * code a stage's throw gives there (2 while the modules load and the stages are built, as C4's
 * refusals; 1 once the run is at work), and once the run's folder is planned, how a stop on an
 * error nobody caught is said and kept for status.
 */
const runStep: { what: string; code: number; failed?: (text: string) => string[]; ended?: (said: string, by?: string) => string[] } = { what: 'the run was at work', code: 1 };

/** What `run` does, once its flags are parsed (kebab-case names, as `parse` gives them). */
async function runWith(recipePath: string, values: Record<string, unknown>, registry: StageRegistry, say: Say = toStderr, argv: readonly string[] = ['run', recipePath]): Promise<number> {
  const p = { positionals: [recipePath], values };
  runStep.what = `the modules of recipe '${showPath(recipePath)}' were loading (their top level ran)`;
  runStep.code = ExitCode.usage;
  runStep.failed = undefined;
  runStep.ended = undefined;
  const recipe = await loadRecipe(p.positionals[0], registry);
  knowStages(planStageFiles(recipe.stages));
  runStep.what = 'the stages were being built (their create() ran)';
  const inputs = (p.values.input as string[] | undefined) ?? recipe.input;
  if (inputs.length === 0) throw new UsageError('no input: set `input:` in the recipe or pass --input PATH');
  // The default output is out/<name>: a name that climbs out of it (../x, /abs) is refused.
  if (p.values.output === undefined && (isAbsolute(recipe.name) || recipe.name.split(/[\\/]/).includes('..'))) throw new UsageError(`recipe name '${showPath(recipe.name)}' would write outside out/; give --output DIR or a plain name`);
  const out = (p.values.output as string | undefined) ?? join('out', recipe.name);
  if (out === '-') throw new UsageError('run writes a folder; give --output DIR');
  const stages: Stage[] = [];
  // A stage that refuses its options as it is made (quality's rule names, a word list that does
  // not read) is named as the recipe's checks name it, 'my.yaml: stages[1] (quality): ...', and
  // every such error is said at once (new-user review 21 N5: the quality one named neither).
  const wrong: UsageError[] = [];
  for (const [i, s] of recipe.stages.entries()) {
    try {
      stages.push(await registry.create(s.stage, s.options));
    } catch (e) {
      // A stage of one's own whose create threw is named, as a throw on a record is (C4).
      if (!(e instanceof UsageError)) throw s.module !== undefined ? createThrew(s.stage, s.module, i, e) : e;
      const text = e.message.startsWith(`${s.stage}: `) ? e.message.slice(s.stage.length + 2) : e.message;
      wrong.push(new UsageError(`${recipePath}: stages[${i}] (${s.stage}): ${text}`, e.more));
    }
  }
  if (wrong.length > 0) throw new UsageError(wrong[0].message, [...wrong[0].more, ...wrong.slice(1).flatMap((e) => [e.message, ...e.more])]);
  runStep.what = 'the run was at work';
  runStep.code = ExitCode.dataOrIo;
  const v = p.values;
  // What a dedup stage's threshold gave for the LSH (new-user review 19 F5).
  for (const st of stages) {
    const lsh = st.name === 'dedup' && !v.quiet ? lshNote(st.options) : undefined;
    if (lsh !== undefined) say(`corpus-clean run: note: dedup: ${lsh}`);
  }
  const ex = recipe.executor ?? {};
  const kind = (v.executor as string | undefined) ?? ex.kind ?? 'local';
  if (kind !== 'local' && kind !== 'slurm') throw new UsageError(`--executor must be local or slurm; got '${showText(kind)}'`);
  const asked = countFlag(v.workers, 'workers') ?? ex.workers;
  // Without --task-size or executor.task_size, a size chosen from the input (see taskSizeFor).
  const askedTaskSize = v['task-size'] !== undefined ? checkTaskSize(parseSize(v['task-size'], 1, 'run: --task-size'), 'run: --task-size') : ex.taskSize !== undefined ? checkTaskSize(ex.taskSize, `${recipePath}: executor: task_size`) : undefined;
  let taskSize = askedTaskSize ?? DEFAULT_TASK_SIZE;
  const workerKind = (v['worker-kind'] as string | undefined) ?? 'process';
  if (workerKind !== 'thread' && workerKind !== 'process') throw new UsageError(`--worker-kind must be thread or process; got '${showText(workerKind)}'`);
  const slurm: SlurmOptions = {
    partition: (v.partition as string | undefined) ?? ex.partition,
    time: (v.time as string | undefined) ?? ex.time,
    mem: (v.mem as string | undefined) ?? ex.mem,
    cpusPerTask: countFlag(v['cpus-per-task'], 'cpus-per-task') ?? ex.cpusPerTask,
    parallel: countFlag(v.parallel, 'parallel') ?? ex.parallel,
  };
  const dir = out.endsWith('/') ? out.slice(0, -1) : out;
  // `run` writes a folder of shards: a new folder named like a data file would pass for one.
  if (!out.endsWith('/') && isInputName(basename(dir)) && !existsSync(dir)) {
    // A .parquet name asks for Parquet: say how run writes Parquet shards (new-user review 5 #12).
    const pqHint = dir.endsWith('.parquet') && (v['output-format'] ?? recipe.output.format) !== 'parquet' ? '; for Parquet shards give --output-format parquet (or the recipe\'s output: {format: parquet})' : '';
    throw new UsageError(`run writes a folder of shards, not a file: -o '${showPath(out)}' would be a folder named like a data file; name a folder (-o ${showPath(dir.replace(/\.[a-z]+(\.(gz|zst))?$/, ''))}) and join its shards afterwards if you need one file ('corpus-clean cat DIR/ -o ${showPath(basename(dir))}'), or end the name with / to have that folder name${pqHint}`);
  }
  // Parquet or JSONL shards: the flag, else the recipe. One rule for the codec: --compress, else
  // the recipe's compression when the format written has that codec (none, gzip and zstd are
  // both formats'; snappy and brotli Parquet's), else the format's default (gzip JSONL, snappy
  // Parquet); so --output-format parquet over a recipe's compression: gzip gives gzip, as
  // format: parquet in the recipe does (new-user review 6 #4).
  const outputFormat = (v['output-format'] as string | undefined) ?? recipe.output.format ?? 'jsonl';
  const parquet = outputFormat === 'parquet';
  const sameFormat = (recipe.output.format ?? 'jsonl') === outputFormat;
  const recipeCompression = sameFormat || (recipe.output.compressionGiven === true && (parquet || ['none', 'gzip', 'zstd'].includes(recipe.output.compression))) ? recipe.output.compression : undefined;
  // The recipe's shard_size cuts JSONL shards; --output-format parquet over a JSONL recipe cuts by
  // rows instead (its shard_records, --shard-records or one file per task), with a note, rather
  // than refusing a flag the user did not give (new-user review 6 #4).
  let recipeShardBytes = recipe.output.shardBytes;
  if (parquet && recipe.output.format !== 'parquet' && recipeShardBytes !== undefined && v['shard-size'] === undefined) {
    const rows = (v['shard-records'] as string | undefined) ?? (recipe.output.shardRecords !== undefined ? String(recipe.output.shardRecords) : undefined);
    if (!v.quiet) say(`corpus-clean run: note: the recipe's output: shard_size (${recipeShardBytes} bytes) is for JSONL shards and is not used with --output-format parquet: Parquet files are cut by rows (${rows !== undefined ? `${rows} records per file` : 'one file per task; --shard-records N to cut them'})`);
    recipeShardBytes = undefined;
  }
  // The rejects are JSON lines: zstd level 1 beside compressed shards of either format (half the
  // CPU of gzip for the same size), none beside uncompressed ones.
  const rejectsCompression = ((v['rejects-compress'] as string | undefined) ?? recipe.rejects.compression ?? defaultRejectsCompression((v.compress as string | undefined) ?? recipeCompression ?? (parquet ? 'snappy' : 'gzip'))) as OutputCompression;
  if (!['none', 'gzip', 'zstd'].includes(rejectsCompression)) throw new UsageError(`rejects compression (--rejects-compress, or else --compress) must be none, gzip or zstd; got '${showText(rejectsCompression)}'`);
  let writeResolved: (files: string[], eff: EffectiveSettings) => Promise<void> = async () => {};
  let resolvedRejects: Record<string, unknown> | undefined;
  const job = {
    command: 'run',
    say,
    profile: true,
    inputs,
    stages,
    values: { ...p.values, output: undefined },
    extraOutputs: [join(out, '_recipe.resolved.yaml')],
    defaults: {
      output: out.endsWith('/') ? out : out + '/',
      rejects: rejectsPath(dir, rejectsCompression),
      rejectsAttrs: recipe.rejects.attrs,
      rejectsSample: recipe.rejects.samplePerReason,
      stats: join(out, '_stats.json'),
      shardRecords: recipe.output.shardRecords,
      shardBytes: recipeShardBytes,
      compression: recipeCompression ?? (parquet ? 'snappy' : 'gzip'),
      outputFormat: recipe.output.format ?? ('jsonl' as const),
      ...(recipe.output.rowGroupSize !== undefined ? { rowGroupSize: recipe.output.rowGroupSize } : {}),
      stripAttrs: recipe.output.stripAttrs,
      maxRejectRate: recipe.maxRejectRate,
      textField: recipe.textField,
    },
    runTasks: async (files: string[], settings: RunSettings, eff: EffectiveSettings, skipped: SkippedInput[], unfinished: UnfinishedInput[], expected: Record<string, number>): Promise<number> => {
      settings.rejectsCompression = rejectsCompression;
      resolvedRejects = { attrs: settings.rejectAttrs, ...(settings.rejectsSample !== undefined ? { sample_per_reason: settings.rejectsSample } : {}), compression: rejectsCompression };
      taskSize = askedTaskSize ?? (await defaultTaskSize(stages.map((x) => x.name), files));
      let tasks = await planTasks(files, settings.format, taskSize);
      // --limit N: the tasks holding the first N records in input order (settled here, for any worker count).
      let limitReached = false;
      if (settings.limit !== undefined) ({ tasks, reached: limitReached } = await limitTasks({ settings, stages: recipe.stages }, tasks, settings.limit, taskSource));
      const plan: Plan = { version: PLAN_VERSION, name: recipe.name, stages: recipe.stages, settings, inputs: files, roots: inputs, ...(skipped.length > 0 ? { skipped } : {}), ...(unfinished.length > 0 ? { unfinished } : {}), ...(Object.keys(expected).length > 0 ? { expectedRecords: expected } : {}), tasks, taskSize, ...(limitReached ? { limitReached } : {}), ...planPhases(stages, tasks.length) };
      // The bands x rows its MinHash dedup is planned with (a rerun by a version choosing others refuses to resume).
      const lsh = planLsh(recipe.stages);
      if (lsh !== undefined) plan.lsh = lsh;
      const { workers, note: workersNote } = localWorkers(asked, plan, availableParallelism(), v.workers !== undefined ? '--workers' : 'executor: workers');
      // A Slurm chain of an earlier run still writing here: only the Slurm executor may follow it.
      const live = await liveJobs(dir);
      if (live.length > 0 && (kind !== 'slurm' || v.overwrite === true)) throw new UsageError(liveJobsMessage(dir, live));
      // The files the stages read, by content: a resume after one changed is refused (F36).
      // A stage of one's own is code that decides: its module file counts as such a file (new-user review 23 B6b).
      // And the files it imports by relative path (new-user review 23b C1: a helper module edited).
      const moduleFiles = recipe.stages.flatMap((st) => (st.module === undefined ? [] : [{ path: st.module, what: `the module of stage ${st.stage}` }, ...moduleImports(st.module).map((path) => ({ path, what: `a file the module of stage ${st.stage} imports` }))]));
      const sides = await sideFileFacts([...stages.flatMap(filesReadBy), ...moduleFiles]);
      if (sides.length > 0) plan.sideFiles = sides;
      checkLoadedModules(recipe, sides);
      knowStages(planStageFiles(recipe.stages, sides));
      // --overwrite removed an earlier run here: said when this one is stopped or fails (new-user review 21 N7).
      let replaced: string | undefined;
      // What resumes it: with --overwrite the same command starts over, its finished units removed
      // (new-user review 26 R-1: "run the same command: it resumes" after a run begun with it).
      const without = v.overwrite === true ? ' without --overwrite' : '';
      const earlierGone = (): string => (replaced === undefined ? '' : `; the earlier ${replaced} in '${showPath(dir)}' was removed when this one started (--overwrite replaces a run in place: it is not put back)`);
      const state = await prepareFolder(dir, plan, v.overwrite === true, { jobsAlive: live.length > 0, note: (n) => say(`corpus-clean run: note: ${n}`), replaced: (w) => void (replaced = w) });
      if (state === 'finished') {
        // Killed after its _SUCCESS (before its report or the removal of _work/): finish those only.
        const done = await finishLeftovers(dir, 'run', say);
        if (!v.quiet) {
          if (done.length > 0) say(`corpus-clean run: '${showPath(dir)}' is a finished run of this command (${SUCCESS}) whose last steps were cut short: ${done.join(' and ')}; its accounting is in ${showPath(join(dir, '_stats.json'))}`);
          else say(`corpus-clean run: '${showPath(dir)}' is already a finished run of this command over the same inputs (${SUCCESS}${accounting(dir)}): nothing to do; pass --overwrite to run it again`);
        }
        return successCode(await readFile(join(dir, SUCCESS), 'utf8'));
      }
      // Until its plan is written a fresh run is nothing to resume: a signal in that stretch (it
      // takes seconds under load) removes what it wrote, so the rerun starts afresh (hostile review
      // 12 H4: the handlers came only with the tasks; killed there, the folder held a resolved
      // recipe and _work/ without a plan, which the rerun refused as an earlier run's).
      const fresh = state === 'fresh';
      const unstarted = async (): Promise<void> => {
        if (fresh && !existsSync(planPath(dir))) await Promise.allSettled([rm(join(dir, '_recipe.resolved.yaml'), { force: true }), rm(workDir(dir), { recursive: true, force: true })]);
      };
      const unguard = whileRunning(unstarted, () => `run the same command again${earlierGone()}`);
      try {
        await makeDir(dir, 'output folder');
        await writeResolved(files, eff);
        // Sealed from the start: in the plan (which a resume needs) and in _work/seals/.
        if (state === 'fresh') {
          markSealedFromStart(workDir(dir));
          plan.sealed = true;
        }
        if (state === 'fresh') await writeAtomic(planPath(dir), JSON.stringify(plan, null, 1) + '\n');
      } catch (e) {
        // A failure there (a full disk) leaves nothing either: the rerun was refused, the folder
        // holding a resolved recipe and _work/ but no plan (new-user review 19 F10).
        unguard();
        await unstarted();
        throw e;
      }
      const starts = await startAttempt(dir, state === 'fresh', (await stat(planPath(dir))).mtimeMs);
      // For `corpus-clean status`: the exact command that resumes this run.
      await recordCommand(dir, argv);
      const quiet = v.quiet === true;
      const progress = progressWanted(quiet);
      if (state === 'resume' && !quiet) say(`corpus-clean run: resuming the unfinished run in ${showPath(dir)}: ${doneUnits(dir, plan)} of ${counted(totalUnits(plan), 'unit')} done`);
      // With --quiet too: a warning, and said before the work rather than only in the merge's note.
      const codecs = state === 'resume' && doneUnits(dir, plan) < totalUnits(plan) ? await resumeCodecWarning(dir) : undefined;
      if (codecs !== undefined) say(`corpus-clean run: warning: ${codecs}`);
      if (kind === 'slurm') return runSlurm(dir, plan, slurm, { progress, quiet });
      if (workersNote !== undefined) say(`corpus-clean run: ${workersNote}`);
      // Fewer tasks than workers: say so, why, and the --task-size that splits them (new-user review 10 #19).
      if (!quiet && settings.limit === undefined) {
        const setBy = v['task-size'] !== undefined ? 'given by --task-size' : ex.taskSize !== undefined ? "set by the recipe's executor: task_size" : stages.some((x) => x.name === 'paragraphs') ? 'that `paragraphs` sets (each task loads its merged count-min sketch)' : 'chosen from the input (about 1/32 of it, at least 8 MiB)';
        const few = await fewTasksNote(files, settings.format, plan.tasks, workers, taskSize, setBy);
        if (few !== undefined) say(`corpus-clean run: note: ${few}`);
      }
      unguard();
      // Damage found in _work/ un-marks its writer; the phases are gone through again at once,
      // which redoes it as a rerun would (exec/redo.ts; new-user review 17 F7).
      const redone = new RedoneFiles();
      const redoNow = (e: unknown): boolean => {
        if (stopping() || !redone.take(e)) return false;
        say(`corpus-clean run: warning: ${(e as Error).message}`);
        say('corpus-clean run: redoing it now, in this run (finished tasks are kept)');
        return true;
      };
      const stoppedBy = (e: { message: string; code?: string }): number => {
        say(`corpus-clean run: error: ${e.message}`);
        if (redone.again(e)) say('corpus-clean run: that file was found damaged again after this run had redone it: check the disk (and memory) it is on');
        // How far it got, as a single command's 'stopped after' line says (new-user review 20 F3).
        const where = stoppedRunLine(dir, plan, e instanceof UnitFailure ? e.where : undefined);
        say(where);
        say(`corpus-clean run: the run ${afterRunFailure(e.code, doneUnits(dir, plan) > 0, without)}${earlierGone()}`);
        noteFailure(e, where);
        return ExitCode.dataOrIo;
      };
      // Kept in the run folder for `status` (new-user review 20 F3); said when it cannot be.
      const noteFailure = (e: { message: string; code?: string }, stopped?: string): void => {
        const why = recordFailure(dir, { at: new Date().toISOString(), error: e.message, ...(e.code !== undefined ? { code: e.code } : {}), ...(stopped !== undefined ? { stopped: stopped.replace(/^corpus-clean run: /, '') } : {}) });
        if (why !== undefined) say(`corpus-clean run: note: this failure could not be kept in the run folder for 'corpus-clean status' (${why})`);
      };
      // An error a stage threw outside its apply/run, nobody catching it (exitGuard): the tasks under
      // way were stopped (as on a signal); said and kept for status as a stage's throw is (N14).
      runStep.failed = (text) => {
        const where = stoppedRunLine(dir, plan);
        const why = recordFailure(dir, { at: new Date().toISOString(), error: text, code: STAGE_THREW, stopped: where.replace(/^corpus-clean run: /, '') });
        return [`corpus-clean run: error: ${text}`, where, `corpus-clean run: the run ${afterRunFailure(STAGE_THREW, doneUnits(dir, plan) > 0, without)}${earlierGone()}`, ...(why === undefined ? [] : [`corpus-clean run: note: this failure could not be kept in the run folder for 'corpus-clean status' (${why})`])];
      };
      // A stage's process.exit while the run works (exitGuard said it): kept for status as a throw is
      // (X1c), and followed by the lines a throw gets: the stage that called it when its stack names
      // one, how far the run got, what to do (new-user review 25 L-2: one line; status said 'fix the
      // stage it names' where none was named: kept without a stage's code then).
      runStep.ended = (said, by) => {
        const stopped = stoppedRunLine(dir, plan, stoppedNow());
        // process.exit, or process.reallyExit as the line says (hostile review 25 X1e).
        const call = /process\.reallyExit\(/.test(said) ? 'process.reallyExit' : 'process.exit';
        const why = recordFailure(dir, { at: new Date().toISOString(), error: said.replace(/^corpus-clean( run)?: error: /, '') + (by === undefined ? '' : `; ${call} was called by ${by}`), ...(by === undefined ? {} : { code: STAGE_THREW }), stopped: stopped.replace(/^corpus-clean run: /, '') });
        const kept = doneUnits(dir, plan) > 0;
        const advice = by !== undefined || kept ? afterRunFailure(STAGE_THREW, kept, without) : "stopped before any unit finished: find the stage (or a library it uses) that calls process.exit, make it return or throw, then run the same command to start it from its plan";
        return [
          ...(by === undefined ? [] : [`corpus-clean run: ${call} was called by ${by}`]),
          stopped,
          `corpus-clean run: the run ${advice}${earlierGone()}`,
          ...(why === undefined ? [] : [`corpus-clean run: note: this failure could not be kept in the run folder for 'corpus-clean status' (${why})`]),
        ];
      };
      for (;;) {
        const unregister = whileRunning(async () => {
          // The workers first: one still running would write a temporary behind the sweep.
          await stopWorkers();
          await removeStale(dir);
          // This process's own unit may write one more before it exits: swept again then.
          atExit(() => removeStaleSync(dir));
          // The tasks under way stop and their files go; the finished ones stay (new-user review 21 N8:
          // 'unfinished output removed; finished tasks are kept' read as two opposite things).
        }, () => keptNote(dir, plan, without) + earlierGone(), RUN_STOPPED, () => stoppedRunLine(dir, plan));
        let timeline: Timeline;
        try {
          timeline = await runLocal(dir, plan, stages, { workers, kind: workerKind, progress });
        } catch (e) {
          // Cut short by a signal: a task failing as its temporaries are removed is not the news; main waits for the interrupt handler.
          if (!(e instanceof UnitFailure) || stopping()) throw e;
          if (redoNow(e)) continue;
          return stoppedBy(e);
        } finally {
          unregister();
        }
        // A file the stages read (a module, a file it imports, a list) changed while the tasks ran:
        // tasks begun after the change may have loaded the new content beside the old (hostile
        // review 24 H1): such a run is not published.
        const changed = await changedSideFilesNow(plan);
        if (changed.length > 0) throw new Error(`a file the stages read changed while the run was at work: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}; its tasks may have run the old and the new content, so the run is not published (no ${SUCCESS}): run it again with --overwrite`);
        // The merge reports the time since `started`: the time worked by every attempt, not the gaps between them.
        const now = Date.now();
        // A signal during the merge: its temporaries go (a marker not yet renamed is halted), the
        // tasks stay; once _SUCCESS (or _FAILED) is written the run is finished, and a signal says
        // so rather than "unfinished output removed" (hostile review 7 F13, sibling).
        const finishedRun = (): string => (existsSync(join(dir, SUCCESS)) ? `the run was finished (${SUCCESS} written)` : `the run was finished and marked as failed (${FAILED} written)`);
        const unregisterMerge = whileRunning(async () => {
          await removeStale(dir);
          if (existsSync(join(dir, SUCCESS)) || existsSync(join(dir, FAILED))) return finishedRun();
        }, () => `finished tasks are kept: run the same command again${without} to resume${earlierGone()}`, 'the merge under way was stopped and the shards it had begun removed');
        try {
          const code = await mergeRun(dir, plan, { say, started: now - (await workedMs(dir, starts, now)), executor: { kind: 'local', workers, worker_kind: workerKind, task_size: taskSize, timeline: roundTimeline(timeline) } });
          outputFinished(finishedRun());
          return code;
        } catch (e) {
          // What a task left for the merge found damaged (checked before anything is written).
          if (damagedFile(e) === undefined || stopping()) {
            // Any other failure of the merge (a full disk) is kept for status too, unless the run was finished.
            if (!stopping() && e instanceof Error && !(e instanceof UsageError) && !existsSync(join(dir, SUCCESS)) && !existsSync(join(dir, FAILED))) noteFailure({ message: e.message, code: errorCode(e) });
            throw e;
          }
          if (redoNow(e)) continue;
          return stoppedBy(e as Error & { code?: string });
        } finally {
          unregisterMerge();
        }
      }
    },
  };
  writeResolved = async (files, eff) => {
      // A recipe that `corpus-clean run` accepts as it is: the input files listed one by one,
      // every stage option and the settings the flags chose written out, snake_case.
      const output: Record<string, unknown> = { ...(parquet ? { format: 'parquet' } : {}), compression: eff.compression, strip_attrs: eff.stripAttrs ?? recipe.output.stripAttrs };
      if (parquet) output.row_group_size = eff.rowGroupSize;
      if (eff.shardRecords !== undefined) output.shard_records = eff.shardRecords;
      if (eff.shardBytes !== undefined) output.shard_size = eff.shardBytes;
      const resolved = {
        name: recipe.name,
        // Absolute: the resolved recipe sits in the output folder, and recipe paths start from the recipe's folder.
        input: files.map((f) => (f === '-' ? f : resolve(f))),
        ...(eff.textField ? { text_field: eff.textField } : {}),
        stages: recipe.stages.map((s) => (s.module ? { module: s.module, ...snakeKeys(s.options) } : { [s.stage]: snakeKeys(s.options) })),
        output,
        max_reject_rate: eff.maxRejectRate,
        ...(resolvedRejects ? { rejects: resolvedRejects } : {}),
        executor: { kind, task_size: taskSize, ...(kind === 'slurm' ? slurmYaml(slurm) : {}) },
      };
      // Names shown as on stderr (showPath): a raw newline in one cut the comment and made the
      // file invalid YAML, with no report and no rerun (hostile review 12 H5).
      const header = `# Resolved by corpus-clean ${VERSION} from ${showPath(p.positionals[0])}${inputs !== files ? ` (input: ${inputs.map(showPath).join(', ')})` : ''}.\n# Run it again with: corpus-clean run _recipe.resolved.yaml -o DIR\n`;
      await writeAtomic(join(out, '_recipe.resolved.yaml'), header + stringify(resolved));
  };
  const code = await execute(job);
  // The merge wrote the report (before _SUCCESS; one that failed is a warning, not the exit code).
  if (v.quiet !== true && (existsSync(join(dir, SUCCESS)) || existsSync(join(dir, FAILED))) && existsSync(join(dir, REPORT_FILE))) say(`corpus-clean run: report in ${showPath(join(out, REPORT_FILE))}`);
  return code;
}

/** Options of `runRecipe`: the flags of `corpus-clean run`, camelCase (`taskSize`, `maxRejectRate`). */
export interface RunRecipeOptions {
  /** Inputs (files, folders, globs) replacing the recipe's `input:`. */
  input?: string | string[];
  /** Output folder (default `out/<recipe name>/`). */
  output?: string;
  /** Replace a finished run in the output folder (default: refuse, exit code 2 as a UsageError). */
  overwrite?: boolean;
  /** Local executor: tasks run on this many workers (default: every core, at most one per 16 MB). */
  workers?: number;
  executor?: 'local' | 'slurm';
  /** Plain JSONL files larger than this are cut into tasks (`64MiB`, or bytes; default about 1/32 of the input, 8 to 64 MiB). */
  taskSize?: string | number;
  /** Local workers as child processes (default: measured faster on 2 cores, bench/exec.ts) or threads. */
  workerKind?: 'thread' | 'process';
  /** Nothing on stderr: no progress line, no accounting line, per-file lines, notes or warnings (they are in the result's `messages`). */
  quiet?: boolean;
  /** Where the recipe's stage names are looked up (default: the built-in stages). */
  registry?: StageRegistry;
  /** Any other flag of `corpus-clean run` by its camelCase name: `compress`, `shardRecords`, `maxRejectRate`, `textField`, ... */
  [flag: string]: unknown;
}

/** What `runRecipe` returns. */
export interface RunRecipeResult {
  /** The CLI's exit code: 0 done; 1 bad input over the reject rate, damaged input, a failed task. */
  code: number;
  /** The output folder. */
  output: string;
  /**
   * `_stats.json` of the run, or null when none was written: the counts of `RunStats` (read, written,
   * rejected, per stage and file) and the run's own fields (`command`, `shards`, `executor`, ...).
   */
  stats: (RunStats & Record<string, unknown>) | null;
  /** The accounting line (`corpus-clean run: read N = written W + rejected R [...] in ...`), or null when the run did not get that far. */
  accounting: string | null;
  /**
   * Every line the CLI would print on stderr (the accounting line, per-file lines, notes, warnings,
   * errors), printed or not (`quiet`), the flags they name given as runRecipe's options
   * (`textField: 'NAME'`, `allowEmpty: true`), as a UsageError it throws names them.
   */
  messages: string[];
}

/**
 * Run a recipe file the way `corpus-clean run` does: the recipe checked before any record is read,
 * tasks on local workers (or Slurm), an output folder with shards, `_rejects.jsonl[.gz|.zst]`,
 * `_stats.json`, `_recipe.resolved.yaml`, `_report.html` and `_SUCCESS`, the overwrite guard and
 * resuming. Usage errors throw `UsageError`. Progress, the accounting line and the notes go to
 * stderr as in the CLI; with `quiet` nothing does, and the result carries the lines (`accounting`,
 * `messages`) beside the stats.
 */
export async function runRecipe(recipe: string, options: RunRecipeOptions = {}): Promise<RunRecipeResult> {
  const { registry: given, ...rest } = options;
  const registry = given ?? (await import('../../stages/index.js')).defaultRegistry();
  const names = RUN_FLAGS.map((f) => f.name);
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    const flag = key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    const spec = RUN_FLAGS.find((f) => f.name === flag);
    if (spec === undefined) throw new UsageError(`runRecipe: unknown option '${showText(key)}'${didYouMean(flag, names, (c) => `'${c.replace(/-([a-z])/g, (_m, l: string) => l.toUpperCase())}'`)}`);
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw new UsageError(`runRecipe: option '${showText(key)}' must be true or false`);
      values[flag] = value;
    } else if (spec.multiple === true) values[flag] = (Array.isArray(value) ? value : [value]).map(String);
    else values[flag] = String(value);
  }
  const messages: string[] = [];
  // In the words of runRecipe's options: `textField`, not `--text-field` (new-user review 15 F10).
  const say: Say = (cliLine) => {
    const line = asOptions(cliLine);
    messages.push(line);
    if (values.quiet !== true) toStderr(line);
  };
  // The command line `corpus-clean run` takes for these options (what `status` says to run to resume).
  const argv = ['run', recipe];
  for (const [flag, value] of Object.entries(values)) {
    if (value === true) argv.push(`--${flag}`);
    else if (Array.isArray(value)) for (const x of value) argv.push(`--${flag}`, String(x));
    else if (value !== false) argv.push(`--${flag}`, String(value));
  }
  let code: number;
  try {
    code = await runWith(recipe, values, registry, say, argv);
  } catch (e) {
    // A refusal names the options to pass here too (`overwrite: true`, not `--overwrite`).
    if (e instanceof UsageError) throw new UsageError(asOptions(e.message), e.more);
    throw e;
  }
  const accounting = messages.find((l) => /^corpus-clean run: read \d+ = /.test(l)) ?? null;
  const loaded = await loadRecipe(recipe, registry);
  const output = (values.output as string | undefined) ?? join('out', loaded.name);
  const statsFile = join(output, '_stats.json');
  const stats = existsSync(statsFile) ? (JSON.parse(await readFile(statsFile, 'utf8')) as RunStats & Record<string, unknown>) : null;
  return { code, output, stats, accounting, messages };
}

/**
 * A line of `corpus-clean run` as a runRecipe caller needs it (new-user review 15 F10): each run
 * flag it names is the option of runRecipe that does the same, `--allow-empty` → `allowEmpty:
 * true`, `--text-field NAME` → `textField: 'NAME'`, `--max-reject-rate 0.1` → `maxRejectRate:
 * 0.1`, a flag followed by words of the sentence → its name alone (`textField chooses another`).
 * A command line quoted in it (`'corpus-clean cat ... --no-require-text'`), to be run in a shell,
 * stays as it is, and so do the flags of other commands.
 */
export function asOptions(line: string): string {
  return line
    .split(/('corpus-clean [^']*')/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?: ([^\s;()']+))?/g, (whole, name: string, next: string | undefined) => {
            const flag = RUN_FLAGS.find((f) => f.name === name);
            if (flag === undefined) return whole;
            const option = name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
            if (flag.type === 'boolean') return `${option}: true${next === undefined ? '' : ` ${next}`}`;
            if (next === undefined) return option;
            // A value: a placeholder (NAME, N), a number or size, a list or a path; not a word of the sentence.
            const value = /^(.*?)([,.:]*)$/.exec(next)!;
            if (!/[A-Z0-9_.,/*]/.test(value[1])) return `${option} ${next}`;
            return `${option}: ${/^-?\d+(\.\d+)?$/.test(value[1]) ? value[1] : `'${value[1]}'`}${value[2]}`;
          }),
    )
    .join('');
}

/** `: read N = written W + rejected R` from a finished run's _stats.json, or '' when it does not read. */
function accounting(dir: string): string {
  try {
    const s = JSON.parse(readFileSync(join(dir, '_stats.json'), 'utf8')) as { read?: unknown; written?: unknown; rejected?: unknown };
    return typeof s.read === 'number' ? `: read ${s.read} = written ${String(s.written)} + rejected ${String(s.rejected)}` : '';
  } catch {
    return '';
  }
}

/**
 * The line after a run's failure that says how far it got (new-user review 20 F3: nothing said it,
 * while a single command says 'stopped after read N = ...'): the units done, and for the phase
 * that failed its units done and the records and input its units had gone through.
 */
export function stoppedRunLine(dir: string, plan: Plan, where?: StoppedAt): string {
  const done = doneUnits(dir, plan);
  const last = plan.phases.length - 1;
  const ph = where === undefined ? undefined : plan.phases[where.phase];
  if (where === undefined || ph === undefined) return `corpus-clean run: stopped with ${done} of ${counted(totalUnits(plan), 'unit')} done`;
  // The phase's units done are counted as the run's are, on disk now: the units under way when the
  // failure came finish before the run stops, and the line counted them in one figure and not in
  // the other ('stopped with 4 of 5 units done, in phase 1 of 1 (...): 3 of 5 tasks done': hostile
  // review 24 N2, 23b N2). One phase: its units are the run's, said once.
  let now = 0;
  for (let u = 0; u < ph.units; u++) if (isDone(dir, ph.id, u)) now++;
  const kind = ph.kind === 'tasks' ? 'task' : 'unit';
  let line = plan.phases.length === 1 ? `corpus-clean run: stopped with ${now} of ${counted(ph.units, 'unit')} done` : `corpus-clean run: stopped with ${done} of ${counted(totalUnits(plan), 'unit')} done, in ${phaseName(plan, where.phase)}: ${now} of ${counted(ph.units, kind)} done`;
  const went = where.records > 0 || where.bytes > 0 ? `${counted(where.records, 'record')}${where.totalBytes > 0 ? ` (${(where.bytes / 1e6).toFixed(1)} of ${(where.totalBytes / 1e6).toFixed(1)} MB of input)` : ''}` : '';
  // The figures of when the failure came, said as such (new-user review 25 L-5: "13401 records (2.0
  // of 3.0 MB of input) had gone through it by then" left 'it' and 'then' to guess: the phase, and
  // the failure, not the stop).
  const after = now - where.done;
  if (after > 0) line += ` (${where.done} when the failure came, ${after} more before the run stopped)`;
  // The records come from the tasks' progress reports, which lag what they have read: "at least"
  // (new-user review 26 S-1: a failure at line 14000 said 6614 records had been read).
  if (went !== '') line += `; when the failure came, ${plan.phases.length === 1 ? "the run's" : "the phase's"} tasks had read at least ${went}`;
  if (where.phase < last) line += `; no shard is written before phase ${last + 1}`;
  return line;
}

/**
 * What to do after a run's failure: nothing for an input changed while read (its error says
 * --overwrite); else free space first when the disk was full, then run the same command again,
 * which resumes the finished units, or starts from the plan when none had finished.
 */
function afterRunFailure(code: string | undefined, kept: boolean, without = ''): string {
  if (code === 'ERR_INPUT_CHANGED') return afterFailure(code, '');
  // A stage of one's own that threw throws again on the same record until its code is fixed (new-user review 22 A5).
  // Its finished units ran the stage's old code: a resume after its module changed is refused (B6b).
  // Its cause may lie outside the code (a file or server it uses, the environment): then the same command resumes (new-user review 24 N3).
  if (code === STAGE_THREW && kept) return `stopped; finished units are kept. If you fix the stage in its module (or a file it imports), run the same command with --overwrite to start over: its finished units ran the module as it is now, and a resume after it changed is refused; if the cause was outside its code (a file or server it uses, the environment), mend that and run the same command${without}: it resumes`;
  const again = noSpace(code) ? 'free space on the file system the error names (df -h; df -i for its inodes), then run the same command again' : code === STAGE_THREW ? 'fix the stage, then run the same command' : 'run the same command again';
  // `without`: ' without --overwrite' for a run begun with it (the same command starts over).
  return kept ? `stopped; finished units are kept: ${again}${without} to resume` : `stopped before any unit finished: ${again} to start it from its plan`;
}

/**
 * What a signal during a local run leaves: the finished tasks, or none yet (new-user review 15 F5:
 * "finished tasks are kept" was said when none had finished).
 */
function keptNote(dir: string, plan: Plan, without = ''): string {
  const n = plan.phases.length > 0 ? doneUnits(dir, plan) : 0;
  return n > 0 ? `finished tasks are kept: run the same command again${without} to resume` : 'no task had finished yet: the same command again starts the run from its plan';
}
